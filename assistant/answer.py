"""Answers with citations. The default answerer is extractive: it picks the sentences or list
items that answer the question from the top evidence and writes a short Vietnamese answer
with ``[n]`` markers; it abstains when the evidence does not cover the question."""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from .models import Hit
from .query import AnalyzedQuery, content_terms
from .retrieval import Context
from .textutil import fold, split_sentences, words

NOT_FOUND = "Không tìm thấy thông tin này trong các văn bản đã nạp."


@dataclass
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    source: str
    doc_title: str
    doc_type: str
    doc_number: str
    doc_date: str
    issuer: str
    section: str
    text: str  # the full cited paragraph
    quote: str  # the supporting span(s)
    score: float
    quote_spans: list[list[int]] = field(default_factory=list)  # [start, end) inside text
    start: int = 0  # offsets of the paragraph inside the cleaned document
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[dict[str, Any]]
    timings_ms: dict[str, float]
    resolved_question: str = ""
    confidence: float = 0.0
    mode: str = "extractive"

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question, "resolved_question": self.resolved_question, "answer": self.answer,
            "abstained": self.abstained, "confidence": round(self.confidence, 4), "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations], "retrieved": self.retrieved,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


def hit_to_evidence(hit: Hit, rank: int) -> dict[str, Any]:
    return {
        "rank": rank, "chunk_id": hit.chunk_id, "doc_id": hit.doc_id, "source": hit.source,
        "doc_title": hit.doc_title, "doc_type": hit.doc_type, "doc_number": hit.doc_number,
        "doc_date": hit.doc_date, "issuer": hit.issuer, "section": hit.section, "text": hit.text,
        "score": hit.score, "start": hit.start, "end": hit.end,
    }


def format_date(iso: str) -> str:
    parts = iso.split("-") if iso else []
    if len(parts) == 3:
        return f"ngày {parts[2]}/{parts[1]}/{parts[0]}"
    if len(parts) == 2:
        return f"tháng {parts[1]}/{parts[0]}"
    if len(parts) == 1 and parts[0]:
        return f"năm {parts[0]}"
    return ""


def source_phrase(hit: Hit) -> str:
    """"Công văn số …/PGDDĐT tháng 02/2025 của Phòng Giáo dục và Đào tạo huyện Bình Sơn"."""
    kind = hit.doc_type or "Văn bản"
    num = hit.doc_number
    out = kind
    if num:
        out += f" số …{num}" if num.startswith("/") else f" số {num}"
    date = format_date(hit.doc_date)
    if date:
        out += f" {date}"
    if hit.issuer:
        out += f" của {hit.issuer}"
    return out


@dataclass
class Unit:
    """A candidate statement: a sentence or list item inside a retrieved paragraph."""

    hit_rank: int
    start: int  # inside hit.text
    end: int
    text: str
    own: float  # weighted share of the question's terms found in the unit
    score: float


class TermWeights:
    """Inverse document frequency of folded syllables over the indexed chunks."""

    def __init__(self, df: dict[str, int], n_docs: int) -> None:
        self.df = df
        self.n = max(n_docs, 1)

    @classmethod
    def from_texts(cls, texts: list[str]) -> "TermWeights":
        df: dict[str, int] = {}
        for t in texts:
            for w in set(fold(x) for x in words(t)):
                df[w] = df.get(w, 0) + 1
        return cls(df, len(texts))

    def weight(self, term: str) -> float:
        d = self.df.get(term, 0)
        return math.log(1 + (self.n - d + 0.5) / (d + 0.5))


