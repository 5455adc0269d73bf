"""BM25-style sparse vectors over Vietnamese word segments.

Terms of a passage: the words found by pyvi's segmenter ("báo_cáo", "học_bạ"), their syllables,
and accent-folded syllables and syllable pairs ("~bao", "~bao_cao") so that a question typed
without diacritics still matches. Values are BM25 term-frequency saturation; Qdrant's IDF
modifier supplies the inverse document frequency at query time.
"""
from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from .textutil import fold, has_diacritics

K1 = 1.2
B = 0.75
AVG_TERMS = 150.0
_TOKEN = re.compile(r"[^\W_]+(?:_[^\W_]+)*", re.UNICODE)


@dataclass
class SparseVector:
    indices: list[int]
    values: list[float]


@lru_cache(maxsize=1)
def _tokenizer():
    from pyvi import ViTokenizer

    return ViTokenizer


def segment(text: str) -> list[str]:
    """Lower-cased word segments; multi-syllable words joined with "_"."""
    seg = _tokenizer().tokenize(text)
    return [t.lower() for t in _TOKEN.findall(seg)]


def term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def passage_terms(text: str) -> list[str]:
    terms: list[str] = []
    syllables: list[str] = []
    for w in segment(text):
        parts = w.split("_")
        syllables.extend(parts)
        terms.append(w)
        if len(parts) > 1:
            terms.extend(parts)
    folded = [fold(s) for s in syllables]
    terms.extend("~" + f for f in folded)
    terms.extend(f"~{a}_{b}" for a, b in zip(folded, folded[1:]))
    return terms


def query_terms(text: str) -> list[str]:
    """Accented words match the accented terms; words typed without diacritics (a whole query
    without them, or names in an English question) match the folded ones."""
    terms: list[str] = []
    if has_diacritics(text):
        for w in segment(text):
            if has_diacritics(w):
                terms.append(w)
                if "_" in w:
                    terms.extend(w.split("_"))
    run: list[str] = []
    runs: list[list[str]] = []
    for tok in _TOKEN.findall(text.lower()):
        if has_diacritics(tok):
            if run:
                runs.append(run)
            run = []
        else:
            run.append(fold(tok))
    if run:
        runs.append(run)
    for r in runs:
        terms.extend("~" + s for s in r)
        terms.extend(f"~{a}_{b}" for a, b in zip(r, r[1:]))
    return terms


def passage_vector(text: str) -> SparseVector:
    counts = Counter(passage_terms(text))
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / AVG_TERMS)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        tid = term_id(term)
        weights[tid] = weights.get(tid, 0.0) + tf * (K1 + 1) / (tf + norm)
    idx = sorted(weights)
    return SparseVector(idx, [weights[i] for i in idx])


def query_vector(text: str, stopwords: frozenset[str] = frozenset()) -> SparseVector:
    weights: dict[int, float] = {}
    for term in query_terms(text):
        if term.lstrip("~") in stopwords:
            continue
        tid = term_id(term)
        weights[tid] = 1.0
    idx = sorted(weights)
    return SparseVector(idx, [weights[i] for i in idx])
