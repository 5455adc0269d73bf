"""Term statistics over the indexed chunks: inverse document frequency of accent-folded
syllables, and which syllable pairs occur at all. The answerer uses them to weigh question
words and to tell a name the corpus never contains from two common syllables."""
from __future__ import annotations

import math
import zlib

import numpy as np

from .textutil import fold, words


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
        df: dict[str, int] = {}
        pair_ids: set[int] = set()
        for t in texts:
            folded = [fold(x) for x in words(t)]
            for w in set(folded):
                df[w] = df.get(w, 0) + 1
            pair_ids.update(_pair_id(a, b) for a, b in zip(folded, folded[1:]))
        return cls(df, len(texts), np.array(sorted(pair_ids), dtype=np.uint32))

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


def _pair_id(a: str, b: str) -> int:
    return zlib.crc32(f"{a} {b}".encode())
