"""Fit the answer stage's weights on the question sets, with k-fold cross-validation.

``assistant tune`` collects, for every question of the chosen sets (eval/sets.toml), the evidence
the answer stage sees (analysed question, retrieved paragraphs, context) once, then:

1. labels each candidate unit: it lies in a gold article, or in a paragraph holding the gold
   evidence and (when the question lists facts) holds one of them;
2. fits the unit weights by a listwise softmax loss (the probability mass on the good units),
   L2-regularised towards the hand-set weights; the coverage weight is held at its hand-set value
   so that the selection floors (shares of the best score) keep their meaning;
3. fits the abstention model (coverage/dense mix, identity mix, mismatch factor, threshold) by
   balanced accuracy between answerable and unanswerable questions, and the dense calibration of
   the embedder from the top paragraphs' scores;
4. measures every set end to end (the real answer composition and ``assistant eval``'s metrics)
   for each fold with a model fitted on the other folds — the cross-validated figures — and with
   the model fitted on everything — the training figures;
5. optionally refits without each feature in turn (the ablation table).

The fitted model is written to assistant/data/answer_model.json with its provenance."""

from __future__ import annotations

import glob
import hashlib
import itertools
import time
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.answer_model import (
    ABSTENTION_NAMES,
    HAND_SET,
    Abstention,
    AnswerModel,
    Calibration,
    Confidence,
    load_model,
)
from assistant.answer.extractive import ExtractiveAnswerer, abstention_features, confidence_of
from assistant.answer.features import FEATURE_NAMES, Unit
from assistant.question.kinds import CLAIM_KINDS
from assistant.tools.evaluation import EvalQuestion, aggregate, contains_any, in_gold_article, load_questions, score_row

ANCHOR = "coverage"  # held at its hand-set weight: fixes the scale of the scores
L2_CHOICES = (0.001, 0.01, 0.05)  # pull towards the hand-set weights; the tuner picks one by cross-validation
TEMPERATURE = 0.1  # the softmax temperature of the hand-set weights' scale
CONFIDENCE_GRID = {
    "coverage_mix": (0.6, 0.7, 0.8, 0.9),
    "identity_mix": (0.2, 0.4, 0.6),
    "mismatch_factor": (0.3, 0.5, 0.7, 1.0),
}
DENSE_QUANTILES = (0.05, 0.95)  # top-paragraph dense scores at these quantiles map to 0 and 1


@dataclass
class QuestionSet:
    name: str
    questions: Path
    corpus: list[str]
    index: Path


def load_sets(path: Path = Path("eval/sets.toml")) -> dict[str, QuestionSet]:
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return {
        name: QuestionSet(name, Path(d["questions"]), list(d.get("corpus", [])), Path(d["index"]))
        for name, d in data.get("sets", {}).items()
    }


def corpus_paths(qs: QuestionSet) -> list[Path]:
    out: list[Path] = []
    for pattern in qs.corpus:
        matched = sorted(glob.glob(pattern))
        out.extend(Path(m) for m in matched)
    return out


@dataclass
class Case:
    set: str
    question: EvalQuestion
    evidence: Any  # service.Evidence
    units: list[Unit] = field(default_factory=list)
    labels: np.ndarray | None = None
    parts: list[tuple[float, float, float, float]] = field(default_factory=list)
    fold: int = 0


@dataclass
class SetRun:
    qs: QuestionSet
    svc: Any  # service.Assistant, kept open while tuning
    cases: list[Case]
    cache: dict = field(default_factory=dict)


