"""Evaluation: question sets (JSONL), metrics, reports, baselines and CI gating.

Every question goes through ``Assistant.ask`` — the same code path as the API.
"""

from __future__ import annotations

import json
import math
import re
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.core.errors import EvalFileError
from assistant.core.textutil import normalize_for_match

HIGHER_IS_BETTER = [
    "hit_at_1",
    "hit_at_5",
    "mrr_at_10",
    "fact_recall",
    "facts_all",
    "citation_precision",
    "citation_recall",
    "gold_article_cited",
    "verdict_accuracy",
    "abstention_precision",
    "abstention_recall",
    "abstention_f1",
]
LOWER_IS_BETTER = ["false_abstention_rate"]


@dataclass
class EvalQuestion:
    id: str
    question: str
    history: list[dict[str, str]] = field(default_factory=list)
    answerable: bool = True
    evidence: list[str] = field(default_factory=list)
    facts: list[list[str]] = field(default_factory=list)
    kind: str = ""
    # article-level gold (laws): a retrieved paragraph of that law file under that "Điều" is a hit
    gold_articles: list[dict[str, str]] = field(default_factory=list)
    gold_answer: str = ""  # "Đúng"/"Sai" or a choice letter: compared with the answer's verdict
    doc: str = ""  # the document the question was written from (cross-validation folds group by it)


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSONL question set; a bad line is reported with its number."""
    out: list[EvalQuestion] = []
    seen: set[str] = set()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise EvalFileError(f"Không đọc được tệp câu hỏi {path}: {e.strerror}") from e
    for n, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise EvalFileError(f"{path}:{n}: JSON không hợp lệ ({e.msg})") from e
        if not isinstance(d, dict) or not isinstance(d.get("question"), str) or not d["question"].strip():
            raise EvalFileError(f"{path}:{n}: thiếu trường 'question'")
        qid = str(d.get("id") or f"{path.stem}-{n}")
        if qid in seen:
            raise EvalFileError(f"{path}:{n}: id trùng lặp '{qid}'")
        seen.add(qid)
        facts = d.get("facts") or []
        if not all(isinstance(f, list) and f and all(isinstance(s, str) for s in f) for f in facts):
            raise EvalFileError(f"{path}:{n}: 'facts' phải là danh sách các danh sách chuỗi")
        evidence = d.get("evidence") or []
        if not all(isinstance(s, str) for s in evidence):
            raise EvalFileError(f"{path}:{n}: 'evidence' phải là danh sách chuỗi")
        history = d.get("history") or []
        if not all(isinstance(m, dict) and "role" in m and "content" in m for m in history):
            raise EvalFileError(f"{path}:{n}: 'history' phải là danh sách {{role, content}}")
        gold = d.get("gold_articles") or []
        if not all(
            isinstance(g, dict) and isinstance(g.get("file"), str) and str(g.get("article", "")).strip() for g in gold
        ):
            raise EvalFileError(f"{path}:{n}: 'gold_articles' phải là danh sách {{file, article}}")
        out.append(
            EvalQuestion(
                qid,
                d["question"],
                history,
                bool(d.get("answerable", True)),
                evidence,
                facts,
                str(d.get("kind", "")),
                [{"file": g["file"], "article": str(g["article"]).strip()} for g in gold],
                str(d.get("gold_answer") or ""),
                str(d.get("doc") or ""),
            )
        )
    return out


def contains(text: str, needle: str) -> bool:
    """``needle`` in ``text`` in the comparison form; a needle that starts or ends with a digit
    must not continue a longer number there (the fact "5" is not in "2025")."""
    n = normalize_for_match(needle)
    if not n:
        return True
    pattern = ("(?<!\\d)" if n[0].isdigit() else "") + re.escape(n) + ("(?!\\d)" if n[-1].isdigit() else "")
    return re.search(pattern, normalize_for_match(text)) is not None


def contains_any(text: str, needles: list[str]) -> bool:
    return any(contains(text, n) for n in needles)


def in_gold_article(item: dict[str, Any], gold: list[dict[str, str]]) -> bool:
    """A retrieved or cited paragraph lies in one of the gold articles: same law file (by base
    name) and the same "Điều" number."""
    name = str(item.get("source", "")).rsplit("/", 1)[-1]
    article = item.get("article") or _article_from_section(item.get("section", ""))
    return any(g["file"] == name and g["article"] == article for g in gold)


def _article_from_section(section: str) -> str:
    import re

    m = re.search(r"Điều (\d+[a-zđ]?)\.", section)
    return m.group(1) if m else ""


VERDICTS = ("Đúng", "Sai", "A", "B", "C", "D")


def score_row(q: EvalQuestion, answer: dict[str, Any], latency_ms: float) -> dict[str, Any]:
    """Per-question metrics from an answer object (as returned by the API)."""
    retrieved = answer.get("retrieved", [])
    citations = answer.get("citations", [])
    abstained = bool(answer.get("abstained"))
    row: dict[str, Any] = {
        "id": q.id,
        "kind": q.kind,
        "question": q.question,
        "answerable": q.answerable,
        "answer": answer.get("answer", ""),
        "abstained": abstained,
        "latency_ms": round(latency_ms, 1),
        "citations": [
            {
                "n": c["n"],
                "chunk_id": c["chunk_id"],
                "text": c["text"],
                "quote": c.get("quote", ""),
                "locator": c.get("locator", ""),
            }
            for c in citations
        ],
        "retrieved": [{"chunk_id": r["chunk_id"], "text": r["text"]} for r in retrieved],
    }
    if not q.answerable:
        return row
    rank = None
    # a retrieved paragraph is gold when it lies in a gold article (laws) or holds the evidence
    is_gold = (
        (lambda r: in_gold_article(r, q.gold_articles))
        if q.gold_articles
        else (lambda r: contains_any(r["text"], q.evidence))
        if q.evidence
        else None
    )
    if is_gold is not None:
        rank = next((i for i, r in enumerate(retrieved[:10], 1) if is_gold(r)), None)
        row["evidence_rank"] = rank
        row["hit_at_1"] = float(rank == 1)
        row["hit_at_5"] = float(rank is not None and rank <= 5)
        row["mrr_at_10"] = 1.0 / rank if rank else 0.0
    if q.gold_articles:
        if citations and not abstained:
            supported = [in_gold_article(c, q.gold_articles) for c in citations]
            row["citation_precision"] = sum(supported) / len(supported)
            row["citations_supported"] = supported
        row["gold_article_cited"] = float(not abstained and any(in_gold_article(c, q.gold_articles) for c in citations))
    text = answer.get("answer", "")
    if q.facts:
        found = [contains_any(text, f) for f in q.facts]
        row["fact_recall"] = sum(found) / len(found)
        row["facts_all"] = float(all(found))
        row["missing_facts"] = [f[0] for f, ok in zip(q.facts, found, strict=False) if not ok]
    if q.gold_answer in VERDICTS:
        verdict = (answer.get("verdict") or {}).get("label", "")
        row["verdict"] = verdict
        row["verdict_accuracy"] = float(verdict == q.gold_answer)
    if citations and not abstained and not q.gold_articles and (q.evidence or q.facts):
        supported = []
        for c in citations:
            ok = (q.evidence and contains_any(c["text"], q.evidence)) or any(
                contains_any(c["text"], f) and contains_any(text, f) for f in q.facts
            )
            supported.append(bool(ok))
        row["citation_precision"] = sum(supported) / len(supported)
        row["citations_supported"] = supported
    if q.facts and not abstained:
        cited = " \n ".join(c["text"] for c in citations)
        present = [f for f in q.facts if contains_any(text, f)]
        row["citation_recall"] = float(bool(present) and all(contains_any(cited, f) for f in present))
    return row


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = max(0, min(len(s) - 1, math.ceil(p / 100 * len(s)) - 1))
    return round(s[k], 1)


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ans = [r for r in rows if r["answerable"]]
    una = [r for r in rows if not r["answerable"]]
    agg: dict[str, Any] = {"questions": len(rows), "answerable": len(ans), "unanswerable": len(una)}
    for key in (
        "hit_at_1",
        "hit_at_5",
        "mrr_at_10",
        "fact_recall",
        "facts_all",
        "citation_precision",
        "citation_recall",
        "gold_article_cited",
        "verdict_accuracy",
    ):
        agg[key] = _mean([r[key] for r in ans if key in r])
    tp = sum(1 for r in una if r["abstained"])
    fp = sum(1 for r in ans if r["abstained"])
    fn = len(una) - tp
    prec = tp / (tp + fp) if tp + fp else (1.0 if not una else 0.0)
    rec = tp / (tp + fn) if tp + fn else None
    agg["abstention_precision"] = round(prec, 4) if una else None
    agg["abstention_recall"] = round(rec, 4) if rec is not None else None
    agg["abstention_f1"] = round(2 * prec * rec / (prec + rec), 4) if rec and prec + rec else (0.0 if una else None)
    agg["false_abstention_rate"] = round(fp / len(ans), 4) if ans else None
    lat = [r["latency_ms"] for r in rows]
    agg["latency_p50_ms"] = _pct(lat, 50)
    agg["latency_p95_ms"] = _pct(lat, 95)
    return agg


def evaluate(svc, questions: list[EvalQuestion], progress: bool = True, judge=None) -> dict[str, Any]:
    from tqdm import tqdm

    rows = []
    svc.warm()  # latency is a warm process's
    # disable=None: no bar when the output is not a terminal (a log stays clean)
    from assistant.core.lang import t

    for q in tqdm(questions, desc=t("Đánh giá"), unit=t("câu"), disable=True if not progress else None):
        t0 = time.perf_counter()
        answer = svc.ask(q.question, q.history).to_dict()
        latency = (time.perf_counter() - t0) * 1000
        row = score_row(q, answer, latency)
        if judge is not None and not row["abstained"] and answer["citations"]:
            row["faithfulness"] = judge(answer)
        rows.append(row)
    kinds = sorted({r["kind"] for r in rows if r["kind"]})
    report = {
        "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "index": svc.health(),
        "aggregate": aggregate(rows),
        "by_kind": {k: aggregate([r for r in rows if r["kind"] == k]) for k in kinds},
        "rows": rows,
    }
    if judge is not None:
        vals = [r["faithfulness"] for r in rows if "faithfulness" in r]
        report["aggregate"]["faithfulness"] = _mean(vals)
    return report


def load_thresholds(path: Path | None) -> dict[str, Any]:
    if path is None or not path.exists():
        return {}
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def check(report: dict[str, Any], thresholds: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """Human-readable failures: thresholds not met and regressions against the baseline."""
    failures: list[str] = []
    agg = report["aggregate"]
    for key, bound in thresholds.get("min", {}).items():
        v = agg.get(key)
        if v is not None and v < bound:
            failures.append(f"{key} = {v:.3f} < ngưỡng tối thiểu {bound}")
    for key, bound in thresholds.get("max", {}).items():
        v = agg.get(key)
        if v is not None and v > bound:
            failures.append(f"{key} = {v:.3f} > ngưỡng tối đa {bound}")
    if baseline:
        tol = float(thresholds.get("regression", {}).get("tolerance", 0.02))
        base = baseline.get("aggregate", {})
        for key in HIGHER_IS_BETTER:
            if agg.get(key) is not None and base.get(key) is not None and agg[key] < base[key] - tol:
                failures.append(f"{key} giảm {base[key]:.3f} → {agg[key]:.3f} (dung sai {tol})")
        for key in LOWER_IS_BETTER:
            if agg.get(key) is not None and base.get(key) is not None and agg[key] > base[key] + tol:
                failures.append(f"{key} tăng {base[key]:.3f} → {agg[key]:.3f} (dung sai {tol})")
    return failures


def deltas(report: dict[str, Any], baseline: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    base = baseline.get("aggregate", {})
    return {k: (base.get(k), v) for k, v in report["aggregate"].items() if isinstance(v, (int, float))}


_LABELS = [
    ("hit_at_1", "hit@1"),
    ("hit_at_5", "hit@5"),
    ("mrr_at_10", "MRR@10"),
    ("fact_recall", "fact recall"),
    ("facts_all", "all facts"),
    ("citation_precision", "cit. precision"),
    ("citation_recall", "cit. recall"),
    ("gold_article_cited", "gold art. cited"),
    ("verdict_accuracy", "verdict acc."),
    ("abstention_precision", "abst. precision"),
    ("abstention_recall", "abst. recall"),
    ("abstention_f1", "abst. F1"),
    ("false_abstention_rate", "false abst."),
    ("latency_p50_ms", "p50 ms"),
    ("latency_p95_ms", "p95 ms"),
]


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float) and v <= 1.0:
        return f"{v:.3f}"
    return f"{v:.0f}" if isinstance(v, float) else str(v)


def markdown(report: dict[str, Any], failures: list[str], baseline: dict[str, Any] | None, gated: bool = True) -> str:
    agg = report["aggregate"]
    lines = [
        f"# Evaluation report — {report['created']}",
        "",
        f"Index: {report['index'].get('documents')} documents, {report['index'].get('chunks')} chunks, "
        f"embedder `{report['index'].get('embedder')}`. Questions: {agg['questions']} "
        f"({agg['answerable']} answerable, {agg['unanswerable']} unanswerable).",
        "",
    ]
    kinds = list(report["by_kind"])
    lines.append("| metric | overall | " + " | ".join(kinds) + (" | baseline |" if baseline else ""))
    lines.append("|---|---|" + "---|" * len(kinds) + ("---|" if baseline else ""))
    for key, label in _LABELS:
        cells = [_fmt(agg.get(key))] + [_fmt(report["by_kind"][k].get(key)) for k in kinds]
        if baseline:
            cells.append(_fmt(baseline.get("aggregate", {}).get(key)))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines += ["", "## Gate", ""]
    lines += [f"- FAIL: {f}" for f in failures] or (
        ["- PASS: all thresholds met, no regression."]
        if gated
        else ["- No thresholds for this set and no baseline: figures only."]
    )
    lines += ["", "## Questions that missed", ""]
    for r in report["rows"]:
        problems = []
        if r["answerable"] and r.get("hit_at_5") == 0.0:
            problems.append("evidence not in top 5")
        if r["answerable"] and r.get("missing_facts"):
            problems.append("missing facts: " + ", ".join(r["missing_facts"]))
        if r["answerable"] and r["abstained"]:
            problems.append("abstained on an answerable question")
        if not r["answerable"] and not r["abstained"]:
            problems.append("answered an unanswerable question")
        if r.get("citation_precision", 1.0) < 1.0:
            problems.append("unsupported citation")
        if r.get("gold_article_cited") == 0.0 and not r["abstained"]:
            problems.append("gold article not cited")
        if r.get("verdict_accuracy") == 0.0:
            problems.append(f"verdict {r.get('verdict') or '—'}")
        if problems:
            answer = r["answer"].replace("\n", " ")
            lines.append(f"- `{r['id']}` {r['question']} — {'; '.join(problems)}. Answer: {answer[:300]}")
    return "\n".join(lines) + "\n"


def print_table(
    report: dict[str, Any], failures: list[str], baseline: dict[str, Any] | None, gated: bool = True
) -> None:
    from rich.console import Console
    from rich.table import Table

    from assistant.core.lang import t as tr

    agg = report["aggregate"]
    t = Table(
        "metric",
        "overall",
        *report["by_kind"].keys(),
        *(["baseline", "Δ"] if baseline else []),
        title=tr(f"{agg['questions']} câu hỏi ({agg['answerable']} có đáp án, {agg['unanswerable']} không)"),
    )
    for key, label in _LABELS:
        row = [label, _fmt(agg.get(key))] + [_fmt(report["by_kind"][k].get(key)) for k in report["by_kind"]]
        if baseline:
            b = baseline.get("aggregate", {}).get(key)
            v = agg.get(key)
            row += [_fmt(b), f"{v - b:+.3f}" if isinstance(v, (int, float)) and isinstance(b, (int, float)) else "—"]
        t.add_row(*row)
    con = Console(width=220)
    con.print(t)
    if failures:
        for f in failures:
            con.print(f"[red]✗ {tr(f)}[/red]")
    elif gated:
        con.print(f"[green]{tr('✓ Đạt mọi ngưỡng, không có suy giảm.')}[/green]")
    else:
        con.print(
            tr(
                "Không có ngưỡng nào cho bộ câu hỏi này (và không có --baseline): chỉ báo cáo số liệu, "
                "không chấm đạt/không đạt."
            )
        )


@dataclass
class IndexCheck:
    """What the index holds against the corpus a question set is asked over."""

    expected: int  # files of the corpus
    missing: list[str]  # corpus files the index does not hold (paths)
    extra: list[str]  # indexed documents outside the corpus (their sources)

    def to_dict(self) -> dict[str, Any]:
        return {"corpus_files": self.expected, "missing": self.missing, "extra": self.extra}


def missing_corpus(patterns: list[str]) -> list[str]:
    """The corpus entries of a set (paths or globs) that match nothing on this machine."""
    import glob

    return [p for p in patterns if not glob.glob(p)]


def check_index(svc, corpus: list[Path]) -> IndexCheck:
    """Does the index hold every file of ``corpus`` (files or folders, walked as ``ingest`` walks
    them)? And which indexed documents are not part of it?"""
    from assistant.ingest.loading import discover, doc_id_for

    found, _ = discover(corpus)
    expected: dict[str, str] = {}
    for f, root in found:
        expected.setdefault(doc_id_for(f.relative_to(root).as_posix()), str(f))
    held = svc.store.documents() if svc.store.exists() else {}
    missing = [path for doc_id, path in expected.items() if doc_id not in held]
    extra = sorted(rec.source for doc_id, rec in held.items() if doc_id not in expected)
    return IndexCheck(len(expected), missing, extra)


def _listed(items: list[str], most: int = 5) -> str:
    shown = ", ".join(items[:most])
    return shown + (f" và {len(items) - most} tệp khác" if len(items) > most else "")


def require_corpus(check: IndexCheck, index: Path, name: str) -> str:
    """Raise when the index lacks files of the set's corpus; else a note on what else it holds
    ("" when nothing)."""
    if check.missing:
        raise EvalFileError(
            f"Chỉ mục {index} thiếu {len(check.missing)}/{check.expected} văn bản của bộ '{name}': "
            f"{_listed(check.missing)}. Hãy nạp chúng trước (`assistant ingest --index {index} …`) hoặc "
            f"chạy `assistant eval --set {name}` (tự nạp kho văn bản của bộ)."
        )
    if check.extra:
        return (
            f"Lưu ý: chỉ mục {index} còn có {len(check.extra)} văn bản ngoài kho của bộ '{name}' "
            f"({_listed(check.extra)}); câu trả lời có thể trích từ chúng."
        )
    return ""


def scored_nothing(rows: list[dict[str, Any]]) -> bool:
    """No question gave any metric: every answerable one lacks evidence, facts, gold articles and
    a gold answer, and no unanswerable one was asked."""
    keys = ("hit_at_1", "fact_recall", "gold_article_cited", "verdict_accuracy")
    return not any((not r["answerable"]) or any(k in r for k in keys) for r in rows)


def run_eval_command(
    svc,
    paths: list[Path],
    out: Path,
    baseline_path: Path | None,
    thresholds_path: Path | None,
    judge: bool = False,
    as_json: bool = False,
    corpus: list[Path] | None = None,
    set_name: str = "",
) -> int:
    """Evaluate, write the reports, gate. ``corpus``: the files the questions are asked over;
    the index must hold them all (else EvalFileError), and what else it holds is said."""
    questions: list[EvalQuestion] = []
    for p in paths:
        loaded = load_questions(p)
        if not loaded:
            raise EvalFileError(f"Tệp câu hỏi {p} không có câu hỏi nào: không có gì để đánh giá.")
        questions.extend(loaded)
    svc.require_index()
    note, index_check = "", None
    if corpus is not None:
        index_check = check_index(svc, corpus)
        note = require_corpus(index_check, svc.settings.index_dir, set_name or ", ".join(str(p) for p in paths))
    if note:
        import sys

        from assistant.core.lang import t

        print(t(note), file=sys.stderr)
    judge_fn = None
    if judge:
        from assistant.answer.llm import make_judge

        judge_fn = make_judge(svc.settings)
    report = evaluate(svc, questions, progress=not as_json, judge=judge_fn)
    report["questions_files"] = [str(p) for p in paths]
    if index_check is not None:
        report["index_check"] = index_check.to_dict()
    if scored_nothing(report["rows"]):
        raise EvalFileError(
            f"Không chấm được câu hỏi nào trong {', '.join(str(p) for p in paths)}: không câu nào có "
            "'evidence', 'facts', 'gold_articles' hay 'gold_answer', và không câu nào 'answerable': false. "
            "Xem định dạng trong eval/README.md."
        )
    baseline = json.loads(baseline_path.read_text(encoding="utf-8")) if baseline_path else None
    failures = check(report, load_thresholds(thresholds_path), baseline)
    report["gate"] = {"passed": not failures, "failures": failures}
    if baseline:
        report["deltas"] = {k: {"baseline": b, "current": c} for k, (b, c) in deltas(report, baseline).items()}
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    gated = bool(load_thresholds(thresholds_path)) or bool(baseline)
    report["gate"]["gated"] = gated
    (out / "report.md").write_text(markdown(report, failures, baseline, gated), encoding="utf-8")
    if as_json:
        print(
            json.dumps(
                {
                    "aggregate": report["aggregate"],
                    "by_kind": report["by_kind"],
                    "gate": report["gate"],
                    "report": str(out / "report.json"),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print_table(report, failures, baseline, gated)
        from assistant.core.lang import t

        print(t(f"Báo cáo: {out / 'report.json'} và {out / 'report.md'}"))
    return 1 if failures else 0
