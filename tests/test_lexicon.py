"""The question's vocabulary is data with provenance (assistant/data/lexicon/): every file loads,
every table says where its entries come from, and the loader gives the names callers import."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from assistant.question import lexicon

TOML_FILES = sorted(lexicon.DATA_DIR.glob("*.toml"))


def test_there_are_lexicon_files() -> None:
    assert {p.name for p in TOML_FILES} >= {
        "abbreviations.toml",
        "synonyms.toml",
        "glossary.toml",
        "stop_words.toml",
        "english.toml",
    }


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: p.name)
def test_every_table_has_a_provenance(path) -> None:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    assert data
    for name, tables in data.items():
        assert isinstance(tables, list) and tables, name  # [[collection]] tables
        for table in tables:
            assert set(table) == {"provenance", "source", "entries"}, (name, table)
            assert table["provenance"] in lexicon.PROVENANCES, (name, table["provenance"])
            assert table["source"].strip(), name
            assert table["entries"], name
            for entry in table["entries"]:
                assert (
                    isinstance(entry, str)
                    and entry.strip()
                    or (isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) and x for x in entry))
                ), (name, entry)


@pytest.mark.parametrize("path", TOML_FILES, ids=lambda p: p.name)
def test_no_entry_twice(path) -> None:
    """No word twice in a collection, and no English term or abbreviation given twice (the second
    would never be read)."""
    seen: dict[str, set[str]] = {}
    for group in lexicon.groups(path.name):
        for entry in group.entries:
            key = entry if isinstance(entry, str) else entry[0]
            if group.collection == "synonyms":
                key = " = ".join(entry)  # a word may have several synonyms
            assert key not in seen.setdefault(group.collection, set()), (group.collection, entry)
            seen[group.collection].add(key)


def test_mined_abbreviations() -> None:
    """abbreviations.mined.tsv (tools/mine_lexicon.py): every row says how much evidence it has and
    where; the selected ones reach ABBREVIATIONS, after the hand-written and general ones."""
    rows = lexicon.mined_abbreviations(selected_only=False)
    assert rows and any(r["selected"] == "yes" for r in rows)
    for r in rows:
        assert r["abbreviation"] and r["long"] and int(r["documents"]) >= 1 and r["corpora"] and r["example"], r
        assert not r["example"].startswith("directives-test"), r  # only the fit documents are read
    written = dict(lexicon._pairs("abbreviations.toml", "abbreviations"))
    for r in lexicon.mined_abbreviations():
        assert lexicon.ABBREVIATIONS[r["abbreviation"]] == written.get(r["abbreviation"], r["long"])
    assert lexicon.ABBREVIATIONS["UBND"] == "Ủy ban nhân dân"  # mined, no longer written by hand
    assert "UBND" not in written


SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus-extra"


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED / "directives" / "split.json").exists(), reason="needs ../shared/corpus-extra")
def test_mined_file_is_what_the_script_writes() -> None:
    """The mined file is rebuilt by its script, not edited by hand (~20 s)."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "tools" / "mine_lexicon.py"), "--check"], capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


def test_loader_gives_the_names_callers_import() -> None:
    assert lexicon.ABBREVIATIONS["THCS"] == "trung học cơ sở"
    assert ("lower secondary", "trung học cơ sở") in lexicon.GLOSSARY
    assert lexicon.SYNONYMS and lexicon.ACRONYMS and lexicon.ENGLISH_TYPES and lexicon.ENGLISH_CODES
    assert lexicon.ENGLISH_LAW_NAMES["higher education"] == "Luật Giáo dục đại học"
    assert "gì" in lexicon.STOP_WORDS and "gi" in lexicon.STOP_FOLDED and "gi" in lexicon.QUESTION_SYLLABLES
    assert "thi" in lexicon.STOP_FOLDED and "thi" not in lexicon.STOP_WORDS  # "thì" (then), not "thi" (exam)
    assert lexicon.ONE_WAY_ABBREVIATIONS <= set(lexicon.ABBREVIATIONS)
    assert "the" in lexicon.EN_STOP and "cac" in lexicon.VIETNAMESE_FOLDED
