"""Data types that flow through the pipeline: files -> documents -> chunks -> hits -> answers.

Plain dataclasses, no behaviour beyond (de)serialisation, so every step can be tested alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class DocumentMeta:
    """What a directive's header says about it. Unknown fields stay empty strings."""

    doc_type: str = ""  # "Công văn", "Kế hoạch", "Chỉ thị", "Thông báo", "Luật"...
    number: str = ""  # as written after "Số:", e.g. "3677/TB-SGDDT" or "/KH-SGDĐT"
    issuer: str = ""  # "Sở Giáo dục và Đào tạo tỉnh Quảng Ninh"
    province: str = ""  # "Quảng Ninh"
    place: str = ""  # place written before the date ("Bình Sơn")
    date: str = ""  # ISO 8601 with only the known parts: "2023-12-15", "2025-02", "2023"
    date_text: str = ""  # as written: "ngày tháng 02 năm 2025"
    subject: str = ""  # trích yếu / V/v
    recipients: list[str] = field(default_factory=list)  # Kính gửi
    distribution: list[str] = field(default_factory=list)  # Nơi nhận
    signer: str = ""
    signer_title: str = ""  # the signature's role lines joined with " / ": "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    parent_issuer: str = ""  # the line above the issuing body in a two-line header: "Ủy ban nhân dân tỉnh Cao Bằng"
    effective_date: str = ""  # ISO date the document takes effect, when the text states it
    effective_text: str = ""  # the words that state it: "có hiệu lực thi hành kể từ ngày ký"
    replaces: list[str] = field(default_factory=list)  # numbers of the documents it repeals or replaces
    amends: list[str] = field(default_factory=list)  # numbers of the documents it amends

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentMeta:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


@dataclass
class Document:
    """A loaded, cleaned directive."""

    doc_id: str
    source: str  # path relative to the corpus root (or absolute when outside it)
    text: str  # cleaned text; chunk offsets point into it
    meta: DocumentMeta
    version: str  # content hash of the file + pipeline version

    @property
    def title(self) -> str:
        return document_title(self.meta, self.source)


# Types whose subject line is the document's own name: "LUẬT THANH NIÊN" is "Luật Thanh niên".
NAMED_TYPES = ("Luật", "Bộ luật", "Hiến pháp", "Pháp lệnh")
# Bodies that legislate for the whole country: their documents belong to no province.
NATIONAL_ISSUERS = ("Quốc hội", "Chính phủ", "Thủ tướng Chính phủ", "Ủy ban Thường vụ Quốc hội", "Chủ tịch nước")


def document_name(meta: DocumentMeta) -> str:
    """What people call the document: "Luật Giáo dục", "Bộ luật Dân sự"; else its type."""
    if meta.doc_type in NAMED_TYPES and meta.subject and len(meta.subject) <= 120:
        subject = meta.subject[:1].upper() + meta.subject[1:]
        return (
            subject
            if meta.doc_type == "Hiến pháp" and subject.startswith("Hiến pháp")
            else f"{meta.doc_type} {subject}".replace("Hiến pháp Hiến pháp", "Hiến pháp")
        )
    return meta.doc_type


def document_title(meta: DocumentMeta, source: str = "") -> str:
    """A short human label: "Luật Giáo dục số 43/2019/QH14", "Thông báo số 3677/TB-SGDDT: <subject>"."""
    if meta.doc_type in NAMED_TYPES and meta.subject:
        name = document_name(meta)
        return f"{name} số {meta.number}" if meta.number and not meta.number.startswith("/") else name
    head = meta.doc_type or "Văn bản"
    number = meta.number.strip()
    if number and not number.startswith("/"):
        head = f"{head} số {number}"
    elif number:
        head = f"{head} số …{number}"
    if meta.subject:
        subject = meta.subject if len(meta.subject) <= 140 else meta.subject[:139].rstrip() + "…"
        return f"{head}: {subject}"
    return head if (meta.doc_type or number) else source


