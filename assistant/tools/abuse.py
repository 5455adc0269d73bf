"""`assistant bench abuse`: the fault-and-abuse table of issue 11, run against a fresh server.

Each row performs one attack as an outsider (or a key holder) would — over real sockets, with
real uploads, in headless Chromium where script could run — and checks the safe outcome. The
tests (tests/test_security.py) call the same row functions against their own server; this
module adds the load check (16 clients while a 30 MB-XML .docx is processed) and prints
PASS/FAIL with the measured figure per row.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import httpx

from assistant.tools.serverproc import ServerProcess

KEY = "khoa-kiem-thu-bao-mat"
BINH_SON = "quang-ngai-binh-son-2025-quy-hoach-tinh"
AN_GIANG = "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc"
XSS = "</script><script>alert(document.domain)</script>"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MB = 1024 * 1024
DEFAULT_QUESTIONS = [
    "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
    "Sở GDĐT Quảng Ngãi làm việc với huyện Bình Sơn vào thời gian nào?",
    "Chỉ thị 04/CT-UBND của UBND tỉnh An Giang có hiệu lực khi nào?",
    "Quảng Ninh phấn đấu tỷ lệ trường đạt chuẩn quốc gia bao nhiêu phần trăm vào năm 2024?",
    "what must THCS schools report after 2024-2025?",
]


@dataclass
class Row:
    n: int
    what: str
    passed: bool
    figure: str
    details: list[str] = field(default_factory=list)

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.n:>2}  {self.what}: {self.figure}"


@dataclass
class Target:
    """A running server under attack, and the folders it writes to."""

    server: ServerProcess
    key: str
    work: Path  # the server's TMPDIR and GRADIO_TEMP_DIR live here
    seed: Path | None = None  # the index the server's copy was made from (round 3 starts its own server from it)
    front: ServerProcess | None = None  # round 3's server: no key, per-client limits on (front_server)

    def close(self) -> None:
        for s in (self.front, self.server):
            if s is not None:
                s.stop()

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def corpus(self) -> Path:
        return self.server.corpus

    @property
    def auth(self) -> dict[str, str]:
        return {"X-API-Key": self.key}


def server_env(work: Path, key: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """What a target server runs with: the key, and temp folders the rows can measure."""
    for d in ("tmp", "gradio"):
        (work / d).mkdir(parents=True, exist_ok=True)
    # every simulated client comes from 127.0.0.1: the per-address limit (tested on its own) would
    # count them as one
    return {
        "ASSISTANT_API_KEY": key,
        "TMPDIR": str(work / "tmp"),
        "GRADIO_TEMP_DIR": str(work / "gradio"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "ASSISTANT_MAX_REQUESTS_PER_CLIENT": "0",
        **(extra or {}),
    }


# -- helpers -------------------------------------------------------------------------------------


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def raw_request(
    url: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body_size: int,
    chunked: bool = False,
    filler: bytes = b"x",
    timeout: float = 30,
    prefix: bytes = b"",
) -> dict[str, Any]:
    """Send a request whose body is ``body_size`` bytes (``prefix``, then filler), streaming it
    only as fast as the server reads, and stop as soon as the server answers. Returns status,
    JSON body, bytes sent (including what the kernel buffered), seconds."""
    u = urlparse(url)
    sock = socket.create_connection((u.hostname, u.port), timeout=timeout)
    head = [f"{method} {path} HTTP/1.1", f"Host: {u.hostname}:{u.port}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_size}")
    t0 = time.perf_counter()
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sock.setblocking(False)
    block = (filler * (65536 // len(filler) + 1))[:65536]
    sent, pending = 0, b""
    deadline = time.time() + timeout
    while time.time() < deadline:
        readable, writable, _ = select.select([sock], [sock] if (sent < body_size or pending) else [], [], 1)
        if readable:
            break
        if writable:
            if not pending:
                n = min(len(block), body_size - sent)
                piece = (prefix + block)[:n] if sent == 0 else block[:n]
                pending = (f"{n:x}\r\n".encode() + piece + b"\r\n") if chunked else piece
                if chunked and sent + n >= body_size:
                    pending += b"0\r\n\r\n"
                sent += n
            try:
                k = sock.send(pending)
                pending = pending[k:]
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                break
    sock.setblocking(True)
    sock.settimeout(max(1.0, deadline - time.time()))
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head_part, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head_part.split(b"\r\n")[1:]:
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(rest) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
    except OSError:
        head_part, rest = data.partition(b"\r\n\r\n")[0], b""
    finally:
        sock.close()
    seconds = time.perf_counter() - t0
    status = int(head_part.split(b" ")[1]) if head_part.startswith(b"HTTP/") else 0
    try:
        body = json.loads(rest.decode()) if rest else None
    except ValueError:
        body = rest[:200].decode(errors="replace")
    return {"status": status, "body": body, "sent": sent, "seconds": seconds}


def error_code(resp) -> str | None:
    try:
        return resp.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def process_tree_rss_mb(pid: int) -> dict[int, float]:
    """Resident memory of a process and its children (Linux /proc), in MB."""
    out: dict[int, float] = {}
    todo = [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    out[p] = int(line.split()[1]) / 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return out


def docx_bytes_stream(path: Path, paragraphs, declared_note: str = "") -> int:
    """Write a minimal valid .docx whose document.xml is generated paragraph by paragraph
    (so a 500 MB XML never sits in memory). Returns the XML size."""
    ct = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
        'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
        'PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        'wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        "</Relationships>"
    )
    size = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        with z.open("word/document.xml", "w", force_zip64=True) as out:
            head = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.'
                b'openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            )
            out.write(head)
            size += len(head)
            buf: list[bytes] = []
            for p in paragraphs:
                buf.append(p.encode())
                if len(buf) >= 2000:
                    data = b"".join(buf)
                    out.write(data)
                    size += len(data)
                    buf = []
            tail = b"".join(buf) + b"</w:body></w:document>"
            out.write(tail)
            size += len(tail)
    return size


_RPR = (
    '<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" '
    'w:eastAsia="Times New Roman"/><w:color w:val="000000"/><w:sz w:val="28"/><w:szCs w:val="28"/>'
    '<w:lang w:val="vi-VN" w:eastAsia="vi-VN" w:bidi="ar-SA"/></w:rPr>'
)
_PPR = (
    '<w:pPr><w:spacing w:before="60" w:after="60" w:line="312" w:lineRule="auto"/><w:ind w:firstLine="567"/>'
    '<w:jc w:val="both"/><w:rPr><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:pPr>'
)


def long_text_docx(path: Path) -> int:
    """The issue's .docx: ~30 MB of XML, 209k paragraphs of text (~20 M characters): far over
    the length limit."""

    def paragraphs():
        for i in range(209_000):
            yield (
                f"<w:p><w:r><w:t>Đoạn {i}: các trường báo cáo kết quả thực hiện nhiệm vụ năm học và "
                f"công tác chuyển đổi số theo kế hoạch.</w:t></w:r></w:p>"
            )

    return docx_bytes_stream(path, paragraphs())


def huge_xml_docx(path: Path, xml_mb: int = 500) -> int:
    """A ~0.5 MB .docx whose XML is ``xml_mb`` MB (empty paragraphs compress ~1000:1)."""
    para = "<w:p/>"
    count = xml_mb * MB // len(para)
    return docx_bytes_stream(path, (para for _ in range(count)))


def heavy_docx(path: Path, nonce: str, groups: int = 16_000) -> int:
    """~30 MB of XML in 144k paragraphs, as Word writes them (formatting on every run, empty
    spacing paragraphs), with ~0.9 M characters of text: within the limits, so it is read,
    parsed and embedded — about the most work one accepted upload can ask for."""

    def paragraphs():
        empty = f"<w:p>{_PPR}</w:p>"
        for i in range(groups):
            yield (
                f"<w:p>{_PPR}<w:r>{_RPR}<w:t>Mục {i} ({nonce}): báo cáo số liệu trường lớp lần {i}.</w:t></w:r>"
                f"</w:p>" + empty * 8
            )

    return docx_bytes_stream(path, paragraphs())


def hoc_ba_document(nonce: str, items: int = 150) -> bytes:
    """A directive whose every paragraph talks about "học bạ điện tử": while it is being
    ingested, its uncommitted chunks would take every search candidate for that phrase."""
    lines = [
        f"Số: {nonce[:6]}/KH-PGDĐT",
        "Sơn Tịnh, ngày 02 tháng 4 năm 2025",
        "KẾ HOẠCH",
        f"Triển khai học bạ điện tử đợt {nonce}",
        "I. NỘI DUNG",
    ]
    for i in range(1, items + 1):
        lines.append(
            f"{i}. Trường số {i} ({nonce}) triển khai học bạ điện tử, số hóa hồ sơ học bạ điện tử "
            f"của học sinh khối {i % 9 + 1} và báo cáo học bạ điện tử lần {i} về Phòng."
        )
    return "\n\n".join(lines).encode()


def upload(
    t: Target, name: str, data: bytes, replace: bool = False, wait: bool = True, timeout: float = 300
) -> httpx.Response:
    params = {"replace": "true"} if replace else {}
    if not wait:
        params["wait"] = "false"
    return httpx.post(
        t.url + "/v1/documents",
        params=params,
        headers=t.auth,
        files={"file": (name, data, "application/octet-stream")},
        timeout=timeout,
    )


def wait_job(t: Target, job_id: str, until: Callable[[dict], bool], timeout: float = 300) -> dict:
    deadline = time.time() + timeout
    job: dict = {}
    while time.time() < deadline:
        job = httpx.get(f"{t.url}/v1/uploads/{job_id}", headers=t.auth, timeout=10).json()["job"]
        if until(job):
            return job
        time.sleep(0.1)
    return job


def search_ids(t: Target, query: str, k: int = 5) -> list[str]:
    r = httpx.post(t.url + "/v1/search", json={"query": query, "k": k}, timeout=60)
    return [h["doc_id"] for h in r.json()["hits"]]


# -- the rows ------------------------------------------------------------------------------------


def row1_reflected_xss(t: Target) -> Row:
    """The document view reflects ?chunk=; Chromium must not run the injected script."""
    url = f"{t.url}/documents/{AN_GIANG}/view?chunk={quote(XSS)}"
    r = httpx.get(url, timeout=30)
    csp = r.headers.get("content-security-policy", "")
    script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    inline = [s for s in r.text.split("<script")[1:] if "src=" not in s.split(">", 1)[0]]
    static_ok = (
        r.status_code == 200
        and "'unsafe-inline'" not in script_src
        and "'self'" in script_src
        and not inline
        and "<script>alert" not in r.text
        and r.headers.get("x-content-type-options") == "nosniff"
        and "referrer-policy" in r.headers
    )
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if not chromium or sync_playwright is None:
        return Row(
            1,
            "XSS phản chiếu ở trang văn bản",
            static_ok,
            f"không có Chromium: kiểm tra tĩnh CSP {script_src.strip()!r}, không có script nội tuyến",
        )
    dialogs: list[str] = []
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(url, wait_until="load")
        page.wait_for_timeout(300)
        # the page still works under its policy: the focused paragraph is scrolled into view
        chunks = httpx.get(f"{t.url}/v1/documents/{AN_GIANG}", headers=t.auth, timeout=30).json()["paragraphs"]
        page.goto(f"{t.url}/documents/{AN_GIANG}/view?chunk={quote(chunks[-3]['chunk_id'])}", wait_until="load")
        page.wait_for_function("window.scrollY > 0", timeout=5000)
        scrolled = page.evaluate("window.scrollY")
        browser.close()
    passed = static_ok and not dialogs and scrolled > 0 and not violations
    return Row(
        1,
        "XSS phản chiếu ở trang văn bản",
        passed,
        f"Chromium: {len(dialogs)} hộp thoại alert, {len(violations)} vi phạm CSP; {script_src.strip()}; "
        f"trang vẫn cuộn tới đoạn được chọn (y={scrolled})",
        dialogs + violations,
    )


def row2_history_flood(t: Target) -> Row:
    prev = "Sở GDĐT Quảng Ngãi làm việc với huyện Bình Sơn vào thời gian nào? "
    big = (prev * (50_000 // len(prev) + 1))[:50_000]
    t0 = time.perf_counter()
    r1 = httpx.post(
        t.url + "/v1/ask",
        timeout=60,
        json={"question": "Còn huyện Tư Nghĩa thì sao?", "history": [{"role": "user", "content": big}]},
    )
    s1 = time.perf_counter() - t0
    many = [{"role": "user" if i % 2 == 0 else "assistant", "content": "Câu hỏi ngắn?"} for i in range(200)]
    r2 = httpx.post(t.url + "/v1/ask", timeout=60, json={"question": "Còn huyện Tư Nghĩa thì sao?", "history": many})
    r3 = raw_request(t.url, "POST", "/v1/ask", {"Content-Type": "application/json"}, 5 * MB, filler=b"a")
    t1 = time.perf_counter()
    ok = httpx.post(
        t.url + "/v1/ask",
        timeout=60,
        json={"question": "Còn huyện Tư Nghĩa thì sao?", "history": [{"role": "user", "content": prev.strip()}]},
    )
    s_ok = time.perf_counter() - t1
    passed = (
        r1.status_code == 413
        and r2.status_code == 413
        and r3["status"] == 413
        and s1 < 2
        and r3["seconds"] < 2
        and ok.status_code == 200
        and bool(ok.json().get("answer"))
    )
    return Row(
        2,
        "Lịch sử hội thoại khổng lồ",
        passed,
        f"50.000 ký tự → {r1.status_code} trong {s1 * 1000:.0f} ms; 200 lượt → {r2.status_code}; "
        f"thân 5 MB → {r3['status']} sau {r3['sent'] / MB:.2f} MB, {r3['seconds'] * 1000:.0f} ms; "
        f"câu hỏi nối tiếp hợp lệ vẫn trả lời ({ok.status_code}, {s_ok * 1000:.0f} ms)",
        [str(r1.json()), str(r3)],
    )


def row3_feedback_flood(t: Target) -> Row:
    fb = t.server.feedback
    before = fb.stat().st_size if fb.exists() else 0
    big = raw_request(t.url, "POST", "/v1/feedback", {"Content-Type": "application/json"}, 50 * MB)
    streamed = raw_request(t.url, "POST", "/v1/feedback", {"Content-Type": "application/json"}, 50 * MB, chunked=True)
    record = httpx.post(
        t.url + "/v1/feedback",
        timeout=30,
        json={"rating": "sai", "question": "Hỏi?", "answer": "Đáp.", "comment": "x" * 100_000},
    )
    statuses = [
        httpx.post(
            t.url + "/v1/feedback",
            timeout=30,
            json={"rating": "đúng", "question": f"Câu hỏi {i}?", "answer": "Đáp.", "comment": "ổn"},
        ).status_code
        for i in range(30)
    ]
    after = fb.stat().st_size if fb.exists() else 0
    ok201, limited = statuses.count(201), statuses.count(429)
    passed = (
        big["status"] == 413
        and big["sent"] < 8 * MB
        and streamed["status"] == 413
        and streamed["sent"] < 8 * MB
        and record.status_code == 413
        and limited > 0
        and ok201 <= 20
        and after - before < 64 * 1024
    )
    return Row(
        3,
        "Phản hồi 50 MB không cần khóa",
        passed,
        f"50 MB (Content-Length) → {big['status']} sau {big['sent'] / MB:.2f} MB; 50 MB (chunked) → "
        f"{streamed['status']} sau {streamed['sent'] / MB:.2f} MB; bản ghi 100 KB → {record.status_code}; "
        f"30 lần liên tiếp → {ok201}×201, {limited}×429; feedback.jsonl +{(after - before) / 1024:.1f} KB",
        [str(big), str(streamed)],
    )


def row4_gradio_upload(t: Target) -> Row:
    gradio_tmp = t.work / "gradio"
    before = folder_bytes(gradio_tmp)
    boundary = "----tanCong"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="lon.bin"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    r = raw_request(
        t.url,
        "POST",
        "/gradio_api/upload",
        {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        300 * MB,
        prefix=part,
    )
    file_route = httpx.get(t.url + "/gradio_api/file=/etc/passwd", timeout=10)
    proxy = httpx.get(t.url + "/gradio_api/proxy=http://127.0.0.1/", timeout=10)
    after = folder_bytes(gradio_tmp)
    page = httpx.get(t.url + "/", timeout=30)
    passed = (
        r["status"] in (401, 404)
        and r["sent"] < 8 * MB
        and after == before
        and file_route.status_code == 404
        and proxy.status_code == 404
        and (
            page.status_code == 404
            or "'unsafe-inline'"
            not in page.headers.get("content-security-policy", "").split("script-src")[1].split(";")[0]
        )
    )
    return Row(
        4,
        "Tải tệp qua /gradio_api/upload không cần khóa",
        passed,
        f"300 MB → {r['status']} sau {r['sent'] / MB:.2f} MB ({r['seconds'] * 1000:.0f} ms); "
        f"/gradio_api/file= → {file_route.status_code}, proxy= → {proxy.status_code}; "
        f"thư mục tạm Gradio +{after - before} B",
        [str(r)],
    )


def row5_unauthenticated_upload(t: Target) -> Row:
    tmp = t.work / "tmp"
    before = folder_bytes(tmp)
    mp = {"Content-Type": "multipart/form-data; boundary=xyz"}
    part = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="lon.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\n"
    )  # a well-formed file part: the server streams it
    nokey = raw_request(t.url, "POST", "/v1/documents", mp, 2048 * MB, prefix=part)
    nokey_chunked = raw_request(t.url, "POST", "/v1/documents", mp, 2048 * MB, chunked=True, prefix=part)
    withkey = raw_request(t.url, "POST", "/v1/documents", {**mp, **t.auth}, 2048 * MB, prefix=part)
    withkey_chunked = raw_request(
        t.url, "POST", "/v1/documents", {**mp, **t.auth}, 2048 * MB, chunked=True, timeout=60, prefix=part
    )
    after = folder_bytes(tmp)
    passed = (
        nokey["status"] == 401
        and nokey_chunked["status"] == 401
        and withkey["status"] == 413
        and withkey_chunked["status"] == 413
        and max(nokey["sent"], nokey_chunked["sent"]) < 8 * MB
        and withkey_chunked["sent"] < 64 * MB
        and after - before < MB
    )
    return Row(
        5,
        "Tải 2 GB không cần khóa",
        passed,
        f"không khóa → {nokey['status']} sau {nokey['sent'] / MB:.2f} MB ({nokey['seconds'] * 1000:.0f} ms), "
        f"chunked → {nokey_chunked['status']} sau {nokey_chunked['sent'] / MB:.2f} MB; có khóa → "
        f"{withkey['status']} ngay, chunked → {withkey_chunked['status']} sau "
        f"{withkey_chunked['sent'] / MB:.1f} MB; thư mục tạm +{(after - before) / 1024:.0f} KB",
        [str(nokey), str(withkey_chunked)],
    )


def row6_docx_bombs(t: Target) -> Row:
    tmp = Path(tempfile.mkdtemp(prefix="bomb-"))
    try:
        long_path, huge_path = tmp / "dai-209k-doan.docx", tmp / "bom-500mb.docx"
        long_xml = long_text_docx(long_path)
        huge_xml = huge_xml_docx(huge_path)
        rss_before = process_tree_rss_mb(t.server.pid)
        t0 = time.perf_counter()
        r_long = upload(t, long_path.name, long_path.read_bytes())
        s_long = time.perf_counter() - t0
        t1 = time.perf_counter()
        r_huge = upload(t, huge_path.name, huge_path.read_bytes())
        s_huge = time.perf_counter() - t1
        rss_after = process_tree_rss_mb(t.server.pid)
        ask = httpx.post(t.url + "/v1/ask", json={"question": DEFAULT_QUESTIONS[0]}, timeout=60)
    finally:
        sizes = {p.name: p.stat().st_size for p in tmp.iterdir()}
        shutil.rmtree(tmp, ignore_errors=True)
    server_growth = rss_after.get(t.server.pid, 0) - rss_before.get(t.server.pid, 0)
    worker_mb = max([v for k, v in rss_after.items() if k != t.server.pid] or [0])
    left = [f.name for f in t.corpus.iterdir() if f.name.startswith(("dai-209k", "bom-500"))]
    passed = (
        r_long.status_code == 413
        and r_huge.status_code == 413
        and s_long < 60
        and s_huge < 10
        and server_growth < 150
        and worker_mb < 1024
        and ask.status_code == 200
        and not left
    )
    return Row(
        6,
        ".docx bung thành 30 MB / 500 MB XML",
        passed,
        f"{sizes.get(long_path.name, 0) / MB:.1f} MB → {long_xml / MB:.0f} MB XML: {r_long.status_code} "
        f"{error_code(r_long)} trong {s_long:.1f} s; {sizes.get(huge_path.name, 0) / 1024:.0f} KB → "
        f"{huge_xml / MB:.0f} MB XML: {r_huge.status_code} trong {s_huge:.2f} s; RSS máy chủ "
        f"{server_growth:+.0f} MB, tiến trình nạp {worker_mb:.0f} MB",
        [r_long.text[:300], r_huge.text[:300]],
    )


def _doc_state(t: Target, doc_id: str) -> tuple[int, str | None]:
    r = httpx.get(f"{t.url}/v1/documents/{doc_id}", timeout=30)
    return r.status_code, (r.json().get("version") if r.status_code == 200 else None)


def row7_failed_replace_keeps_old(t: Target) -> Row:
    name = f"{BINH_SON}.txt"
    original = (t.corpus / name).read_bytes()
    _, version = _doc_state(t, BINH_SON)
    no_replace = upload(t, name, b"")
    empty = upload(t, name, b"", replace=True)
    garbage = upload(t, f"{BINH_SON}.docx", b"PK\x03\x04 hong", replace=True)
    binary = upload(t, name, b"\x00\x01\x02" * 1000, replace=True)
    status, version_after = _doc_state(t, BINH_SON)
    kept = (t.corpus / name).exists() and (t.corpus / name).read_bytes() == original
    found = search_ids(t, "học bạ điện tử", 3)[:1] == [BINH_SON]
    passed = (
        no_replace.status_code == 409
        and empty.status_code == 422
        and garbage.status_code == 422
        and binary.status_code == 422
        and kept
        and version_after == version
        and found
        and not (t.corpus / f"{BINH_SON}.docx").exists()
    )
    return Row(
        7,
        "Tệp hỏng trùng tên văn bản đã có",
        passed,
        f"không replace → {no_replace.status_code}; replace tệp rỗng → {empty.status_code}, .docx hỏng → "
        f"{garbage.status_code}, nhị phân → {binary.status_code}; tệp cũ {'còn nguyên' if kept else 'MẤT'}, "
        f"phiên bản {'không đổi' if version_after == version else 'ĐỔI'}, tìm kiếm "
        f"{'vẫn thấy' if found else 'KHÔNG thấy'}",
        [empty.text, garbage.text],
    )


def row8_replace_needs_flag(t: Target) -> Row:
    name = f"{BINH_SON}.txt"
    original = (t.corpus / name).read_bytes()
    other = "Số: 5/CV-PGDĐT\n\nBình Sơn, ngày 1 tháng 6 năm 2025\n\nV/v thay thế\n\n1. Nội dung thay thế.".encode()
    same = upload(t, name, other)
    stem = upload(t, f"{BINH_SON}.md", other)
    replaced = upload(t, f"{BINH_SON}.md", other, replace=True)
    only_md = (t.corpus / f"{BINH_SON}.md").exists() and not (t.corpus / name).exists()
    source = replaced.json().get("document", {}).get("source") if replaced.status_code == 201 else None
    restored = upload(t, name, original, replace=True)
    back = (t.corpus / name).read_bytes() == original and not (t.corpus / f"{BINH_SON}.md").exists()
    names = same.json().get("error", {}).get("message", "") if same.status_code == 409 else ""
    passed = (
        same.status_code == 409
        and BINH_SON in names
        and stem.status_code == 409
        and replaced.status_code == 201
        and only_md
        and source == f"{BINH_SON}.md"
        and restored.status_code == 201
        and back
    )
    return Row(
        8,
        "Tải lên trùng tên / cùng gốc khác đuôi",
        passed,
        f"cùng tên → {same.status_code} ({error_code(same)}), .md cùng gốc → {stem.status_code}; "
        f"replace=true → {replaced.status_code}, còn đúng 1 tệp ({f'{BINH_SON}.md' if only_md else '?'}); "
        f"khôi phục → {restored.status_code}",
        [names],
    )


def row9_concurrent_same_name(t: Target) -> Row:
    data = "Số: 12/TB-PGDĐT\n\nHuế, ngày 3 tháng 3 năm 2025\n\nV/v đồng thời\n\n1. Tải lên đồng thời.".encode()
    name = "tai-len-dong-thoi.txt"

    def burst(replace: bool) -> list[int]:
        out: list[int] = []
        lock = threading.Lock()
        gate = threading.Barrier(12)

        def one():
            gate.wait()
            try:
                code = upload(t, name, data, replace=replace).status_code
            except httpx.HTTPError:
                code = 0
            with lock:
                out.append(code)

        threads = [threading.Thread(target=one) for _ in range(12)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        return out

    first = burst(False)
    second = burst(True)
    files = [f for f in t.corpus.iterdir() if f.name == name]
    staging = [f for f in (t.corpus / ".uploads").rglob("*") if f.is_file()] if (t.corpus / ".uploads").exists() else []
    docs = [
        d
        for d in httpx.get(t.url + "/v1/documents", timeout=30).json()["documents"]
        if d["doc_id"] == "tai-len-dong-thoi"
    ]
    deleted = httpx.delete(t.url + "/v1/documents/tai-len-dong-thoi", headers=t.auth, timeout=30).status_code
    errors = [c for c in first + second if c >= 500 or c == 0]
    passed = (
        not errors
        and first.count(201) == 1
        and first.count(409) == 11
        and second.count(201) >= 1
        and set(second) <= {201, 409}
        and len(files) == 1
        and not staging
        and len(docs) == 1
        and deleted == 200
    )
    return Row(
        9,
        "12 lượt tải cùng tên đồng thời",
        passed,
        f"mới: {first.count(201)}×201, {first.count(409)}×409; replace=true: {second.count(201)}×201, "
        f"{second.count(409)}×409; lỗi 5xx: {len(errors)}; còn {len(files)} tệp, {len(docs)} văn bản",
    )


def row10_long_name(t: Target) -> Row:
    name = "ệ" * 120 + ".txt"
    data = "Số: 3/KH-PGDĐT\n\nHuế, ngày 5 tháng 5 năm 2025\n\nV/v tên dài\n\n1. Tên tệp rất dài.".encode()
    r = upload(t, name, data)
    stored = [f for f in t.corpus.iterdir() if f.name.startswith("ệ")]
    size = len(stored[0].name.encode()) if stored else 0
    doc_id = r.json().get("document", {}).get("doc_id") if r.status_code == 201 else None
    deleted = httpx.delete(f"{t.url}/v1/documents/{doc_id}", headers=t.auth, timeout=30).status_code if doc_id else 0
    passed = r.status_code == 201 and 0 < size <= 255 and stored[0].name.endswith(".txt") and deleted == 200
    return Row(
        10,
        "Tên tệp 120 × 'ệ' (364 byte)",
        passed,
        f"{len(name.encode())} byte → {r.status_code}, lưu thành {size} byte "
        f"({len(stored[0].name) if stored else 0} ký tự, giữ đuôi .txt)",
        [r.text[:300]],
    )


def row11_bad_dates(t: Target) -> Row:
    results = []
    for value in ("abc", "-1", "2023-", "2023-13-45"):
        for path, body in (
            ("/v1/ask", {"question": "Kế hoạch làm việc khi nào?"}),
            ("/v1/search", {"query": "kế hoạch"}),
        ):
            r = httpx.post(t.url + path, timeout=30, json={**body, "filters": {"date_to": value}})
            message = (
                r.json().get("error", {}).get("message", "")
                if r.headers.get("content-type", "").startswith("application/json")
                else ""
            )
            results.append((value, path, r.status_code, value in message))
    ok = sum(1 for _, _, s, named in results if s == 400 and named)
    return Row(
        11,
        "Ngày lọc sai (abc, -1, 2023-, 2023-13-45)",
        ok == len(results),
        f"{ok}/{len(results)} → 400 với thông báo nêu giá trị sai",
        [str(x) for x in results if x[2] != 400 or not x[3]],
    )


def row12_killed_during_ingest(t: Target) -> Row:
    nonce = uuid.uuid4().hex[:10]
    name = f"hoc-ba-{nonce}.txt"
    r = upload(t, name, hoc_ba_document(nonce), wait=False)
    job = r.json()["job"] if r.status_code == 202 else {}
    seen = wait_job(t, job["id"], lambda j: j["written"] > 0 or j["status"] in ("indexed", "failed")) if job else {}
    t.server.kill()
    killed_mid = seen.get("status") == "indexing" and 0 < seen.get("written", 0) < seen.get("chunks", 0)
    t.server.start()
    log = t.server.output()
    ids = search_ids(t, "học bạ điện tử", 5)
    health = httpx.get(t.url + "/healthz", timeout=30).json()
    missing = httpx.get(f"{t.url}/v1/documents/hoc-ba-{nonce}", timeout=30).status_code
    left = [f.name for f in t.corpus.iterdir() if nonce in f.name]
    staging = [f for f in (t.corpus / ".uploads").rglob("*")] if (t.corpus / ".uploads").exists() else []
    passed = (
        killed_mid
        and ids[:1] == [BINH_SON]
        and missing == 404
        and not left
        and not staging
        and health["stored_chunks"] == health["chunks"]
    )
    return Row(
        12,
        "Máy chủ bị giết khi đang nạp tệp tải lên",
        passed,
        f"giết sau {seen.get('written', 0)}/{seen.get('chunks', 0)} đoạn; khởi động lại: tìm 'học bạ điện tử' "
        f"→ {len(ids)} kết quả (đầu: {ids[0] if ids else '—'}), văn bản dở → {missing}, tệp còn lại trong "
        f"corpus/: {len(left)}, đoạn lưu {health['stored_chunks']} = đoạn đã commit {health['chunks']}",
        [log[-500:], str(seen)],
    )


def row13_error_shape(t: Target) -> Row:
    cases = [
        ("POST", "/v1/ask", b"{khong-phai-json", "application/json"),
        ("POST", "/v1/ask", b"{}", "application/json"),
        ("POST", "/v1/ask", b'{"question": 5}', "application/json"),
        ("POST", "/v1/ask", b'{"question": "a", "k": "nhieu"}', "application/json"),
        ("POST", "/v1/ask", b"question=a", "text/plain"),
        ("POST", "/v1/search", b"[]", "application/json"),
        ("POST", "/v1/feedback", '{"rating": "tuyệt", "question": "a"}'.encode(), "application/json"),
        ("GET", "/v1/khong-co", b"", None),
        ("GET", "/khong-co-trang-nay", b"", None),
        ("DELETE", "/v1/ask", b"", None),
        ("PUT", "/healthz", b"", None),
        ("GET", "/v1/documents/khong-co", b"", None),
        ("GET", "/v1/uploads/khong-co", b"", None),
        ("POST", "/v1/documents", b"", "multipart/form-data; boundary=x"),
    ]
    bad = []
    statuses = []
    for method, path, body, ctype in cases:
        headers = {**t.auth, **({"Content-Type": ctype} if ctype else {})}
        r = httpx.request(method, t.url + path, content=body, headers=headers, timeout=30)
        statuses.append(r.status_code)
        try:
            d = r.json()
            shaped = set(d) == {"error"} and set(d["error"]) == {"code", "message"} and d["error"]["message"]
        except (ValueError, TypeError, KeyError):
            shaped = False
        if not shaped or not 400 <= r.status_code < 500:
            bad.append(f"{method} {path} → {r.status_code} {r.text[:120]}")
    return Row(
        13,
        "Yêu cầu sai định dạng",
        not bad,
        f'{len(cases) - len(bad)}/{len(cases)} lỗi đúng dạng {{"error": {{code, message}}}} '
        f"({', '.join(str(s) for s in sorted(set(statuses)))})",
        bad,
    )


def row14_key_comparison(t: Target) -> Row:
    import inspect

    from assistant.app.httpguard import key_matches

    wrong = ["", t.key[:-1], t.key + "x", "x" * len(t.key), "khóa-có-dấu-ệ", t.key.upper()]
    statuses = [
        httpx.delete(t.url + "/v1/documents/khong-co", headers={"X-API-Key": w.encode()}, timeout=30).status_code
        for w in wrong
        if w
    ]
    bearer = httpx.delete(
        t.url + "/v1/documents/khong-co", headers={"Authorization": f"Bearer {t.key}"}, timeout=30
    ).status_code
    timing = {}
    with httpx.Client(timeout=30) as client:
        for label, w in (("0 ký tự đúng", "z" * len(t.key)), ("đúng trừ ký tự cuối", t.key[:-1] + "z")):
            samples = []
            for _ in range(60):
                t0 = time.perf_counter()
                client.delete(t.url + "/v1/documents/khong-co", headers={"X-API-Key": w})
                samples.append((time.perf_counter() - t0) * 1e6)
            timing[label] = statistics.median(samples)
    constant = "compare_digest" in inspect.getsource(key_matches)
    passed = constant and all(s == 401 for s in statuses) and bearer == 404
    return Row(
        14,
        "So sánh khóa API",
        passed,
        f"hmac.compare_digest: {'có' if constant else 'KHÔNG'}; {len(statuses)} khóa sai (cả khóa có dấu) → "
        f"{sorted(set(statuses))}; khóa đúng → {bearer}; trung vị thời gian: "
        + ", ".join(f"{k} {v:.0f} µs" for k, v in timing.items()),
    )


# -- round 3: data and CLI ----------------------------------------------------------------------
# A third attack round: text inside documents is data in every rendering, one file name is one
# document, the CLI checks what it reads as the API does, error bodies name no server folder.
# (A full disk needs a small file system of its own: tests/test_diskfull.py.)

LINKY_DOC = (
    "Số: 9/TB-SGDĐT\n\nHuế, ngày 3 tháng 3 năm 2025\n\nV/v đăng ký thi nghề phổ thông\n\n"
    "1. Học sinh đăng ký thi nghề phổ thông tại [cổng thông tin](HTTPS://evil.example/phish) hoặc "
    "https://evil.example/login, www.evil.example, JavaScript:alert(1), <ftp://evil.example/a>, "
    "mailto:hacker@evil.example, ![logo](data:image/png;base64,AAAA) trước ngày 15/3/2025 theo mẫu [1]."
)
LINKY_QUESTION = "Học sinh đăng ký thi nghề phổ thông ở đâu?"


def _chat_links(t: Target, question: str) -> tuple[list[str], str] | None:
    """The links and the text Chromium shows in the chat UI for one question (None: no Chromium)."""
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(t.url + "/", wait_until="load")
        page.locator("#question textarea").fill(question)
        page.locator("#send").click()
        page.locator("#sources .src").first.wait_for(timeout=60000)
        page.wait_for_timeout(500)
        links = page.eval_on_selector_all(
            "#chat a, #sources a, #chat img, #sources img",
            "els => els.map(e => e.getAttribute('href') || e.getAttribute('src') || '')",
        )
        text = page.locator("#chat").inner_text() + page.locator("#sources").inner_text()
        browser.close()
    return links, text


def row31_document_links_are_text(t: Target) -> Row:
    """A document's links, images, any-scheme URLs and its own "[1]", quoted in an answer: the
    API gives the raw text; every rendering (chat answer, sources) shows it as text, with no link
    but the citations' own."""
    from assistant.app.ui import cite_links, sources_html

    r = upload(t, "thi-nghe-lien-ket.txt", LINKY_DOC.encode())
    try:
        answer = httpx.post(t.url + "/v1/ask", json={"question": LINKY_QUESTION}, timeout=60).json()
        cited = [c for c in answer.get("citations", []) if c["doc_id"] == "thi-nghe-lien-ket"]
        raw_kept = bool(cited) and "(HTTPS://evil.example/phish)" in cited[0]["text"]
        import re

        rendered = cite_links(answer) + sources_html(answer)
        ours = re.compile(r'\[\[\d+\]\]\(/documents/[^ )]+ "[^"]*"\)')  # the citation links the UI makes
        markers = len(ours.findall(rendered))
        rest = re.sub(r"<h4>\[\d+\] ", "", ours.sub("", rendered))  # and the source cards' own numbers
        leaks = [
            w
            for w in ("](", "://", "www.", "javascript:", "JavaScript:", "mailto:", "data:", "@evil", "[1]")
            if w in rest
        ]
        browser = _chat_links(t, LINKY_QUESTION)
        foreign = [h for h in browser[0] if not h.startswith("/documents/")] if browser else []
        shown = browser is None or "[cổng thông tin](HTTPS://evil.example/phish)" in browser[1]
    finally:
        httpx.delete(t.url + "/v1/documents/thi-nghe-lien-ket", headers=t.auth, timeout=30)
    passed = (
        r.status_code == 201
        and raw_kept
        and not leaks
        and markers == len(answer.get("citations", []))
        and not foreign
        and shown
    )
    return Row(
        31,
        "Liên kết, ảnh, “[1]” trong văn bản được trích",
        passed,
        f"API giữ nguyên văn: {'có' if raw_kept else 'KHÔNG'}; bản hiển thị: {len(leaks)} dấu liên kết lọt "
        f"({', '.join(leaks) or 'không'}), {markers} liên kết trích dẫn cho {len(answer.get('citations', []))} "
        f"trích dẫn; Chromium: "
        + (f"{len(foreign)} liên kết lạ, văn bản hiện nguyên" if browser else "không có (apt-get install chromium)"),
        [answer.get("answer", "")[:300], str(foreign)],
    )


