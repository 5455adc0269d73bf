"""`assistant bench fidelity`: what ingest keeps of real documents and what it reads from their
headers, against the ground truth of ../shared/corpus-extra/directives/metadata.jsonl.

No embedding: every file is read, cleaned, parsed and chunked as ingest does, then
- coverage (fidelity.py): the share of each file's word 4-grams that reached a chunk or its section
  path, and the same restricted to the text after the signature (the line that names the signer in
  the ground truth; the rest of the file after it);
- metadata, field by field, compared as the pool's README says: exact after NFC and whitespace
  collapsing for number, kind, dates (null must be predicted as null); case-insensitive for signer,
  issuer, province; token F1 for subject and signer's title.
Prints a Markdown table (the one in eval/README.md) and writes JSON.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Any

EXACT = {"number": "so_hieu", "kind": "loai", "date": "ngay_ban_hanh", "effective_date": "ngay_hieu_luc"}
CASELESS = {"issuer": "co_quan", "signer": "nguoi_ky", "province": "tinh"}
F1 = {"subject": "trich_yeu", "signer_title": "chuc_vu"}
TARGETS = {"number": 0.95, "kind": 0.95, "issuer": 0.95, "date": 0.95, "signer": 0.95, "effective_date": 0.90}


def _norm(s: Any) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(s or ""))).strip()


def _tokens(s: str) -> list[str]:
    return re.findall(r"\w+", _norm(s).lower())


def _f1(a: str, b: str) -> float:
    ta, tb = _tokens(a), _tokens(b)
    if not ta and not tb:
        return 1.0
    common = sum(min(ta.count(t), tb.count(t)) for t in set(ta))
    if not common:
        return 0.0
    p, r = common / len(ta), common / len(tb)
    return 2 * p * r / (p + r)


def predicted(meta) -> dict[str, str | None]:
    return {
        "number": meta.number,
        "kind": meta.doc_type,
        "date": meta.date or None,
        "effective_date": meta.effective_date or None,
        "issuer": meta.issuer,
        "signer": meta.signer,
        "province": meta.province or None,
        "subject": meta.subject,
        "signer_title": meta.signer_title,
    }


def score(pred: dict[str, str | None], truth: dict[str, Any]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for field, key in EXACT.items():
        want = truth.get(key)
        if field == "effective_date" and want is None:
            out[field] = None  # scored only where the text states it (the target)
            out["effective_date_null"] = float(pred[field] is None)
            continue
        out[field] = float(_norm(pred[field]) == _norm(want)) if want is not None else float(not pred[field])
    for field, key in CASELESS.items():
        want = truth.get(key)
        out[field] = float(_norm(pred[field]).lower() == _norm(want).lower()) if want else float(not pred[field])
    for field, key in F1.items():
        out[field] = _f1(pred[field] or "", truth.get(key) or "")
    return out


def after_signature(text: str, signer: str | None) -> str:
    """The file's text after the first line that holds the signer's name (ground truth)."""
    if not signer:
        return ""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.strip() and _norm(line).lower().endswith(_norm(signer).lower()):
            return "\n".join(lines[i + 1 :])
    return ""


def bench_fidelity(pool: Path, out_json: Path | None = None, only: str | None = None) -> dict[str, Any]:
    from assistant.index.indexer import parse_file
    from assistant.ingest.fidelity import text_coverage
    from assistant.ingest.loading import read_file

    rows_truth = [
        json.loads(line) for line in (pool / "metadata.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    split = json.loads((pool / "split.json").read_text(encoding="utf-8")) if (pool / "split.json").exists() else {}
    part_of = {f: part for part, files in split.items() for f in files}
    rows = []
    for truth in rows_truth:
        part = part_of.get(truth["file"], "")
        if only and part != only:
            continue
        path = pool / "corpus" / truth["file"]
        raw = read_file(path, path.parent)
        doc, chunks, _, cov = parse_file(raw)
        indexed = [t for c in chunks for t in (c.text, c.section)]
        tail = after_signature(raw.text, truth.get("nguoi_ky")) if truth.get("has_after_signature") else ""
        tail_cov = text_coverage(tail, indexed) if tail else None
        pred = predicted(doc.meta)
        rows.append(
            {
                "file": truth["file"],
                "part": part,
                "topic": truth.get("topic"),
                "kind": truth.get("loai"),
                "has_after_signature": truth.get("has_after_signature"),
                "has_table": truth.get("has_table"),
                "coverage": round(cov.share, 4),
                "after_signature_coverage": round(tail_cov.share, 4) if tail_cov else None,
                "after_signature_grams": tail_cov.grams if tail_cov else 0,
                "scores": score(pred, truth),
                "predicted": pred,
                "truth": {k: truth.get(v) for k, v in {**EXACT, **CASELESS, **F1}.items()},
            }
        )
    report = {
        "pool": str(pool),
        "documents": len(rows),
        "overall": summarize(rows),
        "by_part": {p: summarize([r for r in rows if r["part"] == p]) for p in sorted({r["part"] for r in rows})},
        "by_topic": {
            t: summarize([r for r in rows if r["topic"] == t]) for t in sorted({str(r["topic"]) for r in rows})
        },
        "after_signature_docs": summarize([r for r in rows if r["has_after_signature"]]),
        "table_docs": summarize([r for r in rows if r["has_table"]]),
        "rows": rows,
    }
    if out_json is not None:
        out_json.parent.mkdir(parents=True, exist_ok=True)
        out_json.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    return report


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if not rows:
        return {}
    covs = [r["coverage"] for r in rows]
    tail_grams = sum(r["after_signature_grams"] for r in rows if r["after_signature_coverage"] is not None)
    tail_found = sum(
        r["after_signature_coverage"] * r["after_signature_grams"]
        for r in rows
        if r["after_signature_coverage"] is not None
    )
    fields: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        for k, v in r["scores"].items():
            if v is not None:
                fields[k].append(v)
    return {
        "documents": len(rows),
        "coverage_mean": round(sum(covs) / len(covs), 4),
        "coverage_min": min(covs),
        "below_095": sum(c < 0.95 for c in covs),
        "below_098": sum(c < 0.98 for c in covs),
        "after_signature_coverage": round(tail_found / tail_grams, 4) if tail_grams else None,
        "fields": {k: round(sum(v) / len(v), 4) for k, v in fields.items()},
        "field_counts": {k: len(v) for k, v in fields.items()},
    }


def markdown(report: dict[str, Any]) -> str:
    cols = (
        [("overall", report["overall"])]
        + list(report["by_part"].items())
        + [("content after signature", report["after_signature_docs"]), ("with tables", report["table_docs"])]
    )
    cols = [(name, s) for name, s in cols if s]
    lines = [
        "| measure | target | " + " | ".join(f"{n} ({s['documents']})" for n, s in cols) + " |",
        "|---|---|" + "---|" * len(cols),
    ]

    def row(label: str, target: str, get) -> None:
        cells = []
        for _, s in cols:
            v = get(s)
            cells.append("—" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v)))
        lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")

    row("coverage, mean", "≥ 0.99", lambda s: s["coverage_mean"])
    row("coverage, lowest", "≥ 0.95", lambda s: float(s["coverage_min"]))
    row("documents below 0.95", "0", lambda s: s["below_095"])
    row("coverage after the signature", "≥ 0.98", lambda s: s["after_signature_coverage"])
    names = {
        "number": "number",
        "kind": "kind",
        "issuer": "issuing body",
        "date": "date",
        "signer": "signer",
        "effective_date": "effective date (where stated)",
        "effective_date_null": "effective date null where none",
        "province": "province",
        "subject": "subject (token F1)",
        "signer_title": "signer's title (token F1)",
    }
    for key, label in names.items():
        target = f"≥ {TARGETS[key]:.2f}" if key in TARGETS else ""
        row(label, target, lambda s, k=key: s["fields"].get(k))
    return "\n".join(lines) + "\n"