def collect(qs: QuestionSet, services: dict[Path, Any], progress=None) -> SetRun:
    """The evidence of every question of a set. ``services``: one open Assistant per index
    folder (sets asked over the same corpus share it; an embedded index has one owner)."""
    from assistant.app.service import Assistant
    from assistant.core.settings import load_settings

    key = qs.index.resolve()
    if key not in services:
        services[key] = Assistant(load_settings(index_dir=qs.index))
    svc = services[key]
    svc.require_index()
    cases = []
    base = svc.answerer()
    for q in load_questions(qs.questions):
        ev = svc.prepare(q.question, q.history)
        case = Case(qs.name, q, ev)
        if not ev.scope.missing:
            case.units = base._featurize(ev.query, list(ev.hits), frozenset(ev.scope.preferred))
            case.labels = unit_labels(q, ev.hits, case.units)
            # the paragraph of the best unit under the shipped weights also counts (see confidence_parts)
            best = max(case.units, key=lambda u: float(u.features @ base._w), default=None)
            case.parts = base.confidence_parts(ev.query, ev.hits, best.hit_rank if best else None)
        cases.append(case)
        if progress:
            progress(1)
    return SetRun(qs, svc, cases)


def unit_labels(q: EvalQuestion, hits, units: list[Unit]) -> np.ndarray:
    """1 for a unit that answers: in a gold article, or in a paragraph with the gold evidence and,
    when the question lists facts, holding one (a paragraph none of whose units holds a fact
    keeps all its units)."""
    if not q.answerable:
        return np.zeros(len(units), dtype=bool)
    good_hits: set[int] = set()
    for i, h in enumerate(hits):
        item = {"source": h.source, "article": h.article, "section": h.section}
        if (q.gold_articles and in_gold_article(item, q.gold_articles)) or (
            not q.gold_articles and q.evidence and contains_any(h.text, q.evidence)
        ):
            good_hits.add(i)
    labels = np.zeros(len(units), dtype=bool)
    facts = [s for f in q.facts for s in f]
    for i in good_hits:
        mine = [j for j, u in enumerate(units) if u.hit_rank == i]
        with_fact = [j for j in mine if facts and contains_any(units[j].text, facts)]
        for j in with_fact or mine:
            labels[j] = True
    return labels


# -- fitting -----------------------------------------------------------------------------------------
def fit_weights(cases: list[Case], drop: frozenset[str] = frozenset(), l2: float = 0.01) -> dict[str, float]:
    """Listwise softmax fit of the unit weights on cases with both good and bad units."""
    groups = [
        (np.stack([u.features for u in c.units]).astype(np.float64), c.labels)
        for c in cases
        if c.labels is not None and c.units and c.labels.any() and not c.labels.all()
    ]
    names = list(FEATURE_NAMES)
    free = [i for i, n in enumerate(names) if n != ANCHOR and n not in drop]
    anchor = names.index(ANCHOR)
    prior = np.array([HAND_SET.get(n, 0.0) for n in names]) / TEMPERATURE

    def unpack(x: np.ndarray) -> np.ndarray:
        v = np.zeros(len(names))
        v[anchor] = prior[anchor]
        v[free] = x
        return v

    def loss(x: np.ndarray) -> tuple[float, np.ndarray]:
        v = unpack(x)
        total, grad = 0.0, np.zeros(len(names))
        for X, y in groups:
            s = X @ v
            s -= s.max()
            p = np.exp(s)
            p /= p.sum()
            mass = p[y].sum()
            total -= np.log(mass + 1e-12)
            q = np.where(y, p / (mass + 1e-12), 0.0)  # posterior over the good units
            grad -= X.T @ (q - p)
        n = max(len(groups), 1)
        total /= n
        grad /= n
        diff = v - prior
        total += l2 * float(diff[free] @ diff[free])
        grad += 2 * l2 * diff
        return total, grad[free]

    x = _minimize(loss, prior[free].copy())
    v = unpack(x)
    scale = HAND_SET[ANCHOR] / v[anchor]  # back to the hand-set scale
    return {n: round(float(v[i] * scale), 4) if n not in drop else 0.0 for i, n in enumerate(names)}


def _minimize(loss, x: np.ndarray, steps: int = 1500, rate: float = 0.05) -> np.ndarray:
    """Adam on a smooth convex loss of a dozen parameters (numpy only: the core install has no
    SciPy); stops when the loss no longer moves."""
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    last = None
    for t in range(1, steps + 1):
        value, grad = loss(x)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        x = x - rate * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        if last is not None and abs(last - value) < 1e-7:
            break
        last = value
    return x


