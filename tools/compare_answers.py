"""Compare two evaluation runs answer by answer: what a refactoring must leave unchanged.

    python tools/compare_answers.py BEFORE_DIR AFTER_DIR [--show N]

Each directory is an ``assistant eval --out DIR`` folder (one sub-folder per set, each with its
report.json). For every question of every set found in both it compares the answer text, whether
it abstained, the cited chunks and the verdict, and prints a line per set (questions, answers
identical, differing) and the first differences. Exit status 1 when anything differs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _rows(folder: Path) -> dict[str, dict[str, dict]]:
    """set name -> question id -> row."""
    out: dict[str, dict[str, dict]] = {}
    for report in sorted(folder.glob("*/report.json")):
        rows = json.loads(report.read_text(encoding="utf-8"))["rows"]
        out[report.parent.name] = {str(r["id"]): r for r in rows}
    return out


def _key(row: dict) -> tuple:
    cited = tuple(c.get("chunk_id", "") for c in row.get("citations", []))
    return (row.get("answer", ""), bool(row.get("abstained")), cited, row.get("verdict", ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("before", type=Path)
    ap.add_argument("after", type=Path)
    ap.add_argument("--show", type=int, default=5, help="differences printed per set")
    args = ap.parse_args(argv)
    before, after = _rows(args.before), _rows(args.after)
    common = sorted(set(before) & set(after))
    if not common:
        print("no set in both folders", file=sys.stderr)
        return 2
    differing_total = 0
    for name in common:
        b, a = before[name], after[name]
        ids = [i for i in b if i in a]
        differing = [i for i in ids if _key(b[i]) != _key(a[i])]
        differing_total += len(differing)
        missing = len(set(b) ^ set(a))
        print(
            f"{name:28} {len(ids):4} questions  {len(ids) - len(differing):4} identical  {len(differing):3} differ"
            + (f"  ({missing} in one run only)" if missing else "")
        )
        for i in differing[: args.show]:
            print(f"  {i}: {b[i].get('question', '')[:90]}")
            for label, row in (("before", b[i]), ("after", a[i])):
                text = " ".join(str(row.get("answer", "")).split())[:160]
                print(f"    {label:6} {'(abstained) ' if row.get('abstained') else ''}{text}")
    only = sorted(set(before) ^ set(after))
    if only:
        print("sets in one run only:", ", ".join(only))
    return 1 if differing_total else 0


if __name__ == "__main__":
    raise SystemExit(main())
