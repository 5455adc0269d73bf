"""Build the general prior of the diacritics restorer (assistant/data/diacritics_prior.tsv.gz):
syllable unigram, bigram and trigram counts of the laws in ../shared/corpus-extra/vn-laws
(208 Vietnamese laws, the project's shared corpus; no directive document is read) and the generic
question forms of assistant/data/question_phrases.txt, pruned to keep
the file small. The index's own counts do most of the work (assistant/index/diacritics.py); the prior
adds the common words and phrasing that a small index may lack.

    python tools/build_diacritics_prior.py [CORPUS_DIR] [--min 2,3,4]
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import hashlib
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.index.diacritics import PRIOR_PATH, count_ngrams, expand  # noqa: E402

QUESTIONS = ROOT / "assistant" / "data" / "question_phrases.txt"
QUESTION_WEIGHT = 50  # each generic question form counts as often as a common phrase of the laws


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus-extra" / "vn-laws"))
    ap.add_argument("--min", default="2,3,4", help="minimum counts kept for unigrams, bigrams, trigrams")
    ap.add_argument("--out", default=str(PRIOR_PATH))
    args = ap.parse_args()
    mins = [int(x) for x in args.min.split(",")]
    files = sorted(Path(args.corpus).glob("*.txt"))
    digest = hashlib.sha256()
    counts: Counter[str] = Counter()
    for f in files:
        text = f.read_text(encoding="utf-8")
        digest.update(f.name.encode() + b"\0" + text.encode())
        counts.update(count_ngrams([text]))
    lines = [x for x in QUESTIONS.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]
    for k, v in count_ngrams(lines).items():
        counts[k] += QUESTION_WEIGHT * v
    full = expand(counts)
    kept = {k: v for k, v in full.items() if v >= mins[k.count(" ")]}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as g:
        g.write(
            f"# diacritics prior: syllable n-gram counts (key<TAB>count), built by tools/build_diacritics_prior.py\n"
            f"# source: {len(files)} laws of ../shared/corpus-extra/vn-laws (sha256 of names+texts "
            f"{digest.hexdigest()[:16]}), {datetime.date.today().isoformat()}\n"
            f"# plus the {len(lines)} generic question forms of assistant/data/question_phrases.txt, "
            f"each counted {QUESTION_WEIGHT} times\n"
            f"# pruned: unigrams >= {mins[0]}, bigrams >= {mins[1]}, trigrams >= {mins[2]}; "
            f"{len(kept)} of {len(full)} n-grams kept\n"
        )
        for k, v in sorted(kept.items()):
            g.write(f"{k}\t{v}\n")
    print(f"{out}: {len(kept)} n-grams of {len(full)}, {out.stat().st_size / 1e6:.2f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