def row32_one_name_one_document(t: Target) -> Row:
    """A Mac's NFD name is the NFC name; names in other scripts are distinct documents; a
    fullwidth name is its ASCII name; a conflict names the right document."""
    import unicodedata

    body = "Số: 4/HD-PGDĐT\n\nHuế, ngày 4 tháng 4 năm 2025\n\nV/v {0}\n\n1. Nội dung {0}.".format
    nfc = "Công văn hướng dẫn thi.txt"
    first = upload(t, nfc, body("hướng dẫn").encode())
    nfd = upload(t, unicodedata.normalize("NFD", nfc), body("hướng dẫn NFD").encode())
    a = upload(t, "文件.txt", body("tệp một").encode())
    b = upload(t, "通知.txt", body("tệp hai").encode())
    b2 = upload(t, "通知.txt", body("tệp hai, bản mới").encode(), replace=True)
    wide = upload(t, "Ｆｕｌｌ.txt", body("toàn khổ").encode())
    ids = {
        k: (x.json().get("document") or {}).get("doc_id") for k, x in (("a", a), ("b", b), ("b2", b2), ("wide", wide))
    }
    names = sorted(f.name for f in t.corpus.iterdir() if f.is_file())
    mangled = [n for n in names if "_" in n and ("Co" in n or "va" in n)]
    nfd_msg = nfd.json().get("error", {}).get("message", "") if nfd.status_code == 409 else ""
    docs = {d["doc_id"] for d in httpx.get(t.url + "/v1/documents", timeout=30).json()["documents"]}
    for doc_id in {"cong-van-huong-dan-thi", ids["a"], ids["b"], ids["wide"]} - {None}:
        httpx.delete(f"{t.url}/v1/documents/{doc_id}", headers=t.auth, timeout=30)
    passed = (
        first.status_code == 201
        and nfd.status_code == 409
        and "cong-van-huong-dan-thi" in nfd_msg
        and nfc in names
        and not mangled
        and a.status_code == 201
        and b.status_code == 201
        and ids["a"] != ids["b"]
        and ids["a"] in docs
        and ids["b2"] == ids["b"]
        and wide.status_code == 201
        and "Full.txt" in names
    )
    return Row(
        32,
        "Tên NFD (Mac), chữ Hán, chữ toàn khổ",
        passed,
        f"NFD sau NFC → {nfd.status_code} (nêu đúng văn bản: {'có' if 'cong-van-huong-dan-thi' in nfd_msg else 'KHÔNG'}), "
        f"{len(mangled)} tên bị hỏng; 文件/通知 → {a.status_code}/{b.status_code}, mã {ids['a']} ≠ {ids['b']}; "
        f"replace=true 通知 → {ids['b2']}, 文件 vẫn còn: {'có' if ids['a'] in docs else 'KHÔNG'}; "
        f"Ｆｕｌｌ.txt → {wide.status_code}, lưu thành Full.txt: {'có' if 'Full.txt' in names else 'KHÔNG'}",
        [nfd_msg, str(names)],
    )


