"""The question's vocabulary is data with provenance (assistant/data/lexicon/): every file loads,
every table says where its entries come from, and the loader gives the names callers import."""

from __future__ import annotations

import tomllib

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


def test_loader_gives_the_names_callers_import() -> None:
    assert lexicon.ABBREVIATIONS["THCS"] == "trung học cơ sở"
    assert ("lower secondary", "trung học cơ sở") in lexicon.GLOSSARY
    assert lexicon.SYNONYMS and lexicon.ACRONYMS and lexicon.ENGLISH_TYPES and lexicon.ENGLISH_CODES
    assert lexicon.ENGLISH_LAW_NAMES["higher education"] == "Luật Giáo dục đại học"
    assert "gì" in lexicon.STOP_WORDS and "gi" in lexicon.STOP_FOLDED and "gi" in lexicon.QUESTION_SYLLABLES
    assert "thi" in lexicon.STOP_FOLDED and "thi" not in lexicon.STOP_WORDS  # "thì" (then), not "thi" (exam)
    assert lexicon.ONE_WAY_ABBREVIATIONS <= set(lexicon.ABBREVIATIONS)
    assert "the" in lexicon.EN_STOP and "cac" in lexicon.VIETNAMESE_FOLDED
