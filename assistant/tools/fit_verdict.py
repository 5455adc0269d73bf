"""Fit the verdict model (assistant/data/verdict_model.json) on labelled statements and choices.

``python -m assistant.tools.fit_verdict --questions Q.jsonl --index DIR`` asks every question of
the file whose ``gold_answer`` is "Đúng"/"Sai" or a letter A–D through the real pipeline
(retrieval, the governing provision, the signals of answer/verdict.py), keeps the feature vectors
(``--cache``: a JSON Lines file, reused by ``--from-cache`` to refit without asking again), then:

1. fits the statement model: a logistic regression of "Đúng" on verdict_model.STATEMENT_FEATURES
   (standardized, L2-regularised, Newton's method; numpy only);
2. fits the choice model: a conditional logit over each question's choices on
   verdict_model.CHOICE_FEATURES, with the offsets of "Cả A, B, C đều đúng" and "… đều sai"
   (verdict.pick decides, as at run time);
3. cross-validates both, grouped by law file (no law in both the fitted and the tested folds) and
   by plain 5-fold, and reports them beside the training accuracy. A question the pipeline gave no
   verdict (it declined) counts as wrong, as ``assistant eval`` counts it;
4. with ``--write``, writes the model fitted on everything with its provenance (script, data and
   its hash, date, the figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.verdict import pick
from assistant.answer.verdict_model import (
    CHOICE_NAMES,
    MODEL_PATH,
    SIGNS,
    STATEMENT_NAMES,
    Linear,
    VerdictModel,
    neutral_model,
)
from assistant.question.forms import Choice

STATEMENT_L2 = (
    10.0  # on standardized features, against the summed log-likelihood (about 200 statements); CV grid 0.3–30
)
CHOICE_L2 = 30.0  # about 170 questions of four choices; CV grid 0.3–30
FOLDS = 5
SEED = 20261207


# -- collecting ---------------------------------------------------------------------------------------
def _article(locator: str) -> str:
    m = re.match(r"Điều (\d+[a-zđ]?)", locator or "")
    return m.group(1) if m else ""


def collect(questions: Path, index: Path, progress: bool = True) -> list[dict[str, Any]]:
    """One record per labelled statement or choice: its features as the pipeline computed them,
    the label it gave (under the model shipped when collecting), and where the gold article ranked."""
    from assistant.app.service import Assistant
    from assistant.core.settings import load_settings
    from assistant.tools.evaluation import VERDICTS, in_gold_article, load_questions

    svc = Assistant(load_settings(index_dir=index))
    svc.require_index()
    answerer = svc.answerer()
    rows = []
    labelled = [q for q in load_questions(questions) if q.gold_answer in VERDICTS]
    for n, q in enumerate(labelled, 1):
        ev = svc.prepare(q.question, q.history)
        gold = q.gold_articles
        ranks = [i for i, h in enumerate(ev.hits) if in_gold_article({"source": h.source, "article": h.article}, gold)]
        row: dict[str, Any] = {
            "id": q.id,
            "gold": q.gold_answer,
            # the fold group: a law file, else the document the question was written from
            "law": gold[0]["file"] if gold else q.doc or questions.name,
            "form": ev.query.kind.name,
            "gold_rank": ranks[0] + 1 if ranks else None,
            "label": None,
        }
        if not ev.scope.missing:
            draft = answerer.answer(ev.query, list(ev.hits), ev.contexts, ev.outlines, frozenset(ev.scope.preferred))
            v = draft.verdict
            if v is not None and not draft.abstained:
                row["label"] = v.label
                row["signals"] = v.signals
                cited = draft.citations[0] if draft.citations else None
                row["cited_gold"] = bool(
                    cited and in_gold_article({"source": cited.source, "article": _article(cited.locator)}, gold)
                )
                row["shown"] = draft.text.split("\n\n", 1)[0]
        rows.append(row)
        if progress and n % 25 == 0:
            print(f"  {n}/{len(labelled)}", file=sys.stderr, flush=True)
    svc.close()
    return rows


def refeature(row: dict) -> dict:
    """The row's signals computed again from the inputs it kept (the governing provisions, the
    statement's words): a change of the features needs no new retrieval."""
    from assistant.answer.verdict import Provision, check_statement, choose

    if row["label"] is None:
        return row
    i = row["signals"]["inputs"]
    provisions = [Provision(t, c) for t, c in i["provisions"]]
    if is_statement(row):
        v = check_statement(
            i["statement"],
            provisions[i["at"]],
            provisions,
            i["statement_words"],
            i["named_laws"],
            i["provision_law"],
            i["segmented"],
            i["as_asked"],
            neutral_model(),
        )
    else:
        choices = [Choice(letter, text, list(a), bool(n)) for letter, text, a, n in i["choices"]]
        words_of = {c.text: i["choice_words"].get(c.letter, {}) for c in choices}
        v, _ = choose(
            choices,
            i["negative"],
            provisions,
            i["stem_words"],
            lambda text: words_of.get(text, {}),
            i["segmented"],
            i["title"],
            i["stem"],
            neutral_model(),
        )
    return {**row, "signals": v.signals}