def fit_calibration(cases: list[Case]) -> Calibration:
    tops = [c.evidence.hits[0].score for c in cases if c.evidence.hits]
    lo, hi = np.quantile(tops, DENSE_QUANTILES) if tops else (0.78, 0.90)
    return Calibration(round(float(lo), 4), round(float(hi), 4))


def _best_cut(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float, float]:
    """(balanced accuracy, margin, threshold): the threshold in the middle of the widest gap among
    those with the best balanced accuracy of answering ``pos`` and declining ``neg``."""
    cuts = np.unique(np.concatenate([pos, neg, [0.0, 1.0]]))
    best = (-1.0, -1.0, 0.5)
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        t = (lo + hi) / 2
        declined = float((neg < t).mean()) if len(neg) else 1.0
        answered = float((pos >= t).mean()) if len(pos) else 1.0
        key = ((declined + answered) / 2, hi - lo, round(float(t), 4))
        if key[:2] > best[:2]:
            best = key
    return best


def _group(c: Case) -> int:
    """0: questions, 1: claims (statements to verify, choices), 2: English questions — each has
    its own threshold (answer_model.Confidence)."""
    q = c.evidence.query
    if q.kind in CLAIM_KINDS:
        return 1
    return 2 if q.english else 0


def fit_confidence(cases: list[Case], calibration: Calibration) -> Confidence:
    """The abstention model with the best balanced accuracy (answerable questions answered,
    unanswerable declined): the mix on all questions, then one threshold for questions and one
    for claims (statements to verify, choices)."""
    usable = [c for c in cases if c.parts]
    best: tuple[float, Confidence] | None = None
    for mix, ident, mismatch in itertools.product(*CONFIDENCE_GRID.values()):
        model = Confidence(mix, ident, mismatch, 0.0, 0.0, 0.0)
        score = {id(c): confidence_of(c.parts, model, calibration) for c in usable}
        cuts = []
        for g in (0, 1, 2):
            group = [c for c in usable if _group(c) == g]
            pos = np.array([score[id(c)] for c in group if c.question.answerable])
            neg = np.array([score[id(c)] for c in group if not c.question.answerable])
            cuts.append(_best_cut(pos, neg))
        bal = sum(c[0] * (c[0] >= 0) for c in cuts) / len(cuts)
        if best is None or bal > best[0]:
            best = (bal, Confidence(mix, ident, mismatch, cuts[0][2], cuts[1][2], cuts[2][2]))
    return best[1] if best else Confidence()


# the share of unanswerable training questions the abstention model must decline (the issue's
# target is 0.85 on new documents, with false abstention at most 0.10: a margin above it)
DECLINED_TARGET = 0.9
ABSTENTION_L2 = 0.02  # on standardized features


def abstention_rows(
    cases: list[Case], weights: dict[str, float], calibration: Calibration
) -> tuple[np.ndarray, np.ndarray]:
    """(features, answerable) of the cases the abstention model decides: not "who signed" questions
    (their document's signature answers them or nothing does) nor questions naming a document the
    index does not hold (declined before any answer)."""
    from assistant.question.kinds import QuestionKind

    w = np.array([weights.get(n, 0.0) for n in FEATURE_NAMES])
    xs, ys = [], []
    for c in cases:
        q = c.evidence.query
        if c.evidence.scope.missing or q.kind == QuestionKind.SIGNER:
            continue
        units = [replace(u, score=float(u.features @ w)) for u in c.units]
        units.sort(key=lambda u: -u.score)
        xs.append(
            abstention_features(
                q, list(c.evidence.hits), units, c.parts, frozenset(c.evidence.scope.preferred), calibration
            )
        )
        ys.append(c.question.answerable)
    return np.array(xs, dtype=np.float64).reshape(-1, len(ABSTENTION_NAMES)), np.array(ys, dtype=bool)


