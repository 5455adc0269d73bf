"""The Qdrant server / cluster path (ASSISTANT_QDRANT_URL), against a real server.

No Qdrant server can be installed on the development machines, so these run only where
ASSISTANT_TEST_QDRANT_URL points at one (for example `docker compose -f deploy/compose.yaml up
qdrant-1 qdrant-2 qdrant-3`, then ASSISTANT_TEST_QDRANT_URL=http://localhost:6333). Each test
uses its own collection and drops it afterwards.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from conftest import CORPUS, ROOT, settings_for

from assistant.app.service import Assistant
from assistant.index.terms import TermWeights

URL = os.environ.get("ASSISTANT_TEST_QDRANT_URL")
pytestmark = pytest.mark.skipif(
    not URL, reason="ASSISTANT_TEST_QDRANT_URL is not set: no Qdrant server to test the server/cluster path against"
)
BINH_SON = "quang-ngai-binh-son-2025-quy-hoach-tinh"


@pytest.fixture()
def collection():
    name = f"test_{uuid.uuid4().hex[:10]}"
    yield name
    from qdrant_client import QdrantClient

    client = QdrantClient(url=URL, api_key=os.environ.get("ASSISTANT_TEST_QDRANT_API_KEY"), timeout=30)
    for c in (name, f"{name}_documents"):
        if client.collection_exists(c):
            client.delete_collection(c)


def server_settings(index, collection, **kw):
    return settings_for(
        index,
        qdrant_url=URL,
        qdrant_api_key=os.environ.get("ASSISTANT_TEST_QDRANT_API_KEY"),
        collection=collection,
        **kw,
    )


def test_ingest_search_and_layout_on_a_server(warm_cache, collection):
    nodes = int(os.environ.get("ASSISTANT_TEST_QDRANT_NODES", "1"))
    svc = Assistant(
        server_settings(
            warm_cache,
            collection,
            qdrant_shards=2,
            qdrant_replication_factor=min(nodes, 2),
            qdrant_on_disk_payload=True,
            qdrant_on_disk_vectors=True,
        )
    )
    report = svc.ingest([CORPUS], progress=False)
    assert report.count("indexed") == 5 and report.embedded_chars == 0
    assert svc.store.backend == "qdrant-server"
    params = svc.store.client.get_collection(collection).config.params
    assert params.shard_number == 2 and params.replication_factor == min(nodes, 2)
    assert params.on_disk_payload is True and params.vectors["dense"].on_disk is True
    hits = svc.search("học bạ điện tử", k=3)
    assert hits[0].doc_id == BINH_SON
    answer = svc.ask("Trường THCS phải báo cáo gì sau năm học 2024-2025?")
    assert not answer.abstained and answer.citations[0].doc_id == BINH_SON
    texts = [p["text"] for d in svc.documents() for p in svc.store.chunks_of(d.doc_id)]
    assert svc.weights().df == TermWeights.from_texts(texts).df
    again = svc.ingest([CORPUS], progress=False)
    assert again.count("unchanged") == 5
    svc.close()


def test_a_second_assistant_on_the_same_server_recounts_only_what_it_lacks(warm_cache, tmp_path, collection):
    """Two assistant hosts share one cluster: the one that did not ingest has no statistics file
    and counts them once from the server's chunks, then keeps them."""
    writer = Assistant(server_settings(warm_cache, collection))
    files = sorted(CORPUS.glob("*.txt"))
    writer.ingest(files[:4], progress=False)
    reader_dir = tmp_path / "reader"
    reader = Assistant(server_settings(reader_dir, collection))
    reader.weights()
    assert reader.terms_report.recounted == 4
    writer.ingest(files[4:], progress=False)  # while the reader is running
    time.sleep(5.5)  # the reader re-reads the server's document records every 5 s
    texts = [p["text"] for d in reader.documents() for p in reader.store.chunks_of(d.doc_id)]
    assert reader.weights().n == TermWeights.from_texts(texts).n and reader.terms_report.recounted == 1
    writer.close()
    reader.close()
    reader = Assistant(server_settings(reader_dir, collection))
    reader.weights()
    assert reader.terms_report.recounted == 0
    reader.close()


def test_interrupted_ingest_on_a_server_leaves_a_consistent_index(tmp_path, collection):
    index = tmp_path / "index"
    env = {
        **os.environ,
        "ASSISTANT_INDEX_DIR": str(index),
        "ASSISTANT_QDRANT_URL": URL,
        "ASSISTANT_COLLECTION": collection,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(CORPUS)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = b""
    deadline = time.time() + 120
    while b"1/5" not in seen and time.time() < deadline:
        seen += os.read(proc.stderr.fileno(), 4096)
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    svc = Assistant(server_settings(index, collection))
    committed = {d.doc_id: d for d in svc.documents()}
    assert 0 < len(committed) < 5
    hits = svc.search("chuyển đổi số", k=20)
    assert hits and all(h.doc_id in committed and h.version == committed[h.doc_id].version for h in hits)
    report = svc.ingest([CORPUS], progress=False)
    assert report.count("unchanged") == len(committed)
    assert svc.store.count_chunks() == sum(d.chunk_count for d in svc.documents())
    svc.close()