@dataclass
class Block:
    """One paragraph of the body with its place in the section tree."""

    text: str
    start: int  # offsets into Document.text
    end: int
    kind: str  # marker kind: "roman", "num", "num2", "letter", "dash", "paren", "dieu", "plain"...
    marker: str  # the marker as written ("4.", "a)", "-", "Điều 3.") or ""
    path: list[str]  # labels of the ancestors, outermost first
    has_children: bool = False
    outline: list[tuple[str, str]] = field(default_factory=list)  # (kind, marker) of the ancestors
    columns: list[str] = field(default_factory=list)  # a table row: its table's column names
    cells: list[str] = field(default_factory=list)  # a table row: its cells


@dataclass
class Chunk:
    """The unit a citation points to: a paragraph, a list item, or a few merged tiny ones."""

    chunk_id: str  # stable: doc_id + hash of text/section + occurrence
    doc_id: str
    position: int  # order inside the document
    text: str  # exactly Document.text[start:end]
    start: int
    end: int
    section: str  # "4. Ứng dụng công nghệ ... > -"
    headings: list[str]  # the section labels above the chunk (used for context and embedding)
    # what the structure parser learned, carried forward so later stages need not re-derive it:
    kind: str = "plain"  # block kind of the chunk's first paragraph ("num", "letter", "dash", "dieu", …)
    marker: str = ""  # its list marker as written ("2.", "a)", "-", "Điều 3.")
    outline: list[tuple[str, str]] = field(default_factory=list)  # (kind, marker) of ancestors and itself
    article: str = ""  # laws: the number of the enclosing "Điều" ("32")
    locator: str = ""  # laws: "Điều 32, khoản 1, điểm a"
    page: int = 0  # the page of the source file it starts on (PDF; 0 when unknown)
    ocr: bool = False  # its text was read by OCR from a scanned page
    columns: list[str] = field(default_factory=list)  # a table row: its table's column names
    cells: list[str] = field(default_factory=list)  # a table row: its cells
    fields: list[str] = field(default_factory=list)  # the document's fields it states ("effective_date", …)

    def embed_text(self) -> str:
        """What the embedder sees: headings above the paragraph, then the paragraph; a table
        row with its nearest heading and each cell under its column's name."""
        if self.cells:
            return "\n".join([*self.headings[-1:], row_text(self.columns, self.cells)])
        if not self.headings:
            return self.text
        return "\n".join(self.headings) + "\n" + self.text


def row_text(columns: list[str], cells: list[str]) -> str:
    """A table row read on its own: "Tiêu chí: 2.1. Trụ sở làm việc; Mức điểm: 5" (cells without
    a column name as they are; empty cells left out)."""
    parts = []
    # a flattened table loses a row's merged leading cells ("| Trung học phổ thông | 130 | 200" under
    # "STT | Cấp học | Nông thôn | Thành thị"): a short row's cells are the last columns
    shift = len(columns) - len(cells) if 0 < len(cells) < len(columns) else 0
    for k, cell in enumerate(cells):
        if not cell:
            continue
        name = columns[k + shift] if k + shift < len(columns) else ""
        parts.append(f"{name}: {cell}" if name and name != cell else cell)
    return "; ".join(parts)


@dataclass
class Hit:
    """A retrieved chunk with its document metadata (a flat payload, as stored)."""

    chunk_id: str
    doc_id: str
    score: float
    text: str
    section: str
    position: int
    start: int
    end: int
    source: str
    doc_title: str
    doc_type: str
    doc_number: str
    doc_date: str
    issuer: str
    province: str
    headings: list[str] = field(default_factory=list)
    version: str = ""
    doc_name: str = ""  # "Luật Giáo dục"; the type for other documents
    kind: str = "plain"  # carried from the structure parser (see Chunk)
    marker: str = ""
    article: str = ""
    locator: str = ""
    page: int = 0
    ocr: bool = False
    columns: list[str] = field(default_factory=list)
    cells: list[str] = field(default_factory=list)
    effective_date: str = ""
    parent_issuer: str = ""
    fields: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


SIGNATURE_KIND = "signature"  # block kind of the signer's titles and name


HEADER_KIND = "header"  # the header's lines: issuing body, number, place and date, kind and subject


ROW_KIND = "row"  # a data table's row (its column names and cells carried on the block)