def row33_error_bodies(t: Target) -> Row:
    """Bodies that are not UTF-8 or not JSON, wrong numbers, wrong methods: Vietnamese, in the
    error shape, and no server folder in any error."""
    cases = [
        ("POST", "/v1/ask", b'{"question": "h\xffc"}'),
        ("POST", "/v1/ask", b"\xff\xfe{"),
        ("POST", "/v1/search", b'{"query": "a", "k": 1.5}'),
        ("POST", "/v1/search", b'{"query": "a", "k": 100000}'),
        ("POST", "/v1/ask", b'{"question": "a", "history": [{"role": "hacker", "content": 5}]}'),
        ("PATCH", "/v1/documents", b""),
        ("POST", "/v1/documents", b"--x\r\n"),
    ]
    english = ("error parsing", "Input should", "Method Not Allowed", "Invalid", "Expected", "Field required")
    folders = [str(t.server.index.resolve()), str(t.corpus.resolve()), str(t.work.resolve())]
    bad = []
    for method, path, body in cases:
        ctype = "multipart/form-data; boundary=x" if path == "/v1/documents" else "application/json"
        r = httpx.request(method, t.url + path, content=body, headers={**t.auth, "Content-Type": ctype}, timeout=30)
        try:
            err = r.json()["error"]
            ok = set(err) == {"code", "message"} and not any(w in err["message"] for w in english)
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok or not 400 <= r.status_code < 500 or any(f in r.text for f in folders):
            bad.append(f"{method} {path} → {r.status_code} {r.text[:160]}")
    return Row(
        33,
        "Lỗi JSON/UTF-8/số/phương thức: tiếng Việt, không lộ thư mục",
        not bad,
        f"{len(cases) - len(bad)}/{len(cases)} lỗi tiếng Việt đúng dạng, không nêu thư mục máy chủ",
        bad,
    )