class ExtractiveAnswerer:
    def __init__(self, weights: TermWeights, threshold: float = 0.34, max_hits: int = 5) -> None:
        self.weights = weights
        self.threshold = threshold
        self.max_hits = max_hits

    # -- scoring ---------------------------------------------------------------------------
    def _query_terms(self, q: AnalyzedQuery) -> dict[str, float]:
        base = " ".join(q.expansions) if q.english else q.resolved + " " + " ".join(q.expansions)
        terms = {}
        for t in content_terms(base):
            w = self.weights.weight(t)
            if self.weights.df.get(t, 0) == 0:
                w = 0.5 if q.english else 1.0  # unseen words: typos or English, weak evidence
            terms[t] = max(terms.get(t, 0.0), w)
        return terms

    def confidence(self, q: AnalyzedQuery, hits: list[Hit]) -> tuple[float, float]:
        """(confidence in [0, 1], best lexical coverage) of the top evidence."""
        if not hits:
            return 0.0, 0.0
        qt = self._query_terms(q)
        best_cov = 0.0
        for h in hits[:3]:
            best_cov = max(best_cov, _coverage(qt, h.text + " " + " ".join(h.headings)))
        cos = max(h.score for h in hits[:3])
        dense = min(1.0, max(0.0, (cos - 0.78) / (0.90 - 0.78)))
        return 0.6 * best_cov + 0.4 * dense, best_cov

    def select(self, q: AnalyzedQuery, hits: list[Hit], contexts: list[Context]) -> list[Unit]:
        qt = self._query_terms(q)
        units: list[Unit] = []
        for rank, h in enumerate(hits[: self.max_hits]):
            head_cov = _coverage(qt, " ".join(h.headings))
            for a, z in _units(h.text):
                text = h.text[a:z]
                own = _coverage(qt, text)
                if own <= 0:
                    continue
                score = 0.65 * own + 0.15 * head_cov + 0.2 / (1 + rank)
                units.append(Unit(rank, a, z, text, own, score))
        if not units:
            return []
        units.sort(key=lambda u: -u.score)
        best = units[0]
        limit = 6 if q.kind == "list" else 3
        chosen: list[Unit] = []
        docs = {hits[best.hit_rank].doc_id}
        for u in units:
            if len(chosen) >= limit:
                break
            if u.score < 0.72 * best.score or u.own < 0.5 * best.own:
                continue
            if hits[u.hit_rank].doc_id not in docs and len(docs) >= 2:
                continue
            if any(_similar(u.text, c.text) for c in chosen):
                continue
            chosen.append(u)
            docs.add(hits[u.hit_rank].doc_id)
        # a list question whose best unit introduces a list: bring its items
        if q.kind == "list" and best.text.rstrip().endswith(":"):
            ctx = contexts[best.hit_rank] if best.hit_rank < len(contexts) else None
            if ctx:
                for c in ctx.after:
                    hits.append(c)
                    r = len(hits) - 1
                    chosen.append(Unit(r, 0, len(c.text), c.text, best.own, best.score))
        return chosen

    # -- writing ---------------------------------------------------------------------------
    def answer(self, q: AnalyzedQuery, hits: list[Hit], contexts: list[Context]) -> tuple[str, list[Citation], bool, float]:
        conf, cov = self.confidence(q, hits)
        if conf < self.threshold or cov < 0.25:
            return abstain_text(hits), [], True, conf
        units = self.select(q, hits, contexts)
        if not units:
            return abstain_text(hits), [], True, conf
        # citation numbers in order of first use; statements in document order per document
        primary = hits[units[0].hit_rank].doc_id
        units.sort(key=lambda u: (hits[u.hit_rank].doc_id != primary, hits[u.hit_rank].doc_id,
                                  hits[u.hit_rank].position, u.start))
        numbers: dict[str, int] = {}
        citations: list[Citation] = []
        by_doc: dict[str, list[tuple[Unit, int]]] = {}
        for u in units:
            h = hits[u.hit_rank]
            if h.chunk_id not in numbers:
                numbers[h.chunk_id] = len(numbers) + 1
                citations.append(_citation(numbers[h.chunk_id], h))
            cit = citations[numbers[h.chunk_id] - 1]
            cit.quote_spans.append([u.start, u.end])
            cit.quote = " … ".join(h.text[a:b] for a, b in sorted(cit.quote_spans))
            by_doc.setdefault(h.doc_id, []).append((u, numbers[h.chunk_id]))

        parts: list[str] = []
        lead = _lead(q, units, hits)
        if lead:
            parts.append(lead)
        for doc_id, items in by_doc.items():
            h = hits[items[0][0].hit_rank]
            statements = [(_statement(u.text), n) for u, n in items]
            if q.kind == "list" and len(statements) > 1:
                lines = "\n".join(f"- {s} [{n}]" for s, n in statements)
                parts.append(f"Theo {source_phrase(h)}:\n{lines}")
            else:
                body = " ".join(f"{s} [{n}]" for s, n in statements)
                parts.append(f"Theo {source_phrase(h)}: {body}")
        return "\n\n".join(parts), citations, False, conf


