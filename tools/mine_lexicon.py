"""Mine abbreviations from the corpora: writes assistant/data/lexicon/abbreviations.mined.tsv.

    python tools/mine_lexicon.py [--check]

Corpora (read-only; paths relative to the repository root):
- ``corpus/``: the five seed directives;
- ``../shared/corpus-extra/vn-laws/``: the Vietnamese laws;
- ``../shared/corpus-extra/directives/corpus/``: only the 80 *fit* documents named by its
  ``split.json`` (the 40 test documents are never read).

Two kinds of evidence, per document:
- a definition: an upper-case abbreviation in brackets right after the words it abbreviates,
  "Trung học cơ sở (THCS)", "… (sau đây gọi tắt là UBND)", "… (viết tắt là CĐS)";
- a co-occurrence: the document uses the abbreviation, and also a run of words whose initials
  spell it ("thủ tục hành chính" for "TTHC"; "và" may stand inside: "Giáo dục và Đào tạo").

An abbreviation's long form is the run of words found in the most documents that use it.
``selected`` marks the entries the question stage uses (assistant/question/lexicon.py): at least
three letters, a long form in at least ``MIN_DOCUMENTS`` documents, and at least ``MIN_SHARE``
of the documents that spell out some run for it (one reading dominates); or, of any length,
defined in brackets in at least ``MIN_DEFINED`` documents with the same share. Two-letter
abbreviations spelled out only by co-occurrence are not selected: "TH" is as often "thực hiện"
as "tiểu học". ``--check`` exits 1 when the file
on disk differs from what the corpora give now (the file is not edited by hand).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.core.textutil import modern_tone  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpus-extra"
OUT = ROOT / "assistant" / "data" / "lexicon" / "abbreviations.mined.tsv"

MIN_DOCUMENTS = 3
MIN_SHARE = 0.7
MIN_DEFINED = 2  # or defined in brackets in this many documents

# an upper-case token of 2–8 letters, '&' and '-' inside ("GD&ĐT"), a lower-case tail ("TTg")
_ABBR_BODY = r"[A-ZĐ](?:[A-ZĐ&-]{0,6}[A-ZĐ])(?:[a-z]{1,2})?"
_ABBR = re.compile(r"(?<![\w&-])(" + _ABBR_BODY + r")(?![\w&-])")
_DEFINED = re.compile(
    r"\(\s*(?:(?:sau đây|dưới đây)\s+)?(?:(?:được\s+)?(?:gọi|viết)\s+tắt\s+(?:là\s*)?:?\s*)?"
    r"[\"“]?(?P<abbr>" + _ABBR_BODY + r")[\"”]?\s*\)"
)
_ROMAN = re.compile(r"[IVXLC]+")  # "Chương XIV", not an abbreviation
_WORD = re.compile(r"[^\W\d_]+")
_GLUE = {"và"}  # a word an abbreviation skips inside its long form ("GDĐT": Giáo dục và Đào tạo)
_MAX_WORDS = 8


def _letter(ch: str) -> str:
    """An abbreviation letter or a word's initial, compared without tone marks or case; "đ" kept."""
    ch = ch.lower()
    return ch if ch == "đ" else unicodedata.normalize("NFD", ch)[0]


def _key(abbr: str) -> str:
    """The letters a long form's initials must spell: "GD&ĐT" -> "gdđt", "TTg" -> "ttg"."""
    return "".join(_letter(c) for c in abbr if c.isalpha())


def _upper_key(abbr: str) -> str:
    """Only the upper-case letters ("TTg" -> "tt"): a lower-case tail abbreviates inside a word."""
    return "".join(_letter(c) for c in abbr if c.isupper())


def fit_documents() -> list[Path]:
    """The corpora's files, the directive pool's test documents left out."""
    files = sorted((ROOT / "corpus").glob("*.txt")) + sorted((SHARED / "vn-laws").glob("*.txt"))
    split = json.loads((SHARED / "directives" / "split.json").read_text(encoding="utf-8"))
    files += [SHARED / "directives" / "corpus" / name for name in split["fit"]]
    return [f for f in files if f.exists()]


def corpus_of(path: Path) -> str:
    if path.parent == ROOT / "corpus":
        return "corpus"
    return "vn-laws" if path.parent.name == "vn-laws" else "directives-fit"


def _runs(line: str) -> list[list[str]]:
    """The line's runs of words between punctuation (a long form does not cross a comma)."""
    return [_WORD.findall(part) for part in re.split(r"[,.;:()\[\]!?\"“”/|–—]", line)]


