"""BM25-style sparse vectors over Vietnamese word segments.

A passage gets two sparse vectors, stored as two named vectors:
- ``words``: the words found by pyvi's segmenter (assistant/core/segmenter.py) ("báo_cáo", "học_bạ") and their syllables;
- ``folded``: accent-folded syllables and syllable pairs ("bao", "bao_cao"), so that a question
  typed without diacritics still matches.
A question searches one of them: ``words`` when it is typed with diacritics, ``folded`` when it
is not (typed without accents, or English; its accented expansions are folded too). One family per query halves the work of an
embedded store that scores sparse vectors by brute force. Values are BM25 term-frequency
saturation; Qdrant's IDF modifier supplies the inverse document frequency at query time.
"""
from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.core.textutil import fold, has_diacritics

K1 = 1.2
B = 0.75
_TOKEN = re.compile(r"[^\W_]+(?:_[^\W_]+)*", re.UNICODE)


WORDS = "words"
FOLDED = "folded"
SPARSE_FIELDS = (WORDS, FOLDED)
# about half the mean terms per chunk: favours short, citable paragraphs (tuned on eval/dev.jsonl)
AVG_TERMS = {WORDS: 60.0, FOLDED: 90.0}


@dataclass
class SparseVector:
    indices: list[int]
    values: list[float]


@dataclass
class SparseQuery:
    """A query vector and the named sparse vector it searches."""

    field: str
    vector: SparseVector


def _tokenizer():
    from assistant.core.segmenter import segmenter  # pyvi's model without scikit-learn (see segmenter.py)

    return segmenter()


def segment(text: str) -> list[str]:
    """Lower-cased word segments; multi-syllable words joined with "_"."""
    seg = _tokenizer().tokenize(text)
    return [t.lower() for t in _TOKEN.findall(seg)]


def term_id(term: str) -> int:
    return zlib.crc32(term.encode("utf-8"))


def passage_terms(text: str) -> dict[str, list[str]]:
    """The terms of each family, with repeats (term frequency counts)."""
    words: list[str] = []
    syllables: list[str] = []
    for w in segment(text):
        parts = w.split("_")
        syllables.extend(parts)
        words.append(w)
        if len(parts) > 1:
            words.extend(parts)
    folded = [fold(s) for s in syllables]
    return {WORDS: words, FOLDED: folded + [f"{a}_{b}" for a, b in zip(folded, folded[1:])]}


def query_terms(text: str, folded: bool, tokens: Sequence[str] | None = None) -> list[str]:
    """A question's terms in the family it searches. ``words``: every segmented word ("thcs"
    too: it is a word in the passages) and the syllables of compounds; ``tokens``: the text's
    words as the question stage segmented them. ``folded``: folded syllables and pairs (an
    English question's own words simply match nothing)."""
    if not folded:
        terms: list[str] = []
        for w in segment(text) if tokens is None else tokens:
            terms.append(w)
            if "_" in w:
                terms.extend(w.split("_"))
        return terms
    toks = [fold(t) for t in _TOKEN.findall(text.lower())]
    return toks + [f"{a}_{b}" for a, b in zip(toks, toks[1:])]


def _bm25(terms: list[str], avg: float) -> SparseVector:
    counts = Counter(terms)
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / avg)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        tid = term_id(term)
        weights[tid] = weights.get(tid, 0.0) + tf * (K1 + 1) / (tf + norm)
    idx = sorted(weights)
    return SparseVector(idx, [weights[i] for i in idx])


def passage_vectors(text: str) -> dict[str, SparseVector]:
    return {name: _bm25(terms, AVG_TERMS[name]) for name, terms in passage_terms(text).items()}


def query_vector(text: str, folded: bool | None = None, tokens: Sequence[str] | None = None) -> SparseQuery:
    """``folded``: search the accent-folded family. By default, when ``text`` has no diacritics;
    callers pass it when the text carries accented expansions of a question typed without.
    ``tokens``: the text already segmented (the question stage does it once)."""
    if folded is None:
        folded = not has_diacritics(text)
    ids = sorted({term_id(t) for t in query_terms(text, folded, tokens)})
    return SparseQuery(FOLDED if folded else WORDS, SparseVector(ids, [1.0] * len(ids)))