def _cli(t: Target, *args: str, stdin_file: Path | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(t.server.index),
        "ASSISTANT_CORPUS_DIR": str(t.corpus),
        "ASSISTANT_SERVER_URL": t.url,
        "ASSISTANT_API_KEY": t.key,
    }
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        env=env,
        timeout=120,
        cwd=str(Path(__file__).resolve().parent.parent.parent),
    )


def row34_cli_checks_what_it_reads(t: Target) -> Row:
    """The CLI (asking this server) with bytes that are not UTF-8, a history of the wrong shape or
    without end, an unknown --doc, -k 100000: exit 2, a Vietnamese line, no traceback."""
    bad_history = t.work / "lich-su-sai.json"
    bad_history.write_text('[{"role": "hacker", "content": 5}]', encoding="utf-8")
    cases = [
        ("câu hỏi không phải UTF-8", ["ask", os.fsdecode(b"h\xffc")], "UTF-8"),
        ("lịch sử sai dạng", ["ask", "Khi nào?", "--history", str(bad_history)], "không đúng dạng"),
        ("lịch sử /dev/zero", ["ask", "Khi nào?", "--history", "/dev/zero"], "quá lớn"),
        ("--doc không có", ["ask", "Khi nào?", "--doc", "khong-co-van-ban-nay"], "assistant docs"),
        ("search -k 100000", ["search", "kế hoạch", "-k", "100000"], "từ 1 đến 50"),
        ("câu hỏi 1.001 ký tự", ["ask", "a" * 1001], "quá dài"),
    ]
    results, bad = [], []
    for label, args, expected in cases:
        t0 = time.perf_counter()
        p = _cli(t, *args)
        err = p.stderr.decode("utf-8", "replace")
        ok = p.returncode == 2 and expected in err and "Traceback" not in err and err.startswith("Lỗi:")
        results.append(ok)
        if not ok:
            bad.append(f"{label}: exit {p.returncode}, {err[-300:]}")
        elif time.perf_counter() - t0 > 60:
            bad.append(f"{label}: {time.perf_counter() - t0:.0f} s")
    return Row(
        34,
        "CLI: byte lạ, lịch sử sai/vô hạn, --doc lạ, -k quá lớn",
        not bad,
        f"{sum(results)}/{len(cases)} → mã thoát 2 với thông báo tiếng Việt, không traceback",
        bad,
    )


