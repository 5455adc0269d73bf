"""Benchmarks: ingest throughput against the raw embedder, query latency, HTTP load.

They print figures and write JSON under eval/; the tests check correctness, not these timings.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from assistant.core.settings import load_settings

EDUCATION_LAW_GLOB = "*iao-duc*"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_ANON_SAMPLER = r"""
import signal, sys, time
pid, peak = sys.argv[1], 0
def done(*_):
    print(peak); sys.exit(0)
signal.signal(signal.SIGTERM, done)
while True:
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("RssAnon:"):
                peak = max(peak, int(line.split()[1]))
    except OSError:
        done()
    time.sleep(0.1)
"""


class AnonPeak:
    """The peak anonymous memory (heap, not mapped files) of this process over a block, in MB,
    sampled every 0.1 s by a helper process: a native call that holds the GIL, such as Qdrant
    Edge's index build, would stop a sampling thread. ``mb`` is None where /proc is missing."""

    def __enter__(self) -> AnonPeak:
        self.mb: float | None = None
        self._proc = None
        if Path(f"/proc/{os.getpid()}/status").exists():
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _ANON_SAMPLER, str(os.getpid())], stdout=subprocess.PIPE, text=True
            )
        return self

    def __exit__(self, *exc) -> None:
        if self._proc is None:
            return
        self._proc.terminate()
        try:
            out, _ = self._proc.communicate(timeout=5)
            self.mb = round(int(out.strip()) / 1024, 1) if out.strip() else None
        except (subprocess.TimeoutExpired, ValueError):
            self._proc.kill()