def _long_forms(words: list[str], wanted: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(key, phrase) for every run of words whose initials spell a wanted key."""
    out = []
    initials = [_letter(w[0]) for w in words]
    for i in range(len(words)):
        if words[i].lower() in _GLUE:
            continue
        key = ""
        for j in range(i, min(len(words), i + _MAX_WORDS)):
            w = words[j]
            if w.lower() in _GLUE and j > i:
                continue
            key += initials[j]
            if key in wanted:
                out.append((key, " ".join(words[i : j + 1])))
            if not any(k.startswith(key) for k in wanted):
                break
    return out


def _defined_before(abbr: str, before: str) -> str | None:
    """The words right before "(ABBR)" whose initials spell it, or None."""
    words = _WORD.findall(before)[-_MAX_WORDS - 2 :]
    for key in (_key(abbr), _upper_key(abbr)):
        for start in range(len(words) - 1, -1, -1):
            phrase = [w for w in words[start:] if w.lower() not in _GLUE or w is words[start]]
            spelled = "".join(_letter(w[0]) for w in phrase)
            if spelled == key and words[start].lower() not in _GLUE:
                return " ".join(words[start:])
            if len(spelled) > len(key):
                break
    return None


def _spelling(forms: Counter[str]) -> str:
    """The long form as the documents write it: the most frequent spelling that is not in capitals
    (a heading's), lower-case unless its capital is more than a sentence's first letter; "" when it is only ever written in capitals."""
    forms = Counter({f: n for f, n in forms.items() if not f.isupper()})
    if not forms:
        return ""
    lower = sum(n for f, n in forms.items() if f[:1].islower())
    capital = sum(n for f, n in forms.items() if f[:1].isupper())
    pool = [f for f in forms if f[:1].isupper() == (capital > lower)] or list(forms)
    return max(pool, key=lambda f: (forms[f], f))


def mine(files: list[Path]) -> list[dict[str, object]]:
    spelled: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # abbr -> phrase -> documents
    surface: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)  # (abbr, folded phrase) -> spellings
    defined: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))  # abbr -> phrase -> documents
    corpora: dict[str, Counter[str]] = defaultdict(Counter)  # abbr -> corpus -> documents that use it
    for path in files:
        # tone marks where they stand today ("Ủy", not "Uỷ"): one spelling per long form
        text = modern_tone(path.read_text(encoding="utf-8", errors="replace"))
        name = f"{corpus_of(path)}/{path.name}"
        found = {m.group(1) for m in _ABBR.finditer(text) if not _ROMAN.fullmatch(m.group(1))}
        if not found:
            continue
        wanted: dict[str, set[str]] = defaultdict(set)
        for abbr in found:
            for key in {_key(abbr), _upper_key(abbr)}:
                if len(key) >= 2:
                    wanted[key].add(abbr)
        for line in text.splitlines():
            for m in _DEFINED.finditer(line):
                abbr = m.group("abbr")
                phrase = _defined_before(abbr, line[: m.start()])
                if phrase:
                    defined[abbr][phrase.lower()].add(name)
                    surface[(abbr, phrase.lower())][phrase] += 1
                    spelled[abbr][phrase.lower()].add(name)
            for words in _runs(line):
                for key, phrase in _long_forms(words, wanted):
                    for abbr in wanted[key]:
                        spelled[abbr][phrase.lower()].add(name)
                        surface[(abbr, phrase.lower())][phrase] += 1
        for abbr in found:
            corpora[abbr][corpus_of(path)] += 1
    rows = []
    for abbr, phrases in spelled.items():
        ranked = sorted(phrases.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        best, docs = ranked[0]
        with_any = set().union(*phrases.values())
        share = len(docs) / len(with_any)
        n_defined = len(defined[abbr][best])
        long = _spelling(surface[(abbr, best)])
        if not long:
            continue
        letters = len(_key(abbr))
        selected = (letters >= 3 and len(docs) >= MIN_DOCUMENTS and share >= MIN_SHARE) or (
            n_defined >= MIN_DEFINED and share >= MIN_SHARE
        )
        rows.append(
            {
                "abbreviation": abbr,
                "long": long,
                "documents": len(docs),
                "share": round(share, 2),
                "defined": n_defined,
                "selected": selected,
                "corpora": ",".join(f"{c}:{n}" for c, n in sorted(corpora[abbr].items()) if n),
                "example": sorted(docs)[0],
            }
        )
    rows.sort(key=lambda r: (-int(r["documents"]), str(r["abbreviation"])))  # type: ignore[call-overload]
    return rows


HEADER = """\
# Abbreviations mined from the corpora by tools/mine_lexicon.py (do not edit: rerun the script).
# Corpora: corpus/ (seed directives), ../shared/corpus-extra/vn-laws/ (laws), and the 80 fit
# documents of ../shared/corpus-extra/directives/ (split.json; never its test documents).
# documents: documents that use the abbreviation and spell out this long form; share: of the
# documents that spell out some long form for it; defined: documents that define it in brackets
# ("… (THCS)"); selected: read by assistant/question/lexicon.py (rules in the script's docstring);
# corpora: documents that use the abbreviation, per corpus; example: one document behind the row.
"""
COLUMNS = ["abbreviation", "long", "documents", "share", "defined", "selected", "corpora", "example"]


def render(rows: list[dict[str, object]]) -> str:
    lines = [HEADER + "\t".join(COLUMNS)]
    for r in rows:
        lines.append("\t".join(("yes" if r[c] else "no") if c == "selected" else str(r[c]) for c in COLUMNS))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file on disk is out of date")
    args = parser.parse_args()
    files = fit_documents()
    rows = [r for r in mine(files) if int(r["documents"]) >= 2 or int(r["defined"]) >= 1]  # type: ignore[call-overload]
    text = render(rows)
    if args.check:
        same = OUT.exists() and OUT.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{OUT} differs from what the corpora give", file=sys.stderr)
        sys.exit(0 if same else 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    chosen = sum(1 for r in rows if r["selected"])
    print(f"{len(files)} documents: {len(rows)} abbreviations written, {chosen} selected -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