# -- round 3: server front ------------------------------------------------------------------------
# Who may change state, which Host and forwarding headers are believed, and what slow, idle or
# flooding clients can hold. These rows run against a server of their own (``front_server``):
# no API key (the reproduced attacks assumed none) and the per-client limits on, with short
# timeouts so the table stays fast (`tools/front_load.py` measures the full numbers with the
# defaults). "Another client" is another loopback address (127.0.0.2, 127.0.0.3): the limits
# are per client address.

FRONT_ENV = {
    "ASSISTANT_MAX_REQUESTS_PER_CLIENT": "8",
    "ASSISTANT_HEADER_TIMEOUT_S": "2",
    "ASSISTANT_BODY_TIMEOUT_S": "2",
    "ASSISTANT_UPLOAD_JOB_CPU_S": "10",
}
EVIL = "http://evil.example"


def front_server(t: Target) -> ServerProcess:
    """Round 3's server, started once per target from a copy of its seed index and corpus."""
    if t.front is None:
        base = t.work / "front"
        shutil.copytree(t.seed or t.server.index, base / "index")
        shutil.copytree(t.corpus, base / "corpus", ignore=shutil.ignore_patterns(".*"))
        env = {**server_env(base, ""), **FRONT_ENV}
        t.front = ServerProcess(base / "index", base / "corpus", env=env, ui=True)
    return t.front