def fit_abstention(X: np.ndarray, y: np.ndarray, l2: float = ABSTENTION_L2) -> Abstention:
    """Logistic regression of "answerable" on the question-level features, the two classes
    weighted equally (there are few unanswerable questions), features standardized for the fit;
    the threshold is the middle of the widest gap with the best balanced accuracy."""
    if len(y) == 0 or y.all() or not y.any():
        return Abstention({n: 0.0 for n in ABSTENTION_NAMES}, 10.0, 0.5)
    mu, sd = X.mean(0), X.std(0) + 1e-6
    Z = (X - mu) / sd
    cw = np.where(y, 0.5 / y.mean(), 0.5 / (1 - y.mean()))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = Z @ theta[:-1] + theta[-1]
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        ll = -(cw * (y * np.log(p + 1e-12) + (~y) * np.log(1 - p + 1e-12))).sum() / len(y)
        g = Z.T @ (cw * (p - y)) / len(y)
        gb = (cw * (p - y)).sum() / len(y)
        return ll + l2 * float(theta[:-1] @ theta[:-1]), np.append(g + 2 * l2 * theta[:-1], gb)

    theta = _minimize(loss, np.zeros(Z.shape[1] + 1), steps=3000)
    coef = theta[:-1] / sd
    bias = float(theta[-1] - (mu / sd) @ theta[:-1])
    model = Abstention({n: round(float(v), 5) for n, v in zip(ABSTENTION_NAMES, coef, strict=False)}, round(bias, 5))
    probs = np.array([model.probability(list(x)) for x in X])
    model.threshold = _declining_cut(probs[y], probs[~y], DECLINED_TARGET)
    return model


def _declining_cut(pos: np.ndarray, neg: np.ndarray, target: float) -> float:
    """The threshold that answers the most answerable questions while still declining at least
    ``target`` of the unanswerable ones (the middle of the gap below the probability that has to
    be declined). Balanced accuracy, used before, weighs the few unanswerable questions like all
    the others and declined one answerable question in five on the directive batches."""
    if not len(neg):
        return 0.5
    must = int(np.ceil(target * len(neg)))  # how many unanswerable questions must fall below
    ordered = np.sort(neg)
    at = float(ordered[must - 1]) if must > 0 else 0.0  # the highest of those that must be declined
    above = [p for p in np.concatenate([pos, neg]) if p > at]
    nxt = min(above) if above else 1.0
    return round(float((at + nxt) / 2), 4)


def fit_model(
    cases: list[Case],
    embedder_id: str,
    drop: frozenset[str] = frozenset(),
    base: AnswerModel | None = None,
    l2: float = 0.01,
) -> AnswerModel:
    base = base or load_model()
    calibration = fit_calibration(cases)
    weights = fit_weights(cases, drop, l2)
    model = replace(base, weights=weights, calibration={embedder_id: calibration, "default": calibration})
    # the confidence depends on the calibration only, not on the unit weights
    model.confidence = fit_confidence(cases, calibration)
    # the abstention model reads the best unit's score: fitted under the weights just fitted
    model.abstention = fit_abstention(*abstention_rows(cases, weights, calibration))
    return model


# -- measuring ---------------------------------------------------------------------------------------
def replay(runs: list[SetRun], model: AnswerModel, only: dict[str, set[int]] | None = None) -> dict[str, dict]:
    """Answer the cases with ``model`` and score them as ``assistant eval`` does, per set."""
    out: dict[str, dict] = {}
    for run in runs:
        answerer = ExtractiveAnswerer(run.svc.weights(), model, run.svc.embedder.model_id, feature_cache=run.cache)
        rows = []
        for i, case in enumerate(run.cases):
            if only is not None and i not in only.get(run.qs.name, set()):
                continue
            answer = run.svc.compose(case.evidence, answerer, use_llm=False).to_dict()
            rows.append(score_row(case.question, answer, 0.0))
        out[run.qs.name] = {"aggregate": aggregate(rows), "rows": rows}
    return out


def fold_group(q: EvalQuestion) -> str:
    """What a fold keeps together: the document a question was written from (a model is never
    tested on a document it was fitted on), or the gold law articles, else the question itself."""
    if q.doc:
        return "doc:" + q.doc
    if q.gold_articles:
        return "art:" + ",".join(sorted(f"{g['file']}#{g['article']}" for g in q.gold_articles))
    return "q:" + q.id