def _proc_status_kb(pid: int | str, *fields: str) -> dict[str, int]:
    """Fields of /proc/<pid>/status in kB (Linux: "VmHWM", "RssAnon", …); {} where it cannot be read."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    found = {k.strip(): v.split() for k, _, v in (line.partition(":") for line in lines)}
    return {f: int(found[f][0]) for f in fields if found.get(f)}


def _rss_split_mb() -> dict[str, float]:
    """This process's resident memory now, split (Linux): anonymous (heap: what it really holds)
    and file-backed (pages of memory-mapped files such as the index's segments, which the
    kernel drops under pressure and reads back). {} elsewhere."""
    kb = _proc_status_kb("self", "RssAnon", "RssFile")
    return (
        {"anon_mb": round(kb["RssAnon"] / 1024, 1), "file_mb": round(kb["RssFile"] / 1024, 1)} if len(kb) == 2 else {}
    )


def _write_json(out: Path, summary: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")


def _pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s) + 0.5)) - 1))] if s else 0.0


def _files(corpus: Path, laws: Path, law_sample: int = 0) -> dict[str, list[Path]]:
    sets = {"seeds": sorted(corpus.glob("*.txt"))}
    edu = sorted(laws.glob(EDUCATION_LAW_GLOB)) if laws.exists() else []
    if edu:
        sets["education laws"] = edu
    if law_sample and laws.exists():
        by_size = sorted(laws.glob("*.txt"), key=lambda f: f.stat().st_size)
        step = len(by_size) / law_sample  # evenly over the size distribution: small decrees to codes
        sets["law sample"] = [by_size[int(step * i + step / 2)] for i in range(law_sample)]
    return sets


def _all_laws_estimate(laws: Path, chars_per_s: float) -> dict[str, Any]:
    """What ingesting every law would take at a measured rate (parse-only pass: ~10 s)."""
    from assistant.core.errors import LoadError
    from assistant.index.indexer import make_document
    from assistant.ingest.loading import read_file

    embed_chars = chunks = files = 0
    for f in sorted(laws.glob("*.txt")):
        try:
            _, cs, _ = make_document(read_file(f, laws))
        except LoadError:
            continue
        files += 1
        chunks += len(cs)
        embed_chars += sum(len(c.embed_text()) for c in cs)
    return {
        "files": files,
        "chunks": chunks,
        "embed_chars": embed_chars,
        "chars_per_s": round(chars_per_s),
        "estimate_s": round(embed_chars / chars_per_s),
    }


def bench_ingest(
    index: Path, laws: Path, out: Path, sets: list[str] | None = None, law_sample: int = 0
) -> dict[str, Any]:
    """Ingest each set into a fresh index with a cold embedding cache, then embed the same chunk
    texts with the bare embedder: the difference is what the pipeline costs on top. With
    ``law_sample``, a sample of the laws spread over their sizes is one more set, and its rate
    gives the time for all of them."""
    from assistant.app.service import Assistant
    from assistant.index.embedding import make_embedder
    from assistant.index.indexer import make_document
    from assistant.ingest.loading import read_file

    settings = load_settings()
    if index.exists():
        shutil.rmtree(index)
    results = []
    svc = Assistant(settings.model_copy(update={"index_dir": index}))
    for name, files in _files(settings.corpus_dir, laws, law_sample).items():
        if sets and name not in sets:
            continue
        staging = index.parent / f".{index.name}-{name.replace(' ', '-')}"
        for f in files:  # one folder per set, so the set is walked as a user would
            staging.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, staging / f.name)
        cache_before = svc.embedder.embedded_chars
        from assistant.index.sparse import segment

        segment("khởi động")  # load the segmenter and the model before timing, as the raw run does
        t0 = time.perf_counter()
        report = svc.ingest([staging], progress=True)
        pipeline_s = time.perf_counter() - t0
        texts = []
        for f in sorted(staging.iterdir()):
            _, chunks, _ = make_document(read_file(f, staging))
            texts.extend(c.embed_text() for c in chunks)
        raw = make_embedder(settings.embedder)
        t1 = time.perf_counter()
        for i in range(0, len(texts), 32):
            raw.embed_passages(texts[i : i + 32])
        raw_s = time.perf_counter() - t1
        embed_chars = sum(len(t) for t in texts)
        d = report.to_dict()
        results.append(
            {
                "set": name,
                "documents": d["documents"],
                "chunks": d["chunks"],
                "chars": d["chars"],
                "embedded_chars": svc.embedder.embedded_chars - cache_before,
                "seconds": round(pipeline_s, 2),
                "documents_per_s": round(d["documents"] / pipeline_s, 2),
                "chunks_per_s": round(d["chunks"] / pipeline_s, 1),
                "chars_per_s": round(embed_chars / pipeline_s),
                "raw_embed_seconds": round(raw_s, 2),
                "raw_embed_chars_per_s": round(embed_chars / raw_s),
                "overhead_pct": round(100 * (pipeline_s / raw_s - 1), 1),
            }
        )
        shutil.rmtree(staging)
    summary = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "index": str(index),
        "embedder": svc.embedder.model_id,
        "results": results,
        "peak_rss_mb": round(_peak_mb(), 1),
        "target_overhead_pct": 15,
    }
    sample = next((r for r in results if r["set"] == "law sample"), None)
    if sample:
        summary["all_laws"] = _all_laws_estimate(laws, sample["chars_per_s"])
    svc.close()
    t = Table(
        "set",
        "docs",
        "chunks",
        "s",
        "docs/s",
        "chunks/s",
        "chars/s",
        "raw embed chars/s",
        "overhead",
        title="assistant bench ingest (cold embedding cache)",
    )
    for r in results:
        t.add_row(
            r["set"],
            str(r["documents"]),
            str(r["chunks"]),
            f"{r['seconds']:.1f}",
            f"{r['documents_per_s']:.2f}",
            f"{r['chunks_per_s']:.1f}",
            f"{r['chars_per_s']:,}",
            f"{r['raw_embed_chars_per_s']:,}",
            f"{r['overhead_pct']:+.1f}%",
        )
    Console(width=160).print(t)
    if "all_laws" in summary:
        a = summary["all_laws"]
        print(
            f"Toàn bộ {a['files']} luật ({a['chunks']:,} đoạn, {a['embed_chars']:,} ký tự cần nhúng) ở "
            f"{a['chars_per_s']:,} ký tự/giây của mẫu: khoảng {a['estimate_s'] / 3600:.1f} giờ."
        )
    print(
        f"Bộ nhớ đỉnh: {summary['peak_rss_mb']} MB. Chỉ mục để đo truy vấn: {index} "
        f"(`assistant bench query --index {index}`)."
    )
    _write_json(out, summary)
    return summary


def time_questions(svc, questions: list, repeat: int) -> tuple[list[float], list[float]]:
    """Milliseconds of each search and each ask of ``questions`` (EvalQuestion), ``repeat`` times,
    in a warm process."""
    search_ms: list[float] = []
    ask_ms: list[float] = []
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            svc.search(q.question, 8, history=q.history)
            search_ms.append((time.perf_counter() - t0) * 1000)
            t1 = time.perf_counter()
            svc.ask(q.question, q.history)
            ask_ms.append((time.perf_counter() - t1) * 1000)
    return search_ms, ask_ms


QUERY_TARGETS_MS = {"ask_p50_ms": 150, "ask_p95_ms": 300}  # issue 3: extractive, warm, 2 cores


def bench_query(svc, questions: Path, out: Path, repeat: int = 3) -> dict[str, Any]:
    from assistant.tools.evaluation import load_questions

    qs = load_questions(questions)
    svc.require_index()
    svc.warm()
    search_ms, ask_ms = time_questions(svc, qs, repeat)
    health = svc.health()
    summary = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "documents": health["documents"],
        "chunks": health["chunks"],
        "questions": len(qs),
        "repeat": repeat,
        "search_p50_ms": round(_pct(search_ms, 50), 1),
        "search_p95_ms": round(_pct(search_ms, 95), 1),
        "ask_p50_ms": round(_pct(ask_ms, 50), 1),
        "ask_p95_ms": round(_pct(ask_ms, 95), 1),
        "ask_mean_ms": round(statistics.mean(ask_ms), 1),
        "peak_rss_mb": round(_peak_mb(), 1),
        "store": svc.store.backend,
        "targets": QUERY_TARGETS_MS,
    }
    summary["meets_targets"] = all(summary[k] <= v for k, v in QUERY_TARGETS_MS.items())
    t = Table(
        "corpus",
        "search p50",
        "search p95",
        "ask p50",
        "ask p95",
        "peak RSS",
        title=f"assistant bench query ({len(qs)} câu × {repeat}, tiến trình đã khởi động)",
    )
    t.add_row(
        f"{summary['documents']} văn bản / {summary['chunks']} đoạn",
        f"{summary['search_p50_ms']} ms",
        f"{summary['search_p95_ms']} ms",
        f"{summary['ask_p50_ms']} ms",
        f"{summary['ask_p95_ms']} ms",
        f"{summary['peak_rss_mb']} MB",
    )
    console = Console(width=160)
    console.print(t)
    verdict = "đạt" if summary["meets_targets"] else "CHƯA đạt"
    console.print(
        f"Mục tiêu ask p50 ≤ {QUERY_TARGETS_MS['ask_p50_ms']} ms, p95 ≤ {QUERY_TARGETS_MS['ask_p95_ms']} ms "
        f"({summary['store']}): {verdict}."
    )
    _write_json(out, summary)
    return summary


def bench_load(
    index: Path, questions: Path, out: Path, concurrency: list[int], requests: int, max_seconds: float
) -> dict[str, Any]:
    """Start `assistant serve` as a second process on 127.0.0.1 and drive /v1/ask with 1, 4, 16
    concurrent clients; each level is bounded by a request count and a time limit."""
    import socket

    import httpx

    from assistant.tools.evaluation import load_questions

    qs = [q for q in load_questions(questions)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    # every simulated client comes from 127.0.0.1: the per-address limit would count them as one
    env = {**os.environ, "ASSISTANT_MAX_REQUESTS_PER_CLIENT": "0"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--no-ui", "--port", str(port), "--index", str(index)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("máy chủ không khởi động được: " + proc.stderr.read().decode()[-500:])
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        health = httpx.get(url + "/healthz").json()
        httpx.post(url + "/v1/ask", json={"question": "khởi động"}, timeout=60)
        levels = []
        for c in concurrency:
            latencies, errors, wall = _load_level(url, qs, c, requests, max_seconds)
            levels.append(
                {
                    "concurrency": c,
                    "requests": len(latencies),
                    "errors": errors,
                    "throughput_rps": round(len(latencies) / wall, 2),
                    "p50_ms": round(_pct(latencies, 50), 1),
                    "p95_ms": round(_pct(latencies, 95), 1),
                }
            )
        server_peak_mb = _process_peak_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    summary = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "documents": health["documents"],
        "chunks": health["chunks"],
        "levels": levels,
        "server_peak_rss_mb": server_peak_mb,
    }
    t = Table(
        "clients",
        "requests",
        "errors",
        "req/s",
        "p50",
        "p95",
        title=f"assistant bench load: POST /v1/ask ({health['documents']} văn bản / {health['chunks']} đoạn)",
    )
    for lv in levels:
        t.add_row(
            str(lv["concurrency"]),
            str(lv["requests"]),
            str(lv["errors"]),
            f"{lv['throughput_rps']:.1f}",
            f"{lv['p50_ms']} ms",
            f"{lv['p95_ms']} ms",
        )
    Console(width=160).print(t)
    print(f"Bộ nhớ đỉnh của tiến trình máy chủ: {server_peak_mb} MB")
    _write_json(out, summary)
    return summary


def _process_peak_mb(pid: int) -> float | None:
    """Peak resident memory of another process (Linux /proc), in MB."""
    kb = _proc_status_kb(pid, "VmHWM").get("VmHWM")
    return round(kb / 1024, 1) if kb is not None else None


def bench_batch(settings, laws: Path, sizes: list[int], n_chunks: int, out: Path, rounds: int = 2) -> dict[str, Any]:
    """Embedding throughput by batch size on the same law chunks (every 7th chunk of the laws,
    smallest files first, so lengths vary as in a real ingest). Each size embeds all of them,
    ``rounds`` times in turn with the others; its best round counts."""
    from assistant.index.embedding import make_embedder
    from assistant.index.indexer import make_document
    from assistant.ingest.loading import read_file

    texts: list[str] = []
    for f in sorted(laws.glob("*.txt"), key=lambda p: p.stat().st_size):
        texts.extend(c.embed_text() for c in make_document(read_file(f, laws))[1][::7])
        if len(texts) >= n_chunks:
            break
    texts = texts[:n_chunks]
    chars = sum(len(t) for t in texts)
    emb = make_embedder(settings.embedder, device=settings.embed_device, batch_size=max(sizes))
    emb.embed_passages(texts[:8])  # load and warm
    best_s: dict[int, float] = {}
    for _ in range(rounds):  # sizes take turns, so a burst of other work on the machine hits them all
        for size in sizes:
            t0 = time.perf_counter()
            for i in range(0, len(texts), size):
                emb.embed_passages(texts[i : i + size])
            best_s[size] = min(best_s.get(size, float("inf")), time.perf_counter() - t0)
    rows = [
        {"batch": size, "seconds": round(best_s[size], 2), "chars_per_s": round(chars / best_s[size])} for size in sizes
    ]
    best = max(r["chars_per_s"] for r in rows)
    for r in rows:
        r["vs_best_pct"] = round(100 * (r["chars_per_s"] / best - 1), 1)
    summary = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "embedder": emb.model_id,
        "device": settings.embed_device,
        "chunks": len(texts),
        "chars": chars,
        "rounds": rounds,
        "results": rows,
    }
    t = Table(
        "batch",
        "s",
        "chars/s",
        "vs best",
        title=f"assistant bench batch ({emb.model_id}, {len(texts)} đoạn, {chars:,} ký tự)",
    )
    for r in rows:
        t.add_row(str(r["batch"]), f"{r['seconds']:.1f}", f"{r['chars_per_s']:,}", f"{r['vs_best_pct']:+.1f}%")
    Console(width=160).print(t)
    _write_json(out, summary)
    return summary


def _load_level(url: str, qs: list, clients: int, requests: int, max_seconds: float) -> tuple[list[float], int, float]:
    """``clients`` threads asking the questions in turn until ``requests`` are sent or time is
    up: (latencies in ms, errors, wall seconds)."""
    import httpx

    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(requests))
    stop_at = time.time() + max_seconds

    def worker() -> None:
        nonlocal errors
        with httpx.Client(timeout=60) as client:
            while time.time() < stop_at:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                q = qs[i % len(qs)]
                t0 = time.perf_counter()
                try:
                    r = client.post(url + "/v1/ask", json={"question": q.question, "history": q.history})
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    errors += 0 if ok else 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return latencies, errors, time.perf_counter() - t0
