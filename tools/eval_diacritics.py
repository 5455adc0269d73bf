"""Measure diacritics restoration: accented questions are folded ("Chỉ thị 04 …" -> "Chi thi 04
…"), restored with the model of an index (its documents' n-gram counts and the bundled prior),
and compared with the question as it was written.

    python tools/eval_diacritics.py --index index-directives QUESTIONS.jsonl [...] [--errors 20]
    python tools/eval_diacritics.py --index index-directives --fold-out OUT.jsonl QUESTIONS.jsonl

Figures (per file and in all): syllable accuracy over the Vietnamese words (upper-case
abbreviations, which stay as typed, apart), the same over every word, whole-question accuracy
(every word right; tone placement "hoà"/"hòa" counts as the same spelling), the share the
service would use (confident), and milliseconds per question (warm). English questions and
questions typed without diacritics are left out (nothing to compare with). ``--fold-out`` also
writes a copy of the questions with the accented ones folded (kind kept, "folded_from" added), so
`assistant eval` can compare the same questions typed both ways.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.core.textutil import has_diacritics, modern_tone  # noqa: E402
from assistant.question.query import is_english  # noqa: E402

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def strip_accents(text: str) -> str:
    """The question as typed without diacritics: case and everything else kept."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in text if unicodedata.category(c) != "Mn"))


def _norm(w: str) -> str:
    return modern_tone(w).lower()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("questions", nargs="+", type=Path)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--errors", type=int, default=0, help="show this many of the most frequent word errors")
    ap.add_argument("--fold-out", type=Path, help="write the questions with the accented ones folded here")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from assistant.app.service import Assistant
    from assistant.core.settings import load_settings

    svc = Assistant(load_settings(index_dir=args.index))
    t0 = time.perf_counter()
    restorer = svc.restorer()
    load_s = time.perf_counter() - t0
    restorer.restore("khởi động")
    from collections import Counter

    errors: Counter[tuple[str, str]] = Counter()
    results = {}
    folded_rows = []
    total = {"questions": 0, "whole": 0, "vi_ok": 0, "vi_n": 0, "all_ok": 0, "all_n": 0, "confident": 0, "ms": 0.0}
    for path in args.questions:
        t = dict.fromkeys(total, 0)
        t["ms"] = 0.0
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            q = unicodedata.normalize("NFC", row["question"])
            if not has_diacritics(q) or is_english(q):
                folded_rows.append(row)
                continue
            typed = strip_accents(q)
            folded_rows.append({**row, "question": typed, "folded_from": q})
            s = time.perf_counter()
            r = restorer.restore(typed)
            t["ms"] += (time.perf_counter() - s) * 1000
            want, got = _WORD.findall(q), _WORD.findall(r.text)
            assert len(want) == len(got), (q, r.text)
            whole = True
            for a, b in zip(want, got, strict=False):
                ok = _norm(a) == _norm(b)
                whole &= ok
                t["all_n"] += 1
                t["all_ok"] += ok
                if not (len(a) >= 2 and a.isupper()):
                    t["vi_n"] += 1
                    t["vi_ok"] += ok
                    if not ok:
                        errors[(a.lower(), b.lower())] += 1
            t["questions"] += 1
            t["whole"] += whole
            t["confident"] += r.confident
        results[str(path)] = t
        for k in total:
            total[k] += t[k]
    results["all"] = total

    def figures(t):
        n = t["questions"] or 1
        return {
            "questions": t["questions"],
            "syllable_accuracy": round(t["vi_ok"] / max(t["vi_n"], 1), 4),
            "word_accuracy_all": round(t["all_ok"] / max(t["all_n"], 1), 4),
            "question_accuracy": round(t["whole"] / n, 4),
            "confident": round(t["confident"] / n, 4),
            "ms_per_question": round(t["ms"] / n, 2),
        }

    out = {k: figures(v) for k, v in results.items()}
    out["model"] = {
        "index": str(args.index),
        "load_seconds": round(load_s, 2),
        "ngrams_of_index": len(restorer.counts),
        "ngrams_of_prior": len(restorer.prior),
    }
    if args.errors:
        out["errors"] = [f"{a} -> {b} ×{n}" for (a, b), n in errors.most_common(args.errors)]
    if args.fold_out:
        args.fold_out.parent.mkdir(parents=True, exist_ok=True)
        args.fold_out.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in folded_rows), encoding="utf-8"
        )
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    for k, v in out.items():
        print(k, v if not isinstance(v, list) else "\n  " + "\n  ".join(v))
    svc.close()


if __name__ == "__main__":
    main()