def is_statement(row: dict) -> bool:
    return row["gold"] in ("Đúng", "Sai")


# -- fitting --------------------------------------------------------------------------------------------
def _standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mu = X.mean(0)
    sd = X.std(0)
    sd[sd < 1e-6] = 1.0
    return mu, sd


def _signs(names: tuple[str, ...]) -> np.ndarray:
    return np.array([SIGNS.get(n, 0) for n in names], dtype=np.float64)


def _project(w: np.ndarray, signs: np.ndarray) -> np.ndarray:
    """Each weight on the side its signal may push (verdict_model.SIGNS)."""
    return np.where(signs > 0, np.maximum(w, 0.0), np.where(signs < 0, np.minimum(w, 0.0), w))


def _adam(loss, theta: np.ndarray, project, steps: int, rate: float = 0.05) -> np.ndarray:
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, steps + 1):
        _, g = loss(theta)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        theta = project(theta - rate * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8))
    return theta


def fit_statement(X: np.ndarray, y: np.ndarray, l2: float = STATEMENT_L2, steps: int = 1500) -> Linear:
    """Logistic regression on standardized features (bias not penalised), each weight kept on its
    signal's side (projected Adam)."""
    mu, sd = _standardize(X)
    Z = np.hstack([(X - mu) / sd, np.ones((len(X), 1))])
    signs = np.append(_signs(STATEMENT_NAMES), 0.0)
    reg = np.full(Z.shape[1], l2)
    reg[-1] = 0.0

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        p = 1 / (1 + np.exp(-np.clip(Z @ theta, -30, 30)))
        value = -float((y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)).sum())
        return value + 0.5 * float((reg * theta * theta).sum()), Z.T @ (p - y) + reg * theta

    theta = _adam(loss, np.zeros(Z.shape[1]), lambda t: _project(t, signs), steps)
    return Linear(STATEMENT_NAMES, theta[:-1].tolist(), mu.tolist(), sd.tolist(), float(theta[-1]))


def _choices_of(row: dict) -> list[Choice]:
    s = row["signals"]["structure"]
    return [Choice(letter, "", list(all_of), bool(none_of)) for letter, (all_of, none_of) in s.items()]


def fit_choice(rows: list[dict], l2: float = CHOICE_L2, steps: int = 600) -> Linear:
    """A conditional logit over each question's choices: a choice scores w · z (negated for a
    negative stem); "Cả … đều đúng" its lowest choice plus an offset, "… đều sai" minus the
    highest plus another (verdict.pick). Adam on the summed log-likelihood (the min and max are
    taken at the current weights)."""
    vectors = np.array([v for r in rows for v in r["signals"]["features"].values()], dtype=np.float64)
    mu, sd = _standardize(vectors)
    d = len(CHOICE_NAMES)
    data = []
    for r in rows:
        feats = {k: (np.array(v) - mu) / sd for k, v in r["signals"]["features"].items()}
        letters = list(r["signals"]["structure"])
        if r["gold"] not in letters:
            continue
        data.append((feats, _choices_of(r), -1.0 if r["signals"]["negative"] else 1.0, letters.index(r["gold"])))

    def rows_of(theta: np.ndarray, feats, choices, sign) -> np.ndarray:
        w = theta[:d]
        own = {k: sign * z for k, z in feats.items()}
        A = []
        for c in choices:
            if c.letter in own:
                A.append(np.append(own[c.letter], [0.0, 0.0]))
            elif c.all_of and any(x in own for x in c.all_of):
                low = min((x for x in c.all_of if x in own), key=lambda x: own[x] @ w)
                A.append(np.append(own[low], [1.0, 0.0]))
            elif c.none_of and own:
                high = max(own, key=lambda x: own[x] @ w)
                A.append(np.append(-own[high], [0.0, 1.0]))
            else:
                A.append(np.full(d + 2, np.nan))
        return np.array(A)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros_like(theta)
        for feats, choices, sign, gold in data:
            A = rows_of(theta, feats, choices, sign)
            ok = ~np.isnan(A).any(1)
            s = np.where(ok, np.nan_to_num(A) @ theta, -np.inf)
            s = s - s[ok].max()
            p = np.where(ok, np.exp(s), 0.0)
            p /= p.sum()
            total -= np.log(p[gold] + 1e-12)
            grad -= np.nan_to_num(A[gold]) - (p[:, None] * np.nan_to_num(A)).sum(0)
        penalty = np.append(np.full(d, l2), [0.0, 0.0])
        return total + 0.5 * float((penalty * theta * theta).sum()), grad + penalty * theta

    theta = np.zeros(d + 2)
    theta[CHOICE_NAMES.index("choice_support")] = 1.0
    signs = np.append(_signs(CHOICE_NAMES), [0.0, 0.0])
    theta = _adam(loss, theta, lambda t: _project(t, signs), steps)
    return Linear(
        CHOICE_NAMES, theta[:d].tolist(), mu.tolist(), sd.tolist(), 0.0, {"all_of": theta[d], "none_of": theta[d + 1]}
    )