def from_address(address: str, timeout: float = 30) -> httpx.Client:
    """A client whose connections leave from this loopback address."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


def probe(url: str, address: str = "127.0.0.2") -> dict[str, float]:
    """Another client's /healthz and /v1/ask: status and seconds each."""
    out: dict[str, float] = {}
    with from_address(address) as c:
        t0 = time.perf_counter()
        out["healthz"] = c.get(url + "/healthz").status_code
        out["healthz_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        out["ask"] = c.post(url + "/v1/ask", json={"question": DEFAULT_QUESTIONS[2]}).status_code
        out["ask_s"] = time.perf_counter() - t0
    return out


def chat(url: str, question: str, address: str, timeout: float = 60) -> tuple[int, float]:
    """Ask through the chat UI's queue as a browser does (join, then read the session's event
    stream): the join's status and the seconds until the answer is complete."""
    session = uuid.uuid4().hex[:12]
    t0 = time.perf_counter()
    with from_address(address, timeout) as c:
        r = c.post(
            url + "/gradio_api/queue/join",
            json={
                "data": [question, None, [], [], "", "", ""],
                "fn_index": 1,
                "trigger_id": 9,
                "session_hash": session,
            },
        )
        if r.status_code != 200:
            return r.status_code, time.perf_counter() - t0
        with c.stream("GET", url + "/gradio_api/queue/data", params={"session_hash": session}) as s:
            for line in s.iter_lines():
                if line.startswith("data:") and '"process_completed"' in line:
                    return 200, time.perf_counter() - t0
    return 0, time.perf_counter() - t0


class Trickle:
    """``n`` connections from one address, each sending one more header line every ``every``
    seconds and never finishing its headers (or a body, ``body=True``, one byte at a time).
    ``closed`` counts those the server has closed; ``refused`` those answered at once (503)."""

    def __init__(
        self,
        url: str,
        n: int,
        every: float,
        path: str = "/healthz",
        body: bool = False,
        address: str = "127.0.0.1",
        reconnect: bool = False,
    ) -> None:
        u = urlparse(url)
        self.addr, self.n, self.every, self.body, self.source = (u.hostname, u.port), n, every, body, address
        self.head = (
            f"POST {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 100\r\n\r\n"
            if body
            else f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n"
        )
        self.reconnect = reconnect
        self.socks: list[socket.socket] = []
        self.opened = self.closed = self.refused = 0
        self.first_close: float | None = None
        self.last_close: float | None = None
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _connect(self) -> None:
        s = socket.socket()
        s.bind((self.source, 0))
        s.settimeout(5)
        try:
            s.connect(self.addr)
            s.sendall(self.head.encode())
        except OSError:
            s.close()
            return
        s.setblocking(False)
        self.socks.append(s)
        self.opened += 1

    def start(self) -> Trickle:
        for _ in range(self.n):
            self._connect()
        self._thread.start()
        return self

    def _run(self) -> None:
        next_line = time.monotonic() + self.every
        import selectors

        watched: set[socket.socket] = set()
        sel = selectors.DefaultSelector()  # epoll: a thousand sockets are past select()'s limit
        while not self._stop.is_set():
            for s in set(self.socks) - watched:
                sel.register(s, selectors.EVENT_READ)
                watched.add(s)
            readable = [key.fileobj for key, _ in sel.select(0.2)] if watched else []
            for s in readable:
                sel.unregister(s)
                watched.discard(s)
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                now = time.monotonic() - self.started
                if data.startswith(b"HTTP/1.1 503"):
                    self.refused += 1
                else:
                    self.closed += 1
                    self.first_close = self.first_close if self.first_close is not None else now
                    self.last_close = now
                s.close()
                self.socks.remove(s)
            if self.reconnect:
                while len(self.socks) < self.n and not self._stop.is_set():
                    self._connect()
            if time.monotonic() >= next_line:
                next_line += self.every
                for s in list(self.socks):
                    try:
                        s.send(b"x" if self.body else b"X-Langsam: 1\r\n")
                    except OSError:
                        pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for s in self.socks:
            s.close()
        self.socks = []


def open_streams(url: str, session: str, n: int, address: str = "127.0.0.1") -> tuple[list[socket.socket], list[int]]:
    """``n`` chat heartbeat streams (held open by the server while a tab is) from one address:
    the open sockets and every answer's status."""
    u = urlparse(url)
    held, statuses = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind((address, 0))
        s.settimeout(5)
        try:
            s.connect((u.hostname, u.port))
            s.sendall(f"GET /gradio_api/heartbeat/{session} HTTP/1.1\r\nHost: {u.hostname}:{u.port}\r\n\r\n".encode())
            head = s.recv(4096)
        except OSError:
            s.close()
            statuses.append(0)
            continue
        status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/") else 0
        statuses.append(status)
        (held if status == 200 else []).append(s)
        if status != 200:
            s.close()
    return held, statuses


def row16_cross_site_writes(t: Target) -> Row:
    """A page on another site posts to the unkeyed server (multipart and DELETE need no CORS
    preflight): refused 403 before the body is read; the server's own page still writes."""
    srv = front_server(t)
    target = srv.corpus / f"{AN_GIANG}.txt"
    before = target.read_bytes()
    files = {"file": (f"{AN_GIANG}.txt", "Số: 1/GIẢ-MẠO\n\nVăn bản giả.".encode(), "text/plain")}
    cases = {
        "POST replace, Origin evil": httpx.post(
            srv.url + "/v1/documents?replace=true", files=files, headers={"Origin": EVIL}, timeout=60
        ),
        "POST, Referer evil": httpx.post(
            srv.url + "/v1/documents?replace=true", files=files, headers={"Referer": EVIL + "/trang.html"}, timeout=60
        ),
        "POST, Origin null": httpx.post(
            srv.url + "/v1/documents?replace=true", files=files, headers={"Origin": "null"}, timeout=60
        ),
        "DELETE, Origin evil": httpx.delete(f"{srv.url}/v1/documents/{AN_GIANG}", headers={"Origin": EVIL}),
        "feedback, Origin evil": httpx.post(
            srv.url + "/v1/feedback",
            headers={"Origin": EVIL},
            json={"rating": "sai", "question": "Hỏi?", "answer": "Đáp."},
        ),
        "chat join, Origin evil": httpx.post(
            srv.url + "/gradio_api/queue/join",
            headers={"Origin": EVIL},
            json={"data": ["Hỏi?", None, [], [], "", "", ""], "fn_index": 1, "session_hash": "evil1"},
        ),
    }
    refused = {k: r.status_code for k, r in cases.items()}
    shaped = all(error_code(r) == "foreign_origin" for r in cases.values())
    own = {"Origin": srv.url}
    new = httpx.post(
        srv.url + "/v1/documents",
        headers=own,
        timeout=120,
        files={"file": ("cung-nguon.txt", "Số: 9/TB-SGDĐT\n\nThông báo thử nghiệm cùng nguồn.".encode(), "text/plain")},
    )
    gone = httpx.delete(srv.url + "/v1/documents/cung-nguon", headers=own).status_code
    passed = (
        set(refused.values()) == {403}
        and shaped
        and target.read_bytes() == before
        and new.status_code == 201
        and gone == 200
    )
    return Row(
        16,
        "Trang web khác ghi vào máy chủ không khóa",
        passed,
        "; ".join(f"{k} → {v}" for k, v in refused.items()) + f"; văn bản gốc giữ nguyên: "
        f"{target.read_bytes() == before}; cùng nguồn: tải lên → {new.status_code}, xóa → {gone}",
        [new.text[:200]],
    )


def row17_foreign_host(t: Target) -> Row:
    """DNS rebinding: a page at evil.example whose name now points at 127.0.0.1 reaches the
    server under its own name; only localhost names, IP addresses and configured names are served."""
    srv = front_server(t)
    port = urlparse(srv.url).port
    evil = {
        p: httpx.request(
            m,
            srv.url + p,
            headers={"Host": f"evil.example:{port}"},
            timeout=30,
            **({"json": {"question": "Hỏi?"}} if m == "POST" else {}),
        ).status_code
        for m, p in (("GET", "/"), ("GET", "/config"), ("GET", "/v1/documents"), ("POST", "/v1/ask"))
    }
    ours = {
        h: httpx.get(srv.url + "/v1/documents", headers={"Host": h}, timeout=30).status_code
        for h in (f"localhost:{port}", f"127.0.0.1:{port}")
    }
    passed = set(evil.values()) == {421} and set(ours.values()) == {200}
    return Row(
        17,
        "Host lạ (DNS rebinding)",
        passed,
        "Host evil.example: "
        + ", ".join(f"{p} → {s}" for p, s in evil.items())
        + "; "
        + ", ".join(f"Host {h} → {s}" for h, s in ours.items()),
    )


def row18_forwarding_headers(t: Target) -> Row:
    """X-Forwarded-For from a client that is not a configured proxy changes nothing: rotating
    it neither escapes the per-client limits nor the feedback rate; X-Forwarded-Host is never
    written into the chat UI's config."""
    srv = front_server(t)
    codes: list[int] = []
    gate = threading.Barrier(16)

    def costly(i: int) -> None:
        gate.wait()
        r = httpx.post(
            srv.url + "/v1/ask",
            json={"question": "ằ" + "ệ" * 999},
            headers={"X-Forwarded-For": f"10.0.{i}.1"},
            timeout=120,
        )
        codes.append(r.status_code)

    threads = [threading.Thread(target=costly, args=(i,)) for i in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    feedback = [
        httpx.post(
            srv.url + "/v1/feedback",
            headers={"X-Forwarded-For": f"10.1.{i}.1"},
            json={"rating": "đúng", "question": f"Câu {i}?", "answer": "Đáp."},
        ).status_code
        for i in range(40)
    ]
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    config = httpx.get(srv.url + "/config", headers=forged, timeout=30).text
    page = httpx.get(srv.url + "/", headers=forged, timeout=30).text
    passed = (
        codes.count(429) > 0
        and feedback.count(201) <= 20
        and feedback.count(429) >= 20
        and "evil.example" not in config + page
    )
    return Row(
        18,
        "X-Forwarded-For/-Host giả (không có proxy tin cậy)",
        passed,
        f"16 câu hỏi nặng, mỗi câu một X-Forwarded-For → {codes.count(200)}×200, {codes.count(429)}×429; "
        f"40 phản hồi → {feedback.count(201)}×201, {feedback.count(429)}×429; X-Forwarded-Host phản chiếu "
        f"vào cấu hình giao diện: {'CÓ' if 'evil.example' in config + page else 'không'}",
    )


def row19_slow_headers(t: Target, n: int = 300) -> Row:
    """``n`` connections from one address sending a header line every second and never ending
    their headers: at most the per-client cap are held, each closed (408) at the header timeout;
    another client's /healthz and /v1/ask answer within 1 s meanwhile."""
    srv = front_server(t)
    trickle = Trickle(srv.url, n, 1.0).start()
    time.sleep(1.0)
    held = len(trickle.socks)
    during = probe(srv.url)
    time.sleep(float(FRONT_ENV["ASSISTANT_HEADER_TIMEOUT_S"]) + 2.5)
    still_open = len(trickle.socks)
    trickle.stop()
    passed = (
        held <= 64
        and trickle.closed >= held
        and during["healthz"] == 200
        and during["ask"] == 200
        and during["healthz_s"] < 1
        and during["ask_s"] < 1
        and still_open == 0
    )
    return Row(
        19,
        f"{n} kết nối gửi header chậm từ một địa chỉ",
        passed,
        f"{trickle.opened} mở, {trickle.refused} bị từ chối ngay (503), {held} được giữ, {trickle.closed} "
        f"bị đóng (408) sau {trickle.last_close or 0:.1f} s; client khác: /healthz {during['healthz']:.0f} "
        f"trong {during['healthz_s'] * 1000:.0f} ms, /v1/ask {during['ask']:.0f} trong "
        f"{during['ask_s'] * 1000:.0f} ms",
    )


def row20_slow_bodies(t: Target) -> Row:
    """8 request bodies arriving one byte at a time (the per-client POST limit): closed at the
    body timeout, after which the same address posts again."""
    srv = front_server(t)
    trickle = Trickle(srv.url, 8, 1.0, path="/v1/feedback", body=True).start()
    time.sleep(0.5)
    blocked = httpx.post(srv.url + "/v1/search", json={"query": "chuyển đổi số"}, timeout=30).status_code
    deadline = time.monotonic() + float(FRONT_ENV["ASSISTANT_BODY_TIMEOUT_S"]) * 2 + 3
    while trickle.socks and time.monotonic() < deadline:
        time.sleep(0.2)
    trickle.stop()
    after = httpx.post(srv.url + "/v1/search", json={"query": "chuyển đổi số"}, timeout=30).status_code
    passed = trickle.closed == 8 and after == 200
    return Row(
        20,
        "8 thân yêu cầu gửi 1 byte/giây",
        passed,
        f"trong lúc gửi: POST khác từ cùng địa chỉ → {blocked}; {trickle.closed}/8 bị đóng (408) sau "
        f"{trickle.last_close or 0:.1f} s; sau đó → {after}",
    )


def row21_idle_streams(t: Target, n: int = 100) -> Row:
    """``n`` chat streams from one address: at most the per-client stream cap are held; another
    client's /healthz and chat still answer."""
    srv = front_server(t)
    session = uuid.uuid4().hex[:12]
    held, statuses = open_streams(srv.url, session, n)
    during = probe(srv.url)
    code, seconds = chat(srv.url, DEFAULT_QUESTIONS[2], "127.0.0.3")
    for s in held:
        s.close()
    passed = len(held) <= 16 and during["healthz"] == 200 and during["healthz_s"] < 1 and code == 200 and seconds < 5
    counts = {c: statuses.count(c) for c in sorted(set(statuses))}
    return Row(
        21,
        f"{n} luồng chat để treo từ một địa chỉ",
        passed,
        f"{len(held)} được giữ; trạng thái {counts}; client khác: /healthz {during['healthz_s'] * 1000:.0f} ms, "
        f"câu hỏi chat → {code} trong {seconds:.2f} s",
    )


def row22_chat_queue_flood(t: Target, joins: int = 300) -> Row:
    """``joins`` chat questions joined in a burst from one address (each returns at once): the
    per-client limit counts what they left queued, so a victim's chat answer still comes within 5 s."""
    srv = front_server(t)
    statuses: list[int] = []
    t0 = time.perf_counter()
    with from_address("127.0.0.1") as c:
        for i in range(joins):
            statuses.append(
                c.post(
                    srv.url + "/gradio_api/queue/join",
                    json={
                        "data": [DEFAULT_QUESTIONS[i % 4], None, [], [], "", "", ""],
                        "fn_index": 1,
                        "trigger_id": 9,
                        "session_hash": uuid.uuid4().hex[:12],
                    },
                ).status_code
            )
    flood_s = time.perf_counter() - t0
    code, seconds = chat(srv.url, DEFAULT_QUESTIONS[2], "127.0.0.3")
    passed = code == 200 and seconds < 5 and statuses.count(200) < joins // 2
    return Row(
        22,
        f"{joins} lượt vào hàng đợi chat trong {flood_s:.1f} s",
        passed,
        f"{statuses.count(200)} nhận, {statuses.count(429)}×429; câu hỏi chat của người khác → {code} trong "
        f"{seconds:.2f} s",
    )


def row23_one_long_paragraph(t: Target) -> Row:
    """A 1 MB file that is one paragraph: its chunks are bounded (so each embedder turn is short)
    and the whole upload is bounded in CPU (ASSISTANT_UPLOAD_JOB_CPU_S, 10 s here): refused 413,
    the worker restarted; a question meanwhile is answered."""
    srv = front_server(t)
    words = "các trường báo cáo kết quả thực hiện nhiệm vụ năm học và công tác chuyển đổi số theo kế hoạch"
    body = " ".join(f"{words} {i}" for i in range(MB // len(words.encode())))  # no two chunks alike (cache)
    text = "Số: 12/KH-PGDĐT\n\nKẾ HOẠCH\n\n" + body
    result: dict[str, Any] = {}

    def send_it() -> None:
        t0 = time.perf_counter()
        r = httpx.post(
            srv.url + "/v1/documents", files={"file": ("mot-doan.txt", text.encode(), "text/plain")}, timeout=300
        )
        result.update(status=r.status_code, code=error_code(r), seconds=time.perf_counter() - t0)

    th = threading.Thread(target=send_it)
    th.start()
    time.sleep(3)
    during = probe(srv.url)
    th.join(300)
    passed = (
        result.get("status") == 413
        and result.get("code") == "document_too_costly"
        and result.get("seconds", 999) < 120
        and during["ask"] == 200
        and during["ask_s"] < 2
    )
    return Row(
        23,
        "Tệp 1 MB chỉ một đoạn văn",
        passed,
        f"→ {result.get('status')} {result.get('code')} sau {result.get('seconds', 0):.1f} s; "
        f"câu hỏi trong lúc đó → {during['ask']:.0f} trong {during['ask_s'] * 1000:.0f} ms",
    )


def row24_quiet_log(t: Target, n: int = 400) -> Row:
    """``n`` malformed requests (chat streams without a session, joins of a missing function,
    requests that are not HTTP): the server's log grows by at most its per-minute allowance of
    lines per logger, none a traceback."""
    from assistant.app.front import LOG_LINES_PER_MINUTE

    srv = front_server(t)
    before = len(srv.output())
    u = urlparse(srv.url)
    with httpx.Client(timeout=30) as c:
        for i in range(n // 4):
            c.get(srv.url + "/gradio_api/queue/data")
            c.get(srv.url + "/gradio_api/queue/data", params={"session_hash": f"khong-co-{i}"})
            c.post(srv.url + "/gradio_api/queue/join", json={"data": [], "fn_index": 99, "session_hash": f"s{i}"})
            with socket.create_connection((u.hostname, u.port), timeout=5) as s:
                s.sendall(b"RAC \x00\x01 KHONG-PHAI-HTTP\r\n\r\n")
                s.recv(4096)
    time.sleep(0.5)
    grown = srv.output()[before:]
    passed = "Traceback" not in grown and grown.count("\n") <= 3 * LOG_LINES_PER_MINUTE and len(grown) < 16 * 1024
    return Row(
        24,
        f"{n} yêu cầu hỏng",
        passed,
        f"nhật ký máy chủ +{len(grown)} byte, {grown.count(chr(10))} dòng, traceback: "
        f"{'CÓ' if 'Traceback' in grown else 'không'}",
        [grown[-600:]],
    )


ROUND3_ROWS: list[Callable[[Target], Row]] = [
    row16_cross_site_writes,
    row17_foreign_host,
    row18_forwarding_headers,
    row19_slow_headers,
    row20_slow_bodies,
    row21_idle_streams,
    row22_chat_queue_flood,
    row23_one_long_paragraph,
    row24_quiet_log,
]


ROWS: list[Callable[[Target], Row]] = [
    row1_reflected_xss,
    row2_history_flood,
    row3_feedback_flood,
    row4_gradio_upload,
    row5_unauthenticated_upload,
    row6_docx_bombs,
    row7_failed_replace_keeps_old,
    row8_replace_needs_flag,
    row9_concurrent_same_name,
    row10_long_name,
    row11_bad_dates,
    row13_error_shape,
    row14_key_comparison,
    row12_killed_during_ingest,
    *ROUND3_ROWS,
    # round 3: data and CLI
    row31_document_links_are_text,
    row32_one_name_one_document,
    row33_error_bodies,
    row34_cli_checks_what_it_reads,
]


# -- row 15: load with a concurrent heavy upload -------------------------------------------------


def drive_load(url: str, questions: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` closed-loop clients asking for ``seconds``: latencies (ms) and errors."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop_at = time.time() + seconds
    counter = iter(range(10**9))

    def worker():
        nonlocal errors
        with httpx.Client(timeout=120) as client:
            while time.time() < stop_at:
                with lock:
                    i = next(counter)
                t0 = time.perf_counter()
                try:
                    ok = (
                        client.post(url + "/v1/ask", json={"question": questions[i % len(questions)]}).status_code
                        == 200
                    )
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    errors += 0 if ok else 1

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return {"latencies": latencies, "errors": errors}


def p95(latencies: list[float]) -> float:
    s = sorted(latencies)
    return s[min(len(s) - 1, int(0.95 * len(s)))] if s else 0.0


def _upload_worker_pid(server_pid: int) -> int | None:
    """The ingest worker: the server's child process running ``assistant.app.uploads``."""
    for pid in process_tree_rss_mb(server_pid):
        try:
            if pid != server_pid and b"assistant.app.uploads" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
        except OSError:
            continue
    return None


def row15_load_with_upload(
    t: Target, questions: list[str], seconds: float = 30, rounds: int = 3, say: Callable[[str], None] = print
) -> Row:
    """p95 of /v1/ask for 1 client, then for 16 clients in alternating windows while a heavy upload
    is being embedded and written: its worker paused (SIGSTOP: the baseline) or running. The
    windows alternate so that other work on the machine weighs on both sides alike."""
    import signal

    drive_load(t.url, questions, 16, 3)  # warm-up
    single = drive_load(t.url, questions, 1, seconds / 2)
    say(f"  1 client: p95 {p95(single['latencies']):.0f} ms; tạo .docx 30 MB XML và tải lên…")
    tmp = Path(tempfile.mkdtemp(prefix="heavy-"))
    nonce = uuid.uuid4().hex[:8]
    path = tmp / f"bao-cao-nang-{nonce}.docx"
    xml = heavy_docx(path, nonce)
    r = upload(t, path.name, path.read_bytes(), wait=False)
    shutil.rmtree(tmp, ignore_errors=True)
    job = r.json().get("job", {}) if r.status_code == 202 else {}
    state = (
        wait_job(t, job["id"], lambda j: j["written"] > 0 or j["status"] in ("indexed", "failed"), 300) if job else {}
    )
    worker = _upload_worker_pid(t.server.pid)
    if not job or state.get("status") != "indexing" or worker is None:
        return Row(
            15,
            "16 client hỏi trong khi nạp .docx 30 MB XML",
            False,
            f"tệp tải lên không ở trạng thái đang nạp ({r.status_code}, {state})",
        )
    base: dict[str, Any] = {"latencies": [], "errors": 0}
    loaded: dict[str, Any] = {"latencies": [], "errors": 0}
    written = 0
    window = seconds / rounds
    for k in range(rounds):
        for paused, into in ((True, base), (False, loaded)):
            os.kill(worker, signal.SIGSTOP if paused else signal.SIGCONT)
            before = wait_job(t, job["id"], lambda j: True)["written"]
            got = drive_load(t.url, questions, 16, window)
            into["latencies"] += got["latencies"]
            into["errors"] += got["errors"]
            if not paused:
                written += wait_job(t, job["id"], lambda j: True)["written"] - before
        say(
            f"  vòng {k + 1}/{rounds}: p95 16 client {p95(base['latencies']):.0f} ms (tạm dừng nạp) / "
            f"{p95(loaded['latencies']):.0f} ms (đang nạp)"
        )
    os.kill(worker, signal.SIGCONT)
    end = wait_job(t, job["id"], lambda j: True)
    p1, pb, pl = p95(single["latencies"]), p95(base["latencies"]), p95(loaded["latencies"])
    passed = loaded["errors"] == 0 and base["errors"] == 0 and pl <= 2 * pb and written > 0
    return Row(
        15,
        "16 client hỏi trong khi nạp .docx 30 MB XML",
        passed,
        f"p95: 1 client {p1:.0f} ms; 16 client {pb:.0f} ms khi tiến trình nạp tạm dừng, {pl:.0f} ms khi đang "
        f"nạp ({pl / max(pb, 1e-9):.2f}×; {pl / max(p1, 1e-9):.1f}× so với 1 client); lỗi "
        f"{loaded['errors'] + base['errors']}/{len(loaded['latencies']) + len(base['latencies'])}; tệp "
        f"{xml / MB:.0f} MB XML: {written} đoạn được nhúng và ghi trong lúc đo ({end['written']}/{end['chunks']})",
        [json.dumps({"single_p95": p1, "base_p95": pb, "loaded_p95": pl, "job": end}, ensure_ascii=False)],
    )


# -- the command ---------------------------------------------------------------------------------


def run_abuse(
    index: Path, corpus: Path, questions: Path | None, seconds: float, out: Path | None, store: str | None = None
) -> int:
    """Copy the index and corpus to a temp folder, start `assistant serve` (with the chat UI and
    an API key) on a free port, run every row, print PASS/FAIL; exit code 1 on any FAIL."""
    if not index.exists() or not any(index.iterdir()):
        print(f"Lỗi: không có chỉ mục ở {index}. Hãy chạy `assistant ingest` trước (hoặc --index THƯ_MỤC).")
        return 2
    work = Path(tempfile.mkdtemp(prefix="assistant-abuse-"))
    shutil.copytree(index, work / "index")
    shutil.copytree(corpus, work / "corpus", ignore=shutil.ignore_patterns(".*"))
    env = server_env(work, KEY, {"ASSISTANT_STORE": store} if store else None)
    if store and not (work / "index" / ("edge" if store == "edge" else "qdrant")).exists():
        from assistant.app.service import Assistant
        from assistant.core.settings import load_settings

        print(f"Chỉ mục chưa có kho '{store}': nạp lại {corpus} vào bản sao (nhúng lấy từ bộ đệm)…", flush=True)
        svc = Assistant(load_settings(index_dir=work / "index", corpus_dir=work / "corpus", store=store))
        svc.ingest([work / "corpus"], progress=False)
        svc.close()
    qs = DEFAULT_QUESTIONS
    if questions and questions.exists():
        from assistant.tools.evaluation import load_questions

        qs = [q.question for q in load_questions(questions) if not q.history] or DEFAULT_QUESTIONS
    print(f"Máy chủ thử: chỉ mục {index} (bản sao ở {work}), khóa API bật, giao diện chat bật.", flush=True)
    server = ServerProcess(work / "index", work / "corpus", env=env, ui=True)
    t = Target(server, KEY, work, seed=index)
    rows: list[Row] = []
    t0 = time.time()
    try:
        for fn in ROWS:
            try:
                row = fn(t)
            except Exception as e:  # an attack that crashes the checker is a FAIL, not a traceback
                n = int(fn.__name__[3:].split("_")[0])
                row = Row(n, fn.__name__, False, f"lỗi khi chạy: {type(e).__name__}: {e}")
            rows.append(row)
            print(row.line(), flush=True)
        print(f"Đo tải ({seconds:g} s mỗi mức)…", flush=True)
        try:
            row = row15_load_with_upload(t, qs, seconds, say=lambda s: print(s, flush=True))
        except Exception as e:
            row = Row(15, "16 client hỏi trong khi nạp .docx 30 MB XML", False, f"lỗi khi chạy: {e}")
        rows.append(row)
        print(row.line(), flush=True)
    finally:
        t.close()
        shutil.rmtree(work, ignore_errors=True)
    rows.sort(key=lambda r: r.n)
    failed = [r for r in rows if not r.passed]
    print()
    for r in rows:
        print(r.line())
    print(
        f"\n{len(rows) - len(failed)}/{len(rows)} đạt trong {time.time() - t0:.0f} giây."
        + (f" CHƯA ĐẠT: {', '.join(str(r.n) for r in failed)}" if failed else "")
    )
    for r in failed:
        for d in r.details[:3]:
            print(f"  [{r.n}] {d[:400]}")
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "index": str(index),
                    "rows": [{"n": r.n, "what": r.what, "passed": r.passed, "figure": r.figure} for r in rows],
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )
    return 1 if failed else 0
