"""Ingest checks itself: how much of a file's text reached the index.

Coverage is the share of the file's word 4-grams (taken within a line, the national motto's lines
left out) that some indexed chunk, or its section path, contains. A line whose 4-grams are mostly
missing is reported as dropped, so an evaluator sees *what* was lost, not just how much.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from assistant.core.textutil import fold, words

GRAM = 4
WARN_BELOW = 0.98  # ingest warns about a file whose coverage is lower
DROPPED_LINE_SHARE = 0.5  # a line with less than this share of its 4-grams indexed counts as dropped


@dataclass
class Coverage:
    share: float  # indexed 4-grams / all 4-grams of the file (1.0 for a file without any)
    grams: int  # 4-grams in the file
    dropped: list[str] = field(default_factory=list)  # the file's lines that were (mostly) not indexed

    def to_dict(self) -> dict[str, object]:
        return {"coverage": round(self.share, 4), "grams": self.grams, "dropped_lines": self.dropped}


def _grams(line: str) -> set[tuple[str, ...]]:
    w = words(line)
    return {tuple(w[i : i + GRAM]) for i in range(len(w) - GRAM + 1)}


def _is_motto(line: str) -> bool:
    f = fold(line)
    return "cong hoa xa hoi" in f or "chu nghia viet nam" in f or ("doc lap" in f and "hanh phuc" in f)


def text_coverage(source_text: str, indexed: Iterable[str]) -> Coverage:
    """Coverage of ``source_text`` (the file's text as read) by the ``indexed`` texts (each
    chunk's text and its section path)."""
    have: set[tuple[str, ...]] = set()
    for text in indexed:
        for line in text.split("\n"):
            have |= _grams(line)
    total = found = 0
    dropped: list[str] = []
    for line in source_text.split("\n"):
        if _is_motto(line):
            continue
        g = _grams(line)
        if not g:
            continue
        hit = len(g & have)
        total += len(g)
        found += hit
        if hit < DROPPED_LINE_SHARE * len(g):
            dropped.append(line.strip())
    return Coverage(found / total if total else 1.0, total, dropped)