def fit(rows: list[dict]) -> VerdictModel:
    st = [r for r in rows if is_statement(r) and r["label"] is not None]
    ch = [r for r in rows if not is_statement(r) and r["label"] is not None and r["signals"].get("structure")]
    base = neutral_model()
    statement = base.statement
    if st:
        X = np.array([r["signals"]["features"] for r in st], dtype=np.float64)
        y = np.array([r["gold"] == "Đúng" for r in st], dtype=np.float64)
        statement = fit_statement(X, y)
    choice = fit_choice(ch) if ch else base.choice
    return VerdictModel(statement, choice, 0.5)


def predict(model: VerdictModel, row: dict) -> str | None:
    """The label the pipeline gives with ``model`` (None: it declined, no verdict)."""
    if row["label"] is None:
        return None
    s = row["signals"]
    if is_statement(row):
        other_law = s["features"][STATEMENT_NAMES.index("law_difference")] > 0  # verdict.check_statement's rule
        return "Đúng" if model.statement.probability(s["features"]) >= model.threshold and not other_law else "Sai"
    if not s.get("structure"):
        return row["label"]
    scores = {k: model.choice.score(v) for k, v in s["features"].items()}
    return pick(scores, _choices_of(row), s["negative"], model.choice.extra)[0]


# -- measuring -----------------------------------------------------------------------------------------
def accuracy(rows: list[dict], labels: list[str | None]) -> dict[str, Any]:
    """Accuracy on statements and on choices (a question without a verdict counts as wrong)."""
    out: dict[str, Any] = {}
    for name, test in (("statements", is_statement), ("choices", lambda r: not is_statement(r))):
        pairs = [(r, lab) for r, lab in zip(rows, labels, strict=True) if test(r)]
        if pairs:
            out[name] = round(sum(r["gold"] == lab for r, lab in pairs) / len(pairs), 3)
            out[f"{name}_n"] = len(pairs)
    return out


def failure_classes(rows: list[dict], labels: list[str | None]) -> dict[str, dict[str, int]]:
    """Where the wrong verdicts come from, per form: declined (no verdict), the gold article not
    retrieved in the top five, retrieved but another provision governed (cited), or the right
    provision and the wrong decision."""
    out: dict[str, dict[str, int]] = {}
    for r, lab in zip(rows, labels, strict=True):
        if lab == r["gold"]:
            continue
        form = "statements" if is_statement(r) else "choices"
        if lab is None:
            why = "declined"
        elif not r["gold_rank"] or r["gold_rank"] > 5:
            why = "gold article not in top 5"
        elif not r.get("cited_gold"):
            why = "another provision governed"
        else:
            why = "right provision, wrong decision"
        out.setdefault(form, {})
        out[form][why] = out[form].get(why, 0) + 1
    return out


def retrieval(rows: list[dict]) -> dict[str, Any]:
    """Gold article at rank 1 and in the top 5, and cited by the verdict, per form."""
    out: dict[str, Any] = {}
    for name, test in (("statements", is_statement), ("choices", lambda r: not is_statement(r))):
        part = [r for r in rows if test(r)]
        if part:
            out[name] = {
                "hit_at_1": round(sum(r["gold_rank"] == 1 for r in part) / len(part), 3),
                "hit_at_5": round(sum(bool(r["gold_rank"] and r["gold_rank"] <= 5) for r in part) / len(part), 3),
                "gold_cited": round(sum(bool(r.get("cited_gold")) for r in part) / len(part), 3),
            }
    return out


