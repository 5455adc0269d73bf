"""The question's vocabulary: abbreviations, synonyms, the English glossary, stop words, the
English names of laws and kinds of documents, the kinds of documents a question names, units.
Read by the question analyser (``query``, ``kinds``, ``constraints``) and the answer stage's
``coverage``; kept apart so neither reaches into the other.

The words are data, in ``assistant/data/lexicon/``: TOML files whose tables each say where their
entries come from (``provenance``: general usage with a reference, mined by a named script, or
hand-written), and ``abbreviations.mined.tsv``, written by ``tools/mine_lexicon.py``. This module
only loads them, once, at import."""

from __future__ import annotations

import csv
import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from assistant.core.textutil import fold

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "lexicon"
MINED_ABBREVIATIONS = DATA_DIR / "abbreviations.mined.tsv"  # written by tools/mine_lexicon.py
PROVENANCES = frozenset({"general", "mined", "hand-written"})


@dataclass(frozen=True)
class Group:
    """One table of a lexicon file: entries (words, or pairs of words) and where they come from."""

    collection: str
    provenance: str
    source: str
    entries: tuple[str | tuple[str, ...], ...]


@functools.cache
def groups(file: str) -> tuple[Group, ...]:
    """The tables of one lexicon file (``"glossary.toml"``), in order."""
    with open(DATA_DIR / file, "rb") as fh:
        data = tomllib.load(fh)
    return tuple(
        Group(
            collection=name,
            provenance=table["provenance"],
            source=table["source"],
            entries=tuple(tuple(e) if isinstance(e, list) else e for e in table["entries"]),
        )
        for name, tables in data.items()
        for table in tables
    )


def _words(file: str, collection: str) -> list[str]:
    return [e for g in groups(file) if g.collection == collection for e in g.entries if isinstance(e, str)]


def _pairs(file: str, collection: str) -> list[tuple[str, str]]:
    return [(e[0], e[1]) for g in groups(file) if g.collection == collection for e in g.entries if isinstance(e, tuple)]


def mined_abbreviations(selected_only: bool = True) -> list[dict[str, str]]:
    """The rows of abbreviations.mined.tsv (its comment lines skipped); only those marked selected
    (the ones the question stage uses) by default."""
    with open(MINED_ABBREVIATIONS, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t"))
    return [r for r in rows if r["selected"] == "yes" or not selected_only]


def _abbreviations() -> dict[str, str]:
    out = dict(_pairs("abbreviations.toml", "abbreviations"))
    for row in mined_abbreviations():
        out.setdefault(row["abbreviation"], row["long"])
    return out


# abbreviation -> long form (both directions are used): abbreviations.toml, then the mined ones
ABBREVIATIONS: dict[str, str] = _abbreviations()
# short forms not written in when a question spells out their long form ("TH", "HS")
ONE_WAY_ABBREVIATIONS = frozenset(_words("abbreviations.toml", "one_way"))

# Words a question uses for what the documents say otherwise; either side counts as the other
# when a paragraph is checked against the question (coverage.ALIASES). Not used to search.
SYNONYMS: list[tuple[str, str]] = _pairs("synonyms.toml", "synonyms")

# English words -> Vietnamese, so English questions also hit the lexical index.
GLOSSARY: list[tuple[str, str]] = _pairs("glossary.toml", "glossary")

# Question words and glue: never evidence. Accented forms, so "thì" (then) does not also drop
# "thi" (exam); the folded set is used only for questions typed without diacritics.
_QUESTION_WORDS = _words("stop_words.toml", "question_words")
STOP_WORDS = frozenset(_QUESTION_WORDS + _words("stop_words.toml", "stop_words"))

# folded, a few of them are also content syllables: "vẫn" → "van" (văn bản), "cũng" → "cung"
# (cung cấp), "em" (trẻ em)
STOP_FOLDED = frozenset(fold(w) for w in STOP_WORDS) - {"van", "cung", "em"}

QUESTION_SYLLABLES = frozenset(fold(w) for w in _QUESTION_WORDS)

# "the Law on Higher Education" -> "Luật Giáo dục đại học"; codes named without "Law on"
ENGLISH_LAW_NAMES: dict[str, str] = dict(_pairs("english.toml", "law_names"))
ENGLISH_CODES: dict[str, str] = dict(_pairs("english.toml", "codes"))
# "Decision No. 12/QĐ-UBND": the English names of the kinds of documents
ENGLISH_TYPES: dict[str, str] = dict(_pairs("english.toml", "document_types"))
# upper-case English acronyms, matched case-sensitively ("IT", not the pronoun "it")
ACRONYMS: list[tuple[str, str]] = _pairs("english.toml", "acronyms")
# English words that carry no meaning of their own in a question
EN_STOP = frozenset(_words("english.toml", "english_stop_words"))
# frequent Vietnamese syllables typed without diacritics: "cac truong phai to chuc the nao" is not English
VIETNAMESE_FOLDED = frozenset(_words("english.toml", "vietnamese_syllables"))

# the kinds of documents a question names by number or name ("Chỉ thị 04", "Luật Giáo dục")
NAMED_KINDS: tuple[str, ...] = tuple(_words("documents.toml", "named_kinds"))
# folded words that end an unknown law's name in a question ("Luật Nhà giáo quy định …")
LAW_NAME_ENDS = frozenset(_words("documents.toml", "law_name_ends"))
# units a quantity is counted in; the folded units of a measure "bao nhiêu" asks for
UNITS: tuple[str, ...] = tuple(_words("units.toml", "units"))
MEASURE_UNITS = frozenset(_words("units.toml", "measure_units"))