def assign_folds(runs: list[SetRun], k: int) -> None:
    """Folds stratified by set and grouped by document (fold_group), fixed by a hash of the group
    (reproducible)."""
    for run in runs:
        groups = sorted({fold_group(c.question) for c in run.cases}, key=lambda g: hashlib.sha1(g.encode()).hexdigest())
        fold_of = {g: n % k for n, g in enumerate(groups)}
        for c in run.cases:
            c.fold = fold_of[fold_group(c.question)]


def cross_validate(
    runs: list[SetRun], k: int, embedder_id: str, drop: frozenset[str] = frozenset(), l2: float = 0.01
) -> dict[str, dict]:
    """Each fold answered by a model fitted on the other folds; the rows of all folds pooled."""
    pooled: dict[str, list[dict]] = {run.qs.name: [] for run in runs}
    for fold in range(k):
        train = [c for run in runs for c in run.cases if c.fold != fold]
        model = fit_model(train, embedder_id, drop, l2=l2)
        test = {run.qs.name: {i for i, c in enumerate(run.cases) if c.fold == fold} for run in runs}
        for name, res in replay(runs, model, test).items():
            pooled[name].extend(res["rows"])
    return {name: {"aggregate": aggregate(rows), "rows": rows} for name, rows in pooled.items()}


QUALITY = ("facts_all", "citation_precision", "gold_article_cited", "verdict_accuracy")  # what the weights change


def quality(results: dict[str, dict]) -> float:
    """One number to choose by: the mean over sets of the answer-quality metrics they report,
    minus the false abstention rate and the share of unanswerable questions answered."""
    scores = []
    for res in results.values():
        agg = res["aggregate"]
        vals = [agg[m] for m in QUALITY if agg.get(m) is not None]
        if agg.get("false_abstention_rate") is not None:
            vals.append(1 - agg["false_abstention_rate"])
        if agg.get("abstention_recall") is not None:
            vals.append(agg["abstention_recall"])
        if vals:
            scores.append(sum(vals) / len(vals))
    return sum(scores) / len(scores) if scores else 0.0


METRICS = (
    "hit_at_1",
    "hit_at_5",
    "facts_all",
    "citation_precision",
    "gold_article_cited",
    "verdict_accuracy",
    "abstention_recall",
    "false_abstention_rate",
)


