"""Citation types, the answer object and the reference phrases, shared by the extractive and
the LLM answer paths (and by the draft reply): one place decides how a source is named."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from assistant.core.models import Hit


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
    doc_name: str = ""  # "Luật Giáo dục" (laws); the type for other documents
    locator: str = ""  # laws: "Điều 32, khoản 1, điểm a"
    page: int = 0  # the page of the source file the paragraph starts on (PDF; 0: unknown)
    ocr: bool = False  # the paragraph was read by OCR from a scanned page: its wording may differ
    effective_date: str = ""  # when the cited document takes effect, if it says

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


OCR_NOTE = "văn bản nhận dạng từ ảnh quét (OCR)"


def where_phrase(page: int, ocr: bool) -> str:
    """ "trang 3", "trang 2 · văn bản nhận dạng từ ảnh quét (OCR)", "" for a file without pages."""
    parts = [f"trang {page}"] if page else []
    if ocr:
        parts.append(OCR_NOTE)
    return " · ".join(parts)


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
    # statements to verify and multiple choice: {"label": "Đúng"/"Sai"/letter, "differences", "support"}
    verdict: dict[str, Any] | None = None
    # what the question named: {"named": [...], "missing": "...", "doc_ids": [...] or None}
    scope: dict[str, Any] | None = None
    # a question typed without diacritics as it was understood, with them ("" when not restored)
    restored_question: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "resolved_question": self.resolved_question,
            "restored_question": self.restored_question,
            "answer": self.answer,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "mode": self.mode,
            "verdict": self.verdict,
            "scope": self.scope,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": self.retrieved,
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }


def shown_section(section: str) -> str:
    """A section path as people read it: a bare bullet ("… > -") is the item's address inside the
    index (chunk ids keep it), not a heading to show."""
    return re.sub(r"(?:\s*>\s*[-–+•])+$", "", section)


def hit_to_evidence(hit: Hit, rank: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "chunk_id": hit.chunk_id,
        "doc_id": hit.doc_id,
        "source": hit.source,
        "doc_title": hit.doc_title,
        "doc_type": hit.doc_type,
        "doc_number": hit.doc_number,
        "doc_date": hit.doc_date,
        "issuer": hit.issuer,
        "section": shown_section(hit.section),
        "text": hit.text,
        "score": hit.score,
        "start": hit.start,
        "end": hit.end,
        "doc_name": hit.doc_name,
        "article": hit.article,
        "locator": hit.locator,
        "page": hit.page,
        "ocr": hit.ocr,
        "effective_date": hit.effective_date,
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


def reference_phrase(doc_type: str, doc_number: str, doc_date: str, issuer: str, name: str = "") -> str:
    """ "Công văn số …/PGDDĐT tháng 02/2025 của Phòng Giáo dục và Đào tạo huyện Bình Sơn",
    "Luật Giáo dục số 43/2019/QH14 ngày 14/06/2019 của Quốc hội", "Luật Thanh niên"."""
    out = name or doc_type or "Văn bản"
    if doc_number:
        out += f" số …{doc_number}" if doc_number.startswith("/") else f" số {doc_number}"
    date = format_date(doc_date)
    if date:
        out += f" {date}"
    if issuer:
        out += f" của {issuer}"
    return out


def source_phrase(hit: Hit) -> str:
    return reference_phrase(hit.doc_type, hit.doc_number, hit.doc_date, hit.issuer, hit.doc_name)


def citation_from_hit(n: int, h: Hit) -> Citation:
    return Citation(
        n,
        h.chunk_id,
        h.doc_id,
        h.source,
        h.doc_title,
        h.doc_type,
        h.doc_number,
        h.doc_date,
        h.issuer,
        shown_section(h.section),
        h.text,
        "",
        h.score,
        [],
        h.start,
        h.end,
        h.doc_name,
        h.locator,
        h.page,
        h.ocr,
        h.effective_date,
    )


class CitationBook:
    """Numbers citations in order of first use, one per paragraph, and collects the supporting
    spans of each; both the extractive and the LLM path number their [n] markers with it."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._numbers: dict[str, int] = {}

    def cite(self, hit: Hit, span: tuple[int, int] | None = None) -> int:
        """The citation number of ``hit``'s paragraph; ``span`` (inside its text) joins its quote."""
        n = self._numbers.get(hit.chunk_id)
        if n is None:
            n = self._numbers[hit.chunk_id] = len(self.citations) + 1
            self.citations.append(citation_from_hit(n, hit))
        if span is not None:
            c = self.citations[n - 1]
            if list(span) not in c.quote_spans:
                c.quote_spans.append(list(span))
                c.quote = " … ".join(c.text[a:b] for a, b in sorted(c.quote_spans))
        return n
