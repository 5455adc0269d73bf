"""Term statistics over the indexed chunks: inverse document frequency of accent-folded
syllables, and which syllable pairs occur at all. The answerer uses them to weigh question
words and to tell a name the corpus never contains from two common syllables.

They are stored with the index (``TermIndex``, one sqlite file): each document's share
(``DocTerms``) is written when the document is committed and removed with it, so start-up only
sums the shares (numpy, no text is read) instead of re-reading every chunk. The shares are keyed
by (document, version) and reconciled with the committed documents on load: an ingest killed
between a commit and its statistics, an index written by another process (a shared Qdrant
server) or an index older than this file costs a recount of the documents that differ only.
"""
from __future__ import annotations

import math
import sqlite3
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from assistant.core.textutil import fold, words


class TermWeights:
    """Inverse document frequency of folded syllables over the indexed chunks, and which
    syllable pairs occur at all (a name the corpus never contains, "Sơn Tịnh", is not made of
    two common syllables: it is unknown)."""

    def __init__(self, df: dict[str, int], n_docs: int, pairs: np.ndarray | None = None) -> None:
        self.df = df
        self.n = max(n_docs, 1)
        self.pairs = pairs if pairs is not None else np.zeros(0, dtype=np.uint32)

    @classmethod
    def from_texts(cls, texts: list[str]) -> "TermWeights":
        return combine([DocTerms.from_texts(texts, ngrams=False)])

    def weight(self, term: str) -> float:
        d = self.df.get(term, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5))

    def has_phrase(self, syllables: list[str]) -> bool:
        for a, b in zip(syllables, syllables[1:]):
            pid = _pair_id(a, b)
            i = int(np.searchsorted(self.pairs, pid))
            if i >= len(self.pairs) or int(self.pairs[i]) != pid:
                return False
        return True


@dataclass
class DocTerms:
    """One document's share of the statistics: how many of its chunks contain each folded
    syllable, and the syllable pairs that occur in it (sorted, unique)."""

    chunks: int
    df: dict[str, int]
    pairs: np.ndarray
    # its syllable trigram counts, what the diacritics restorer learns from (diacritics.py)
    ngrams: Counter[str] | None = None

    @classmethod
    def from_texts(cls, texts: Iterable[str], ngrams: bool = True) -> "DocTerms":
        from assistant.index.diacritics import count_ngrams

        texts = list(texts)
        df: dict[str, int] = {}
        pair_ids: set[int] = set()
        n = 0
        for t in texts:
            n += 1
            folded = [fold(x) for x in words(t)]
            for w in set(folded):
                df[w] = df.get(w, 0) + 1
            pair_ids.update(_pair_id(a, b) for a, b in zip(folded, folded[1:]))
        return cls(n, df, np.array(sorted(pair_ids), dtype=np.uint32), count_ngrams(texts) if ngrams else None)


def combine(shares: Iterable[DocTerms]) -> TermWeights:
    """The statistics of a corpus from its documents' shares."""
    df: dict[str, int] = {}
    pairs: list[np.ndarray] = []
    n = 0
    for s in shares:
        n += s.chunks
        for w, c in s.df.items():
            df[w] = df.get(w, 0) + c
        pairs.append(s.pairs)
    return TermWeights(df, n, np.unique(np.concatenate(pairs)).astype(np.uint32) if pairs else None)


@dataclass
class LoadReport:
    """What loading the statistics cost: documents summed, and recounted from their chunks."""

    documents: int
    recounted: int
    dropped: int
    seconds: float


