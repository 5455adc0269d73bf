"""A full disk is an error message, not a crash (SIGBUS): the index on a small tmpfs that fills
during `assistant ingest` and during an upload. Needs root (mount); skipped otherwise."""

import os
import shutil
import subprocess
import sys
import uuid

import httpx
import pytest
from conftest import CORPUS, ROOT, Server

from assistant.index.diskspace import MB, free_bytes, holes

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("mount"), reason="mounts a small tmpfs to fill: run as root"
)


@pytest.fixture()
def small_disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    # 200 MB: a new Edge index claims ~130 MB on tmpfs (diskspace.NEW_INDEX_BYTES)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("mount -t tmpfs failed (no CAP_SYS_ADMIN in this container)")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)])


def cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ASSISTANT_SERVER_URL": "off"},
    )


def fill(mnt, leave_bytes):
    """Leave what opening the index needs (its untouched payload-index pages and the reserve)
    plus ``leave_bytes``."""
    need = holes(mnt / "index" / "edge") + 16 * MB
    with open(mnt / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free_bytes(mnt) - need - leave_bytes))


def copies(folder, n):
    """Copies of the seeds under new names: their chunks' vectors come from the cache, so the
    ingest writes fast and the disk fills in the middle of it."""
    folder.mkdir()
    for i in range(n):
        for f in CORPUS.glob("*.txt"):
            shutil.copy(f, folder / f"ban-sao-{i}-{f.name}")


def test_ingest_on_a_disk_that_fills_stops_with_a_message_and_keeps_the_index(small_disk, seed_index):
    index = small_disk / "index"
    index.mkdir()
    shutil.copy(seed_index / "embeddings.sqlite", index / "embeddings.sqlite")
    assert cli("ingest", str(CORPUS), "--index", str(index), "-q").returncode == 0
    copies(small_disk / "more", 12)
    fill(small_disk, 6 * MB)
    r = cli("ingest", str(small_disk / "more"), "--index", str(index), "-q")
    assert r.returncode == 1 and "không đủ chỗ trống" in r.stderr and "giải phóng dung lượng" in r.stderr, (
        r.returncode,
        r.stderr[-500:],
    )
    docs = cli("docs", "--index", str(index), "--json")  # opening the index again: no SIGBUS
    assert docs.returncode == 0, docs.stderr[-500:]
    ids = docs.stdout.count('"doc_id"')
    assert 5 < ids < 65, ids  # the seeds and the copies committed before the disk filled
    ask = cli("ask", "Chỉ thị 04 của An Giang có hiệu lực khi nào?", "--index", str(index))
    assert ask.returncode == 0 and "10 ngày" in ask.stdout, ask.stderr[-500:]
    (small_disk / "filler").unlink()
    again = cli("ingest", str(small_disk / "more"), "--index", str(index), "-q")
    assert again.returncode == 0, again.stderr[-500:]
    assert cli("docs", "--index", str(index), "--json").stdout.count('"doc_id"') == 65


def test_creating_an_index_on_a_tiny_disk_is_refused_with_a_message(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=30m", "tmpfs", str(mnt)]).returncode != 0:
        pytest.skip("mount -t tmpfs failed")
    try:
        r = cli("ingest", str(CORPUS), "--index", str(mnt / "index"), "-q")
        assert r.returncode == 1 and "tạo chỉ mục" in r.stderr and "Traceback" not in r.stderr, r.stderr[-500:]
    finally:
        subprocess.run(["umount", "-l", str(mnt)])


def test_upload_on_a_full_disk_is_507_and_the_server_keeps_serving(small_disk, seed_index):
    index, corpus = small_disk / "index", small_disk / "corpus"
    index.mkdir()
    shutil.copy(seed_index / "embeddings.sqlite", index / "embeddings.sqlite")
    shutil.copytree(CORPUS, corpus)
    assert cli("ingest", str(corpus), "--index", str(index), "-q").returncode == 0
    server = Server(index, corpus, env={"ASSISTANT_FEEDBACK_PATH": str(small_disk / "fb" / "feedback.jsonl")})
    try:
        fill(small_disk, MB // 3)  # less than one document's chunks need
        text = (CORPUS / "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc.txt").read_bytes()
        name = f"ban-sao-{uuid.uuid4().hex[:6]}.txt"
        r = httpx.post(server.url + "/v1/documents", files={"file": (name, text)}, timeout=120)
        assert r.status_code == 507 and r.json()["error"]["code"] == "insufficient_storage", r.text
        assert "giải phóng dung lượng" in r.json()["error"]["message"] and str(small_disk) not in r.text
        health = httpx.get(server.url + "/healthz", timeout=30).json()
        assert health["documents"] == 5 and health["stored_chunks"] == health["chunks"], health
        ask = httpx.post(
            server.url + "/v1/ask", json={"question": "Chỉ thị 04 của An Giang có hiệu lực khi nào?"}, timeout=60
        )
        assert ask.status_code == 200 and "10 ngày" in ask.json()["answer"]
        assert not (corpus / name).exists() and not any((corpus / ".uploads").glob("*"))
        (small_disk / "filler").unlink()
        r = httpx.post(server.url + "/v1/documents", files={"file": (name, text)}, timeout=120)
        assert r.status_code == 201, r.text
    finally:
        server.stop()
