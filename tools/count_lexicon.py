"""Count the hand-written lexical knowledge of the answer stage: word collections (list, tuple,
set, frozenset and dict displays of string constants, and whitespace-split string literals
passed to set()/frozenset()), their entries, and regular expressions, per module; and the entries
of the lexicon data files (assistant/data/lexicon/: the question's vocabulary), by provenance
(hand-written, general, mined).

    python tools/count_lexicon.py [--json]

Used for issue 19's before/after count (eval/README.md)."""

from __future__ import annotations

import ast
import csv
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# the modules of the question and answer stages (ingest's layout words are counted apart)
ANSWER_STAGE = [
    "query",
    "kinds",
    "forms",
    "coverage",
    "constraints",
    "features",
    "answer",
    "verdict",
    "facets",
    "citations",
    "terms",
    "sparse",
    "retrieval",
    "drafting",
    "llm",
    "textutil",
    "lexicon",  # the question's vocabulary, moved out of query and coverage in the re-layout
]
# the modules' files after the re-layout (one sub-package per stage); the flat layout before it
RENAMED = {"answer": "extractive", "retrieval": "hybrid"}


def _strings(node: ast.AST) -> int:
    """Entries of a display of string constants (0 if it holds anything else)."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        elts = node.elts
        if elts and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in elts):
            return len(elts)
        if elts and all(
            isinstance(e, ast.Tuple)
            and e.elts
            and all(isinstance(x, ast.Constant) for x in e.elts)
            and any(isinstance(x.value, str) for x in e.elts)
            for e in elts
        ):
            return len(elts)  # pairs ("lower secondary", "trung học cơ sở")
    if (
        isinstance(node, ast.Dict)
        and node.keys
        and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys)
    ):
        return len(node.keys)
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("set", "frozenset") and node.args:
        arg = node.args[0]
        # frozenset("a b c".split())
        if (
            isinstance(arg, ast.Call)
            and isinstance(arg.func, ast.Attribute)
            and arg.func.attr == "split"
            and isinstance(arg.func.value, ast.Constant)
            and isinstance(arg.func.value.value, str)
        ):
            return len(arg.func.value.value.split())
        return _strings(arg)
    return 0


def count_module(path: Path) -> dict[str, int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    collections = entries = regexes = 0
    seen: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "compile"
            and getattr(node.func.value, "id", "") == "re"
        ):
            regexes += 1
        n = _strings(node)
        if n >= 3 and id(node) not in seen:
            collections += 1
            entries += n
            for child in ast.walk(node):
                seen.add(id(child))
    return {"collections": collections, "entries": entries, "regexes": regexes}


LEXICON = ROOT / "assistant" / "data" / "lexicon"
PROVENANCES = ("hand-written", "general", "mined")


def count_data() -> dict[str, dict[str, int]]:
    """Entries of each lexicon data file by provenance; a mined TSV counts its selected rows (the
    ones the question stage reads)."""
    out: dict[str, dict[str, int]] = {}
    if not LEXICON.is_dir():
        return out
    for path in sorted(LEXICON.glob("*.toml")):
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
        counts = dict.fromkeys(PROVENANCES, 0)
        for tables in data.values():
            for table in tables:
                counts[table["provenance"]] += len(table["entries"])
        out[path.name] = counts
    for path in sorted(LEXICON.glob("*.tsv")):
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader((x for x in fh if not x.startswith("#")), delimiter="\t"))
        out[path.name] = {**dict.fromkeys(PROVENANCES, 0), "mined": sum(r.get("selected") == "yes" for r in rows)}
    return out


def main() -> None:
    out = {}
    for name in ANSWER_STAGE:
        flat = ROOT / "assistant" / f"{name}.py"
        found = [flat] if flat.exists() else sorted((ROOT / "assistant").glob(f"*/{RENAMED.get(name, name)}.py"))
        if found:
            out[name] = count_module(found[0])
    total = {k: sum(v[k] for v in out.values()) for k in ("collections", "entries", "regexes")}
    data = count_data()
    data_total = {p: sum(v[p] for v in data.values()) for p in PROVENANCES}
    if "--json" in sys.argv:
        print(json.dumps({"modules": out, "total": total, "data": data, "data_total": data_total}, indent=2))
        return
    print(f"{'module':14s} {'collections':>11s} {'entries':>8s} {'regexes':>8s}")
    for name, v in out.items():
        print(f"{name:14s} {v['collections']:11d} {v['entries']:8d} {v['regexes']:8d}")
    print(f"{'total':14s} {total['collections']:11d} {total['entries']:8d} {total['regexes']:8d}")
    if data:
        print(f"\n{'data file':26s} {'hand-written':>12s} {'general':>8s} {'mined':>8s}")
        for name, v in data.items():
            print(f"{name:26s} {v['hand-written']:12d} {v['general']:8d} {v['mined']:8d}")
        t = data_total
        print(f"{'total':26s} {t['hand-written']:12d} {t['general']:8d} {t['mined']:8d}")
        print(f"hand-written entries in code and data files: {total['entries'] + t['hand-written']}")


if __name__ == "__main__":
    main()