class TermIndex:
    """Per-document shares of the term statistics in one sqlite file beside the index.

    Tables: ``vocab`` (folded syllable <-> small integer, append-only) and ``docs`` (one row per
    committed document: its version, chunk count, and its share as packed uint32 arrays). A row
    is written in one transaction, so the file is never half-updated; which rows count is decided
    by the vector store's committed versions (``load``)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), check_same_thread=False, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vocab (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE)")
        self._db.execute("CREATE TABLE IF NOT EXISTS docs (doc_id TEXT PRIMARY KEY, version TEXT NOT NULL, "
                         "chunks INTEGER NOT NULL, term_ids BLOB NOT NULL, term_counts BLOB NOT NULL, "
                         "pairs BLOB NOT NULL)")
        # one row per committed document: its syllable trigram counts (diacritics.count_ngrams, pack)
        self._db.execute("CREATE TABLE IF NOT EXISTS trigrams (doc_id TEXT PRIMARY KEY, version TEXT NOT NULL, "
                         "counts BLOB NOT NULL)")
        self._lock = threading.Lock()
        self._ids: dict[str, int] | None = None  # vocab cache; ids are never reassigned

    # -- writing (called by the ingest right after a document's commit) -------------------------
    def put(self, doc_id: str, version: str, share: DocTerms) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                ids = self._term_ids(list(share.df))
                order = sorted(share.df)
                self._db.execute(
                    "INSERT OR REPLACE INTO docs VALUES (?, ?, ?, ?, ?, ?)",
                    (doc_id, version, share.chunks, np.array([ids[t] for t in order], dtype=np.uint32).tobytes(),
                     np.array([share.df[t] for t in order], dtype=np.uint32).tobytes(),
                     np.asarray(share.pairs, dtype=np.uint32).tobytes()))
                if share.ngrams is not None:
                    self._put_ngrams(doc_id, version, share.ngrams)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._ids = None  # it may hold ids of rows just rolled back
                raise

    def _put_ngrams(self, doc_id: str, version: str, counts: Counter[str]) -> None:
        from assistant.index.diacritics import pack

        self._db.execute("INSERT OR REPLACE INTO trigrams VALUES (?, ?, ?)", (doc_id, version, pack(counts)))

    def remove(self, doc_id: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM docs WHERE doc_id = ?", (doc_id,))
            self._db.execute("DELETE FROM trigrams WHERE doc_id = ?", (doc_id,))
            self._db.execute("COMMIT")

    def clear(self) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM docs")
            self._db.execute("DELETE FROM trigrams")
            self._db.execute("DELETE FROM vocab")
            self._db.execute("COMMIT")
            self._ids = None

    def versions(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT doc_id, version FROM docs"))

    def _term_ids(self, terms: list[str]) -> dict[str, int]:
        """Ids for these terms, adding the new ones (inside the caller's transaction)."""
        if self._ids is None:
            self._ids = dict(self._db.execute("SELECT term, id FROM vocab"))
        new = [t for t in terms if t not in self._ids]
        if new:
            self._db.executemany("INSERT OR IGNORE INTO vocab(term) VALUES (?)", [(t,) for t in new])
            for i in range(0, len(new), 500):  # another process may have added some: read them back
                part = new[i : i + 500]
                self._ids.update(self._db.execute(
                    f"SELECT term, id FROM vocab WHERE term IN ({','.join('?' * len(part))})", part))
        return self._ids

    # -- reading ------------------------------------------------------------------------------
    def load(self, committed: dict[str, str], texts_of: Callable[[str], list[str]]) -> tuple[TermWeights, LoadReport]:
        """The statistics of exactly the committed documents ({doc_id: version}). Rows of other
        versions are recounted from the document's chunks (``texts_of``), rows of documents no
        longer committed are dropped; then the shares are summed."""
        t0 = time.perf_counter()
        have = self.versions()
        stale = [d for d, v in committed.items() if have.get(d) != v]
        gone = [d for d in have if d not in committed]
        for doc_id in stale:
            self.put(doc_id, committed[doc_id], DocTerms.from_texts(texts_of(doc_id)))
        for doc_id in gone:
            self.remove(doc_id)
        weights = self._sum()
        return weights, LoadReport(len(committed), len(stale), len(gone), time.perf_counter() - t0)

    def load_ngrams(self, committed: dict[str, str], texts_of: Callable[[str], list[str]]
                    ) -> tuple[dict[str, int], LoadReport]:
        """The summed syllable n-gram counts of exactly the committed documents (the diacritics
        restorer's model); shares missing or of another version are recounted from the chunks
        (an index written before this table existed costs one recount)."""
        from assistant.index.diacritics import count_ngrams, expand, unpack_into

        t0 = time.perf_counter()
        with self._lock:
            have = dict(self._db.execute("SELECT doc_id, version FROM trigrams"))
        stale = [d for d, v in committed.items() if have.get(d) != v]
        gone = [d for d in have if d not in committed]
        for doc_id in stale:
            counts = count_ngrams(texts_of(doc_id))
            with self._lock:
                self._put_ngrams(doc_id, committed[doc_id], counts)
        if gone:
            with self._lock:
                self._db.executemany("DELETE FROM trigrams WHERE doc_id = ?", [(d,) for d in gone])
        with self._lock:
            blobs = [r[0] for r in self._db.execute("SELECT counts FROM trigrams")]
        total: dict[str, int] = {}
        for blob in blobs:
            unpack_into(blob, total)
        return expand(total), LoadReport(len(committed), len(stale), len(gone), time.perf_counter() - t0)

    def ngram_versions(self) -> dict[str, str]:
        with self._lock:
            return dict(self._db.execute("SELECT doc_id, version FROM trigrams"))

    def _sum(self) -> TermWeights:
        with self._lock:
            vocab = dict(self._db.execute("SELECT id, term FROM vocab"))
            rows = self._db.execute("SELECT chunks, term_ids, term_counts, pairs FROM docs").fetchall()
        if not rows:
            return TermWeights({}, 0)
        n = sum(r[0] for r in rows)
        ids = np.concatenate([np.frombuffer(r[1], dtype=np.uint32) for r in rows])
        counts = np.concatenate([np.frombuffer(r[2], dtype=np.uint32) for r in rows])
        totals = np.bincount(ids, weights=counts, minlength=max(vocab, default=0) + 1)
        nz = np.nonzero(totals)[0]
        df = {vocab[int(i)]: int(c) for i, c in zip(nz, totals[nz])}
        pairs = np.unique(np.concatenate([np.frombuffer(r[3], dtype=np.uint32) for r in rows]))
        return TermWeights(df, n, pairs.astype(np.uint32))

    def close(self) -> None:
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self._db.close()


def _pair_id(a: str, b: str) -> int:
    return zlib.crc32(f"{a} {b}".encode())