def law_folds(rows: list[dict], k: int = FOLDS) -> list[int]:
    """Folds grouped by law file: the laws, largest first, each into the smallest fold so far."""
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r["law"]] = sizes.get(r["law"], 0) + 1
    load = [0] * k
    fold_of: dict[str, int] = {}
    for law in sorted(sizes, key=lambda x: (-sizes[x], x)):
        f = min(range(k), key=lambda i: (load[i], i))
        fold_of[law] = f
        load[f] += sizes[law]
    return [fold_of[r["law"]] for r in rows]


def plain_folds(rows: list[dict], k: int = FOLDS) -> list[int]:
    order = np.random.default_rng(SEED).permutation(len(rows))
    folds = [0] * len(rows)
    for n, i in enumerate(order):
        folds[int(i)] = n % k
    return folds


def cross_validate(rows: list[dict], folds: list[int]) -> dict[str, Any]:
    labels: list[str | None] = [None] * len(rows)
    for f in sorted(set(folds)):
        model = fit([r for r, g in zip(rows, folds, strict=True) if g != f])
        for i, (r, g) in enumerate(zip(rows, folds, strict=True)):
            if g == f:
                labels[i] = predict(model, r)
    return {**accuracy(rows, labels), "failures": failure_classes(rows, labels)}


def report(rows: list[dict]) -> dict[str, Any]:
    model = fit(rows)
    collected = [r["label"] for r in rows]
    by_law = cross_validate(rows, law_folds(rows))
    return {
        "collected": accuracy(
            rows, collected
        ),  # the labels the pipeline gave while collecting (the model shipped then)
        "training": accuracy(rows, [predict(model, r) for r in rows]),
        "cv_by_law": by_law,
        "cv_5fold": cross_validate(rows, plain_folds(rows)),
        "retrieval": retrieval(rows),
        "failures_collected": failure_classes(rows, collected),
        "declined": sum(r["label"] is None for r in rows),
        "laws": len({r["law"] for r in rows}),
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m assistant.tools.fit_verdict", description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--questions", type=Path, action="append", required=True, help="JSON Lines with gold_answer Đúng/Sai or A–D"
    )
    ap.add_argument(
        "--index", type=Path, action="append", help="the index each --questions is asked over (default index-alqac)"
    )
    ap.add_argument("--cache", type=Path, help="where to keep the collected feature vectors (JSON Lines)")
    ap.add_argument("--from-cache", action="store_true", help="refit from --cache without asking again")
    ap.add_argument(
        "--refeature", action="store_true", help="with --from-cache: compute the features again from the kept inputs"
    )
    ap.add_argument("--write", action="store_true", help=f"write the fitted model to {MODEL_PATH}")
    args = ap.parse_args(argv)
    if args.from_cache:
        if not args.cache:
            ap.error("--from-cache needs --cache")
        rows = [json.loads(line) for line in args.cache.read_text(encoding="utf-8").splitlines() if line.strip()]
        if args.refeature:
            rows = [refeature(r) for r in rows]
    else:
        indexes = args.index or [Path("index-alqac")]
        if len(indexes) not in (1, len(args.questions)):
            ap.error("give one --index, or one per --questions")
        rows = [
            r
            for q, i in zip(
                args.questions, indexes * len(args.questions) if len(indexes) == 1 else indexes, strict=False
            )
            for r in collect(q, i)
        ]
        if args.cache:
            args.cache.parent.mkdir(parents=True, exist_ok=True)
            args.cache.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    figures = report(rows)
    print(json.dumps(figures, ensure_ascii=False, indent=2))
    if args.write:
        model = fit(rows)
        model.provenance = {
            "script": "python -m assistant.tools.fit_verdict",
            "data": [str(q) for q in args.questions],
            "data_sha256": [_sha256(q) if q.exists() else "" for q in args.questions],
            "index": [str(i) for i in args.index or [Path("index-alqac")]],
            "date": dt.date.today().isoformat(),
            "questions": len(rows),
            "statement_l2": STATEMENT_L2,
            "choice_l2": CHOICE_L2,
            "figures": figures,
            "note": "cv_by_law: folds grouped by law file (no law both fitted and tested); cv_5fold: plain 5-fold; "
            "a question the pipeline declined counts as wrong; collected: the labels given while collecting "
            "(with the model shipped then: equal to training when it is this one); L2 picked on the CV grid 0.3-30 (slightly optimistic)",
        }
        MODEL_PATH.write_text(json.dumps(model.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"→ {MODEL_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