def abstain_text(hits: list[Hit]) -> str:
    titles = []
    for h in hits[:5]:
        label = source_phrase(h)
        if label not in titles:
            titles.append(label)
    if not titles:
        return NOT_FOUND
    return NOT_FOUND + " Các văn bản gần nhất với câu hỏi: " + "; ".join(titles[:2]) + "."


def _citation(n: int, h: Hit) -> Citation:
    return Citation(n, h.chunk_id, h.doc_id, h.source, h.doc_title, h.doc_type, h.doc_number, h.doc_date,
                    h.issuer, h.section, h.text, "", h.score, [], h.start, h.end)


def _coverage(qt: dict[str, float], text: str) -> float:
    if not qt:
        return 0.0
    present = set(fold(w) for w in words(text))
    total = sum(qt.values())
    return sum(w for t, w in qt.items() if t in present) / total if total else 0.0


def _units(text: str) -> list[tuple[int, int]]:
    """Sentences of a paragraph; a list item stays whole unless it is long."""
    if len(text) < 260 and text.lstrip()[:1] in "-–+•(":
        return [(0, len(text))]
    spans = split_sentences(text)
    # glue very short fragments ("1.") to the next sentence
    out: list[tuple[int, int]] = []
    for a, z in spans:
        if out and (out[-1][1] - out[-1][0] < 25):
            out[-1] = (out[-1][0], z)
        else:
            out.append((a, z))
    return out


def _similar(a: str, b: str) -> bool:
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) > 0.85


_MARKER = re.compile(r"^\s*(?:[-–+•]\s*|\((?:\d+|i\d+|[a-z])\)\s*|[a-zđ]\)\s*|\d+(?:\.\d+)*\.\s+)")


def _statement(text: str) -> str:
    s = _MARKER.sub("", text.strip()).strip()
    s = s.rstrip(" ;,")
    if not s.endswith((".", "!", "?", ":", "”", "./.")):
        s += "."
    return s.replace("./.", ".")


_DATE_EXPR = re.compile(
    r"(?:trước |từ |đến |sau |trong )?(?:ngày \d{1,2}/\d{1,2}(?:/\d{4})?|\d{1,2}/\d{1,2}/\d{4}|tháng \d{1,2}/\d{4}"
    r"|[Qq]uý [IV]+/\d{4}|học kỳ [IV]+ năm học \d{4}\s*-\s*\d{4}|năm học \d{4}\s*-\s*\d{4}"
    r"|\d{1,2}h\d{2} ngày \d{1,2}/\d{1,2}/\d{4}|năm \d{4})")
_NUMBER_EXPR = re.compile(r"\d+(?:[.,]\d+)?\s*(?:%|đại biểu|người|trường|đơn vị|ngày|tháng|năm|buổi|phân hệ|quan điểm|nội dung)?")


def _lead(q: AnalyzedQuery, units: list[Unit], hits: list[Hit]) -> str:
    """"Khi nào" questions lead with the date, "bao nhiêu" questions with the number."""
    if q.kind == "when":
        found: list[str] = []
        for u in units:
            for m in _DATE_EXPR.finditer(u.text):
                d = m.group().strip()
                if d not in found:
                    found.append(d)
        if found:
            return "Thời gian: " + "; ".join(found[:3]) + "."
    if q.kind == "number":
        qset = set(fold(w) for w in words(q.resolved))
        best = ""
        best_score = -1.0
        for u in units[:2]:
            for m in _NUMBER_EXPR.finditer(u.text):
                val = m.group().strip()
                if re.fullmatch(r"\d{4}", val) or re.fullmatch(r"(19|20)\d\d", val.split()[0]):
                    continue
                window = u.text[max(0, m.start() - 60) : m.end() + 30]
                s = len(qset & set(fold(w) for w in words(window)))
                if s > best_score:
                    best, best_score = val, s
        if best:
            return f"Con số: {best}."
    return ""