def summary_table(results: dict[str, dict[str, dict]]) -> str:
    """Markdown: one row per (set, figures) with the headline metrics."""
    head = "| set | figures | " + " | ".join(METRICS) + " |"
    lines = [head, "|" + "---|" * (len(METRICS) + 2)]
    for label, per_set in results.items():
        for name, res in per_set.items():
            agg = res["aggregate"]
            cells = ["—" if agg.get(m) is None else f"{agg[m]:.3f}" for m in METRICS]
            lines.append(f"| {name} | {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tune(
    set_names: list[str],
    folds: int = 5,
    out: Path | None = None,
    ablation: bool = False,
    report: Path | None = None,
    sets_file: Path = Path("eval/sets.toml"),
    echo=print,
) -> AnswerModel:
    from tqdm import tqdm

    sets = load_sets(sets_file)
    unknown = [s for s in set_names if s not in sets]
    if unknown:
        raise ValueError(f"Không có bộ câu hỏi {', '.join(unknown)} trong {sets_file}.")
    t0 = time.perf_counter()
    runs = []
    services: dict[Path, Any] = {}
    total = sum(len(load_questions(sets[s].questions)) for s in set_names)
    with tqdm(total=total, desc="Thu thập", unit="câu", disable=None) as bar:
        for name in set_names:
            runs.append(collect(sets[name], services, progress=bar.update))
    embedder_id = runs[0].svc.embedder.model_id
    assign_folds(runs, folds)
    everything = [c for run in runs for c in run.cases]
    echo(f"{len(everything)} câu hỏi từ {len(runs)} bộ; khớp {folds} phần (k-fold)…")
    hand = replay(runs, AnswerModel(dict(HAND_SET), calibration=load_model().calibration))
    by_l2 = {l2: cross_validate(runs, folds, embedder_id, l2=l2) for l2 in L2_CHOICES}
    l2 = max(L2_CHOICES, key=lambda x: quality(by_l2[x]))
    echo("Chọn L2 theo kiểm định chéo: " + ", ".join(f"{x}: {quality(r):.4f}" for x, r in by_l2.items()) + f" → {l2}")
    cv = by_l2[l2]
    model = fit_model(everything, embedder_id, l2=l2)
    train = replay(runs, model)
    results = {"hand-set weights": hand, f"{folds}-fold cross-validated": cv, "training (fitted on all)": train}
    ablation_rows: list[str] = []
    if ablation:
        for feature in FEATURE_NAMES:
            if feature == ANCHOR:
                continue
            res = cross_validate(runs, folds, embedder_id, frozenset({feature}), l2=l2)
            ablation_rows.append(_ablation_row(feature, res, cv))
    model.version = (
        time.strftime("%Y-%m-%d")
        + "-"
        + hashlib.sha1(str((model.weights, model.confidence, model.calibration)).encode()).hexdigest()[:6]
    )
    model.fitted = {
        "sets": {run.qs.name: str(run.qs.questions) for run in runs},
        "questions": len(everything),
        "folds": folds,
        "l2": l2,
        "anchor": ANCHOR,
        "hand_set": HAND_SET,
        "cross_validated": {name: _headline(r["aggregate"]) for name, r in cv.items()},
        "training": {name: _headline(r["aggregate"]) for name, r in train.items()},
    }
    table = summary_table(results)
    echo(table)
    if ablation_rows:
        echo("\n" + _ablation_head() + "\n" + "\n".join(ablation_rows))
    if out is not None:
        model.save(out)
        echo(f"Đã ghi mô hình trả lời: {out} (phiên bản {model.version}).")
    if report is not None:
        body = [
            "# Answer-stage fit",
            "",
            f"Created {time.strftime('%Y-%m-%d %H:%M')}, {len(everything)} questions, "
            f"{folds}-fold cross-validation stratified by set, {time.perf_counter() - t0:.0f} s.",
            "",
            "## Figures",
            "",
            table,
            "",
            "## Weights",
            "",
            "| feature | hand-set | fitted |",
            "|---|---|---|",
        ]
        body += [f"| {n} | {HAND_SET.get(n, 0.0)} | {model.weights.get(n, 0.0)} |" for n in FEATURE_NAMES]
        body += [
            "",
            f"Abstention: {model.confidence}",
            f"Dense calibration ({embedder_id}): {model.calibration[embedder_id]}",
        ]
        if ablation_rows:
            body += [
                "",
                "## Ablation (cross-validated, each feature removed in turn)",
                "",
                _ablation_head(),
                *ablation_rows,
            ]
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text("\n".join(body) + "\n", encoding="utf-8")
    for svc in services.values():
        svc.close()
    return model


def _headline(agg: dict[str, Any]) -> dict[str, Any]:
    return {m: agg.get(m) for m in METRICS if agg.get(m) is not None}


def _ablation_head() -> str:
    return (
        "| without | Δ quality | " + " | ".join(f"Δ {m}" for m in _ABLATED) + " |\n|---|---|" + "---|" * len(_ABLATED)
    )


def _ablation_row(feature: str, res: dict[str, dict], base: dict[str, dict]) -> str:
    def pooled(results: dict[str, dict], metric: str) -> float | None:
        vals = [r["aggregate"].get(metric) for r in results.values() if r["aggregate"].get(metric) is not None]
        return sum(vals) / len(vals) if vals else None

    cells = [f"{quality(res) - quality(base):+.4f}"]
    for m in _ABLATED:
        a, b = pooled(res, m), pooled(base, m)
        cells.append("—" if a is None or b is None else f"{a - b:+.3f}")
    return f"| {feature} | " + " | ".join(cells) + " |"


_ABLATED = (
    "facts_all",
    "citation_precision",
    "gold_article_cited",
    "verdict_accuracy",
    "abstention_recall",
    "false_abstention_rate",
)
