"""Turn an answer into a draft reply in the standard administrative form (for officers): as
plain text (the UI's text box) and as a Word document laid out after Nghị định 30/2020/NĐ-CP,
Phụ lục I (mẫu 1.1, công văn).

Every reference in the draft comes from the cited documents' metadata, never from free text;
a part of a reference that is missing or doubtful (``reference_problems``) is never written as if
it were known: the draft leaves a marked gap ("[cần điền: số hiệu]") and says so in ``notes``.
What the officer still fills by hand: the reply's own number and date (văn thư), and signs.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.citations import format_date
from assistant.core.models import NAMED_TYPES, DocumentMeta, document_name
from assistant.core.textutil import fold

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

BLANK = "…………"  # the reply's own number and date: filled by the văn thư when it is issued
NO_BASIS = (
    "Chưa thể soạn công văn: câu trả lời chưa có căn cứ từ văn bản nào đã nạp. "
    "Hãy đặt lại câu hỏi hoặc nạp thêm văn bản liên quan."
)

# Nghị định 30/2020/NĐ-CP, Phụ lục I: A4; margins top/bottom 20–25 mm, left 30–35 mm,
# right 15–20 mm; Times New Roman (Unicode, TCVN 6909:2001); body 13–14 pt.
FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13  # quốc hiệu, tên cơ quan: 12–13 pt
SMALL_PT = 12  # trích yếu of a công văn, "Nơi nhận": 12 pt
LIST_PT = 11  # the recipients under "Nơi nhận"
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}

# A gap the officer must fill, marked so that it cannot pass for a value (highlighted in Word).
PLACEHOLDER = "[cần điền: {}]"
PLACEHOLDER_RE = re.compile(r"\[cần điền: [^\]]+\]")

# A cited paragraph up to this long is quoted whole; a longer one is quoted by its supporting
# sentences, each cut marked "…", with the whole paragraph in the appendix.
WHOLE_QUOTE_CHARS = 600

# The parts of a document's header other than its issuing body (Nghị định 30/2020/NĐ-CP, Phụ lục
# I, mục II: quốc hiệu và tiêu ngữ; số, ký hiệu; địa danh và thời gian; tên loại và trích yếu;
# nơi nhận): an "issuer" holding one of them was read across the header's columns, not from the
# issuing body alone. Folded, compared as words.
_NOT_ISSUER = (
    "cong hoa xa hoi chu nghia",
    "doc lap",
    "tu do",
    "hanh phuc",
    "so:",
    "v/v",
    "ve viec",
    "kinh gui",
    "noi nhan",
    "ngay",
    "thang",
    "nam 20",
)
# Heads of issuing bodies (Luật Tổ chức chính quyền địa phương 2015; Luật Tổ chức Chính phủ 2015;
# Nghị định 30/2020, Phụ lục I, mục II.2): two of them in one "issuer" are a parent body and its
# office read as one name ("Bộ Tài chính Cục Hải quan"), which the header writes on two lines.
_BODY_HEADS = (
    "Ủy ban nhân dân",
    "Uỷ ban nhân dân",
    "UBND",
    "Ubnd",
    "Hội đồng nhân dân",
    "HĐND",
    "Bộ",
    "Sở",
    "Cục",
    "Tổng cục",
    "Phòng",
)
# An office of a People's Committee (cơ quan chuyên môn thuộc Ủy ban nhân dân, Luật Tổ chức chính
# quyền địa phương 2015, Điều 9): a Sở at province level, a Phòng at district level. Its parent
# body is the Committee of the same place.
_OFFICE_OF_COMMITTEE = re.compile(
    r"^(?:Sở|Phòng)\s.+?\s(?P<unit>tỉnh|thành phố|huyện|quận|thị xã)\s+(?P<place>[A-ZĐÀ-Ỹ][^,;()]*)$"
)


class DraftError(ValueError):
    """The answer has nothing to base a reply on."""


@dataclass
class Draft:
    subject: str  # trích yếu, after "V/v"
    recipient: str  # Kính gửi (a marked gap when not given)
    sender: str  # cơ quan ban hành the reply (a marked gap when not given)
    bases: list[str]  # "Công văn số … của …": one per cited document, in order
    items: list[str] = field(default_factory=list)  # the answer's content, each with its reference
    parent: str = ""  # cơ quan chủ quản, above the sender in the header ("" when none is known)
    appendix: list[str] = field(default_factory=list)  # whole paragraphs of the quotes that were cut
    notes: list[str] = field(default_factory=list)  # what the officer must fill or check, and why
    signer_title: str = ""  # the signature block's title lines, " / " between them (a gap when unknown)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "recipient": self.recipient,
            "sender": self.sender,
            "parent": self.parent,
            "bases": self.bases,
            "items": self.items,
            "appendix": self.appendix,
            "notes": self.notes,
            "signer_title": self.signer_title,
        }


# -- what a reference may be built from ---------------------------------------------------------
_NUMBER_OK = re.compile(r"\d+[A-Za-zĐđ]?(?:[/-][\wĐđ&.]+)+")


def reference_problems(meta: DocumentMeta) -> list[str]:
    """The parts of a document's reference ("Kế hoạch số 158/KH-SGDĐT ngày 15/12/2023 của Sở …")
    that are missing or doubtful in its metadata, as field names: "doc_type", "number" (empty, or
    only a symbol: "/KH-SGDĐT"), "date" (not a whole calendar date: "2025-02"), "issuer" (empty,
    or holding another part of the header — the national motto "Cộng hòa xã hội chủ nghĩa …",
    "Độc lập", "Số:" — or two bodies read as one). A reference is written only from the others."""
    problems = []
    if not meta.doc_type.strip() or meta.doc_type.strip() == "Văn bản":
        problems.append("doc_type")
    if not _NUMBER_OK.fullmatch(meta.number.strip()):
        problems.append("number")
    if not _whole_date(meta.date):
        problems.append("date")
    if _doubtful_issuer(meta.issuer):
        problems.append("issuer")
    return problems


def _whole_date(iso: str) -> bool:
    try:
        datetime.date.fromisoformat((iso or "").strip())
        return len(iso.strip()) == 10
    except ValueError:
        return False


def _doubtful_issuer(issuer: str) -> bool:
    issuer = (issuer or "").strip()
    if not issuer or len(issuer) > 120 or re.search(r"\d", issuer) or not issuer[:1].isupper():
        return True
    spaced = " " + " ".join(re.findall(r"[\w:/]+", fold(issuer))) + " "
    if any(f" {w} " in spaced for w in _NOT_ISSUER):
        return True
    heads = sum(len(re.findall(r"(?:^|\s)" + re.escape(h) + r"(?=\s)", issuer)) for h in _BODY_HEADS)
    return heads > 1


FIELD_LABELS = {"doc_type": "loại văn bản", "number": "số hiệu", "date": "ngày ban hành", "issuer": "cơ quan ban hành"}


# -- references as an officer writes them --------------------------------------------------------
@dataclass
class _Doc:
    """A cited document as the reply names it."""

    doc_id: str
    meta: DocumentMeta
    source: str
    problems: list[str]
    named: bool = False  # named in full once already (later references are short)
    ambiguous: bool = False  # another cited document has the same type and no number either

    @property
    def kind(self) -> str:
        return document_name(self.meta) if "doc_type" not in self.problems else ""

    def reference(self, full: bool) -> str:
        """ "Kế hoạch số 158/KH-SGDĐT ngày 15/12/2023 của Sở …" (full) or "Kế hoạch số 158/KH-SGDĐT";
        only the parts that are known. One whose number is unknown is named by its date and issuer,
        then "Kế hoạch nêu trên" (its Căn cứ line asks for the number)."""
        m, p = self.meta, self.problems
        out = self.kind or "văn bản"
        if "number" not in p:
            out += f" số {m.number.strip()}"
            if not full:
                return out
        elif not full:
            return out + " nêu trên" + (f" của {m.issuer.strip()}" if self.ambiguous and "issuer" not in p else "")
        if "date" not in p:
            out += f" {format_date(m.date)}"
        if "issuer" not in p:
            out += f" của {m.issuer.strip()}"
        return out

    def basis(self) -> str:
        """The "Căn cứ" line (without "Căn cứ" and ";"): a marked gap for each unknown part."""
        m, p = self.meta, self.problems
        out = self.kind or PLACEHOLDER.format("loại văn bản")
        out += f" số {PLACEHOLDER.format('số hiệu') if 'number' in p else m.number.strip()}"
        out += f" ngày {PLACEHOLDER.format('ngày ban hành')}" if "date" in p else f" {format_date(m.date)}"
        if m.doc_type not in NAMED_TYPES or "issuer" in p:
            out += f" của {PLACEHOLDER.format('cơ quan ban hành') if 'issuer' in p else m.issuer.strip()}"
        # no "về <trích yếu>": the number, date and issuer name the document, and a subject read
        # from a header can be cut short without a sign of it ("… thủ tục hành chính, nâng")
        return out

    def note(self) -> str:
        shown = {
            "number": self.meta.number,
            "date": self.meta.date_text or self.meta.date,
            "issuer": self.meta.issuer,
            "doc_type": self.meta.doc_type,
        }
        parts = []
        for f in self.problems:
            seen = (shown.get(f) or "").strip()
            parts.append(FIELD_LABELS[f] + (f" (văn bản ghi “{seen}”)" if seen else ""))
        return (
            f"Căn cứ {self.kind or 'văn bản'} {self.source}: chưa rõ {', '.join(parts)} — hãy điền vào chỗ "
            f"“[cần điền: …]” trong bản thảo (đối chiếu bản gốc)."
        )


def locator(c: Mapping[str, Any]) -> str:
    """Where a paragraph is in its document, as an officer writes it: "mục II.1", "điểm a mục
    III.2", "mục 4", "điểm a khoản 1 Điều 72" (laws); "" for the opening paragraphs. Read from the
    section's outline markers, never from its headings' words."""
    if c.get("locator"):  # laws: "Điều 72, khoản 1, điểm a"
        return " ".join(reversed([p.strip() for p in c["locator"].split(",") if p.strip()]))
    numbers: list[str] = []
    letter, annex = "", ""
    for label in (c.get("section") or "").split(" > "):
        label = label.strip()
        if label.startswith("Phụ lục"):
            annex, numbers, letter = "Phụ lục", [], ""
        elif m := re.match(r"^([IVXLCDM]+)\.\s", label):
            numbers, letter = [m.group(1)], ""
        elif m := re.match(r"^(\d+(?:\.\d+)+)\.?\s", label):
            head = m.group(1)
            numbers = [n for n in numbers if not re.fullmatch(r"\d+", n)] + [head]
            letter = ""
        elif m := re.match(r"^(\d+)\.\s", label):
            numbers = [n for n in numbers if re.fullmatch(r"[IVXLCDM]+", n)] + [m.group(1)]
            letter = ""
        elif m := re.match(r"^([a-zđ])\)\s", label):
            letter = m.group(1)
    where = ".".join(numbers)
    out = " ".join(x for x in ((f"điểm {letter}" if letter else ""), (f"mục {where}" if where else ""), annex) if x)
    return out


# -- the subject line (trích yếu) ----------------------------------------------------------------
# Question words of Vietnamese and what the reply is about when they ask it (general grammar of
# wh-questions: "khi nào" asks a time, "bao nhiêu X" a number of X, "gì" a content …). Each:
# (pattern, head noun of the subject; "\1" takes a group). Order matters: longer phrases first.
_ASKS = [
    (r"(?:bao\s+)?gồm\s+(?:những\s+)?(?:gì|nội dung nào|những nội dung nào)", ""),
    (r"(?:những|các)\s+nội\s+dung\s+(?:gì|nào)", "nội dung"),
    (r"(?:diễn ra|được tổ chức|tổ chức)\s+(?:ở đâu|tại đâu|ở địa điểm nào|tại địa điểm nào)", "địa điểm"),
    (
        r"(?:diễn ra|được tổ chức|tổ chức)\s+(?:vào\s+)?(?:khi nào|bao giờ|lúc nào|thời gian nào|thời điểm nào)",
        "thời gian",
    ),
    (r"(?:vào\s+|từ\s+|trước\s+)?(?:ngày|hôm)\s+nào", "ngày"),
    (r"(?:vào\s+|trong\s+)?(?:năm)\s+nào", "năm"),
    (r"(?:vào\s+|trong\s+)?(?:tháng)\s+nào", "tháng"),
    (
        r"(?:vào\s+|từ\s+)?(?:khi nào|bao giờ|lúc nào|thời gian nào|thời điểm nào|thời hạn nào|(?:lúc\s+)?mấy\s+giờ)",
        "thời gian",
    ),
    (r"(?:ở|tại)\s+(?:đâu|địa điểm nào|nơi nào)", "địa điểm"),
    (r"(?:là\s+)?bao\s+nhiêu\s+phần\s+trăm|(?:là\s+)?bao\s+nhiêu\s+%", "tỷ lệ"),
    (
        r"(?:có\s+|được\s+|là\s+|gồm\s+)?(?:bao\s+nhiêu|mấy)\s+((?!(?:của|vào|trong|tại|ở|để|cho|với|được|là|và)\b)"
        r"[\wÀ-ỹ]+(?:\s(?!(?:của|vào|trong|tại|ở|để|cho|với|được|là|và)\b)[\wÀ-ỹ]+)?)",
        r"số \1",
    ),
    (r"(?:là\s+|trong\s+)?bao\s+lâu", "thời hạn"),
    (r"(?:là\s+)?bao\s+nhiêu", "mức"),
    (r"\bai\s+ký", "người ký"),
    (r"\b(?:do|bởi)\s+ai\b", ""),
    (r"\bai\s+là\b|\blà\s+ai\b", ""),
    (r"(?:cần|phải|được|sẽ)?\s*làm\s+gì", "nhiệm vụ của"),
    (r"để\s+làm\s+gì", "mục đích"),
    (r"\b(?:vì sao|tại sao)\b", "lý do"),
    (r"\blà\s+(?:những\s+)?(?:gì|cái gì|điều gì|việc gì)$", ""),  # "Mục đích của kế hoạch là gì": its subject
    (r"\b(?:là\s+)?(?:những\s+)?(?:gì|cái gì|điều gì|việc gì)\b", "nội dung"),
    (r"\b(?:như thế nào|thế nào|ra sao)\b", ""),
    (r"\b(?:những|các)\s+([\wÀ-ỹ]+)\s+nào\b", r"các \1 _KEEP_"),
    (r"\b([\wÀ-ỹ]+)\s+nào\b", r"\1 _KEEP_"),
]
_ASKS_RE = [(re.compile(p, re.I), head) for p, head in _ASKS]
# a head the rest of the question already names, in these words, is not repeated
_SAME_HEAD = {
    "thời gian": ("thời gian", "thời hạn", "thời điểm"),
    "thời hạn": ("thời gian", "thời hạn"),
    "mức": ("mức", "tỷ lệ", "số lượng"),
    "tỷ lệ": ("tỷ lệ",),
}
_FRAME_OPEN = re.compile(
    r"^\s*(?:(?:xin\s+)?(?:hãy\s+)?cho\s+(?:tôi\s+)?biết|tôi\s+muốn\s+biết(?:\s+thêm)?(?:\s+về)?|"
    r"xin\s+hỏi|cho\s+hỏi|có\s+phải(?:\s+là)?|phải\s+chăng)\s*,?\s*",
    re.I,
)
_FRAME_CLOSE = re.compile(
    r"(?:\s+|\s*,\s*)(?:đúng\s+hay\s+sai|đúng\s+không|có\s+đúng\s+không|phải\s+không|hay\s+không|"
    r"không|vậy|thế|ạ|nhỉ|nhé)\s*[?.!]*\s*$",
    re.I,
)
_CHOICES = re.compile(r"\s+A[.)]\s.+?\sB[.)]\s.*$", re.S)
_SOURCE_FRAME = re.compile(r"^\s*(?:[Tt]heo|[Cc]ăn cứ)\s+([^,?]{3,80}?),\s*")
_QUESTION_WORD = re.compile(r"\b(?:gì|nào|đâu|bao nhiêu|bao lâu|mấy|ai|sao)\b|\?", re.I)
# Words that open a proper name in administrative writing (bodies, document types, events) or a
# place: kept capitalised when the subject starts with them ("Sở GDĐT Quảng Ngãi", "Hội nghị …").
_PROPER_OPENERS = (
    "Ủy",
    "Uỷ",
    "UBND",
    "HĐND",
    "Hội đồng",
    "Sở",
    "Phòng",
    "Bộ",
    "Cục",
    "Tổng cục",
    "Ban",
    "Thủ tướng",
    "Chính phủ",
    "Quốc hội",
    "Tỉnh ủy",
    "Huyện ủy",
    "Thành ủy",
    "Đảng",
    "Nhà nước",
    "Hội nghị",
    "Đại hội",
    "Chỉ thị",
    "Thông báo",
    "Kế hoạch",
    "Công văn",
    "Quyết định",
    "Nghị quyết",
    "Nghị định",
    "Thông tư",
    "Luật",
    "Bộ luật",
    "Hiến pháp",
    "Pháp lệnh",
    "Công điện",
    "Hướng dẫn",
    "Chương trình",
    "Đề án",
    "Trường",
    "Trung tâm",
)


def _lower_first(text: str) -> str:
    """Lower-case the first word unless it opens a proper name ("Sở GDĐT …", "Hội nghị quán
    triệt …", "Quảng Ninh …", "THCS …")."""
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if first.isupper() or any(text == p or text.startswith(p + " ") for p in _PROPER_OPENERS):
        if first in ("Trường", "Trung tâm") and not re.match(r"^\S+\s+(?:[A-ZĐ][\wÀ-ỹ]*\s+)?[A-ZĐ][a-zà-ỹ]", text):
            return text[:1].lower() + text[1:]  # "Trường THCS phải …": a common noun; "Trường THCS Nguyễn Du": a name
        return text
    words = text.split()
    if len(words) > 1 and words[1][:1].isupper() and not words[1].isupper():
        return text  # "Quảng Ninh …", "An Giang …": a place
    return text[:1].lower() + text[1:]


def subject_from(question: str) -> str:
    """The reply's subject (after "V/v") phrased from the question's topic: "Trường THCS phải báo
    cáo gì sau năm học 2024-2025?" -> "nội dung trường THCS phải báo cáo sau năm học 2024-2025";
    "Hội nghị … có bao nhiêu đại biểu?" -> "số đại biểu Hội nghị …". "" when the question cannot
    be phrased as a subject (English, or a question word left over)."""
    from assistant.question.query import is_english

    q = re.sub(r"\s+", " ", question or "").strip()
    if not q or is_english(q):
        return ""
    q = _CHOICES.sub("", q).strip()
    source = ""
    m = _SOURCE_FRAME.match(q)
    if m:  # "Theo Luật Giáo dục 2019, …": the source goes after the topic
        source, q = m.group(1).strip(), q[m.end() :]
    opened = _FRAME_OPEN.sub("", q)
    statement = bool(re.match(r"^\s*(?:có\s+phải|phải\s+chăng)", q, re.I))
    q = opened
    for _ in range(2):
        closed = _FRAME_CLOSE.sub("", q).strip()
        statement = statement or bool(
            re.search(r"(?:đúng\s+hay\s+sai|đúng\s+không|phải\s+không)\s*[?.!]*\s*$", q, re.I)
        )
        q = closed
    q = q.rstrip(" ?.!").strip()
    # "Chỉ thị 04 yêu cầu các trường làm gì": what it asks of them, not their duties in general
    q = re.sub(r"\b((?:yêu cầu|đề nghị|giao|chỉ đạo)\s.+?)\s+(?:phải\s+|cần\s+)?làm\s+gì\b", r"\1 gì", q, flags=re.I)
    heads: list[str] = []
    for pattern, head in _ASKS_RE:
        m = pattern.search(q)
        if not m:
            continue
        if "_KEEP_" in head:  # "những huyện nào" -> "các huyện", in place
            q = q[: m.start()] + m.expand(head.replace(" _KEEP_", "")) + q[m.end() :]
            continue
        if head:
            heads.append(m.expand(head) if "\\" in head else head)
        q = q[: m.start()] + " " + q[m.end() :]
    q = re.sub(r"\s+", " ", q).strip(" ,;:-")
    q = re.sub(r"^(?:và|hoặc|thì|mà|là|có)\s+|\s+(?:và|hoặc|thì|mà|là|có|được|của|với)$", "", q).strip()
    if not q:
        return ""
    # a head the rest already names goes ("tỷ lệ … phấn đấu tỷ lệ trường đạt chuẩn")
    spaced = f" {fold(q)} "
    heads = [
        h for h in heads if not any(f" {fold(w)} " in spaced for w in _SAME_HEAD.get(h, (h.removesuffix(" của"),)))
    ]
    if not heads and statement:
        heads = ["làm rõ thông tin"]  # "Có phải … không?": the reply says whether it is so
    head = " và ".join(dict.fromkeys(heads))
    out = f"{head} {_lower_first(q)}" if head else _lower_first(q)
    if source:
        out += f" theo {source}"
    out = re.sub(r"\s+", " ", out).strip()
    if _QUESTION_WORD.search(out) or len(out.split()) < 2 or len(out) > 200:
        return ""
    return out


def _topic_from_citations(citations: list[Mapping[str, Any]], docs: dict[str, _Doc]) -> str:
    """A subject when the question gives none: the heading the first cited paragraph is under
    ("nội dung làm việc theo Kế hoạch số …"), else the cited document ("nội dung Thông báo số …")."""
    c = citations[0]
    d = docs[c["doc_id"]]
    ref = d.reference(full="number" in d.problems)  # the subject comes before the Căn cứ lines
    for label in reversed((c.get("section") or "").split(" > ")):
        label = re.sub(r"^(?:[IVXLCDM]+\.|\d+(?:\.\d+)*\.?|[a-zđ]\)|\(\w+\)|[-–+•])\s*", "", label.strip())
        if (
            label
            and not label.endswith("…")
            and label not in ("Kính gửi", "Nơi nhận", "Người ký")
            and len(label.split()) >= 2
            and not label.startswith("Phụ lục")
        ):
            return f"{_lower_first(label.rstrip('.:;'))} theo {ref}"
    return f"nội dung {ref}"


# -- the reply -----------------------------------------------------------------------------------
_MARKER = re.compile(r"^\s*(?:[-–+•]|\((?:\d+|i\d+)\)|[a-zđ]\)|\d+(?:\.\d+)*\.)\s*")
# what an answer leads with that a reply states too: a verdict, a choice (the quote that follows
# says the rest: "Con số: 550 đại biểu." is not how a letter says it)
_LEAD = re.compile(r"^(?:Nhận định|Đáp án):\s")


def parent_body(sender: str, documents: Mapping[str, DocumentMeta]) -> str:
    """The body above the sender in the header ("Ủy ban nhân dân huyện Bình Sơn" above "Phòng Giáo
    dục và Đào tạo"): from an indexed document the sender issued, else by the rule for offices of
    a People's Committee (a Sở, a Phòng); "" when neither knows."""
    key = fold(sender.strip())
    if not key:
        return ""
    for meta in documents.values():
        if meta.parent_issuer and fold(meta.issuer.strip()) == key and not _doubtful_issuer(meta.parent_issuer):
            return meta.parent_issuer.strip()
    m = _OFFICE_OF_COMMITTEE.match(sender.strip())
    if m:
        return f"Ủy ban nhân dân {m.group('unit')} {m.group('place').strip()}"
    return ""


def _one_line(text: str) -> str:
    """A paragraph of several lines ("Quý II/2023: …;\n\n- Quý III/2023: …") as one sentence: its
    lines joined by "; ", without their list markers or the closing "./"."""
    lines = [_MARKER.sub("", ln).strip().rstrip(" ;,") for ln in re.split(r"\s*\n+\s*", text.strip())]
    return "; ".join(ln for ln in lines if ln).rstrip(" ./;:")


def _quote(c: Mapping[str, Any]) -> tuple[str, bool]:
    """The cited paragraph as the reply quotes it, without its list marker: whole when short,
    else its supporting sentences with every cut marked "…" (True: it was cut)."""
    if (c.get("section") or "") == "Người ký":
        lines = [ln.strip() for ln in re.split(r"\s*\n+\s*", c.get("text") or "") if ln.strip()]
        if len(lines) > 1:  # "Nguyễn Thành Lâm (TL. GIÁM ĐỐC / … / PHÓ CHÁNH VĂN PHÒNG) ký"
            return f"Người ký: {lines[-1]} ({' / '.join(lines[:-1])})", False
    body = _one_line(c.get("text") or "")
    spans = sorted(tuple(s) for s in (c.get("quote_spans") or []))
    if len(body) <= WHOLE_QUOTE_CHARS or not spans:
        return body, False
    raw = c.get("text") or ""
    offset = len(raw) - len(raw.lstrip())
    marker = _MARKER.match(raw)
    start_of_body = marker.end() if marker else offset
    pieces, pos = [], 0
    for a, b in spans:
        if a < pos:
            continue
        pieces.append(re.sub(r"\s*\n+\s*", " ", raw[a:b]).strip())
        pos = b
    out = " … ".join(_one_line(p) for p in pieces if p)
    if spans[0][0] > start_of_body + 1:
        out = "… " + out
    tail = raw[spans[-1][1] :].strip(" ./;:\n")
    if tail:
        out = out.rstrip(" .;:") + " …"
    return out, True


def build_draft(
    answer: dict[str, Any],
    recipient: str = "",
    sender: str = "",
    subject: str = "",
    parent: str = "",
    documents: Mapping[str, DocumentMeta] | None = None,
) -> Draft:
    """The draft reply to an answer. ``documents``: the indexed documents' metadata (doc_id ->
    DocumentMeta; the cited ones at least): each reference is built from it, only from its
    known parts; without it, from the citations' own fields."""
    citations = answer.get("citations") or []
    if answer.get("abstained") or not citations:
        raise DraftError(NO_BASIS)
    documents = documents or {}
    docs: dict[str, _Doc] = {}
    for c in citations:
        if c["doc_id"] in docs:
            continue
        meta = documents.get(c["doc_id"]) or DocumentMeta(
            doc_type=c.get("doc_type", ""),
            number=c.get("doc_number", ""),
            issuer=c.get("issuer", ""),
            date=c.get("doc_date", ""),
        )
        docs[c["doc_id"]] = _Doc(c["doc_id"], meta, c.get("source") or c["doc_id"], reference_problems(meta))
    for d in docs.values():
        d.ambiguous = (
            "number" in d.problems and sum(1 for o in docs.values() if o.kind == d.kind and "number" in o.problems) > 1
        )
    notes = [d.note() for d in docs.values() if d.problems]
    items: list[str] = []
    appendix: list[str] = []
    lead = (answer.get("answer") or "").split("\n\n", 1)[0].strip()
    if lead and not lead.startswith("Theo ") and _LEAD.match(lead):
        # what the answer leads with: a verdict, "Con số: 550 đại biểu.", "Người ký: …"
        items.append(lead)
    for c in citations:
        d = docs[c["doc_id"]]
        where = locator(c)
        content, cut = _quote(c)
        ref = d.reference(full=not d.named)
        d.named = True
        whole = ""
        if cut:
            text = re.sub(r"\s*\n+\s*", " ", c.get("text") or "").strip()
            appendix.append(f"[{len(appendix) + 1}] {where + ' ' if where else ''}{d.reference(full=True)}: “{text}”")
            whole = f"; toàn văn tại Phụ lục, mục {len(appendix)}"
        items.append(f"{content} (theo {where + ' ' if where else ''}{ref}{whole}).")
    phrased = (
        subject.strip()
        or subject_from(answer.get("resolved_question") or answer.get("question") or "")
        or _topic_from_citations(citations, docs)
    )
    if not subject.strip():
        notes.append(
            f"Trích yếu “V/v {phrased}” được đặt theo câu hỏi và văn bản trích dẫn: sửa lại nếu cần "
            "(--subject, hoặc ô Trích yếu)."
        )
    sender = sender.strip()
    parent = parent.strip() or parent_body(sender, documents)
    signer = ""
    own = [(d, m) for d, m in documents.items() if sender and m.signer_title and fold(m.issuer.strip()) == fold(sender)]
    if own:  # the sender's own signature block, from a document it issued
        doc_id, meta = own[0]
        signer = meta.signer_title
        ref = _Doc(doc_id, meta, doc_id, reference_problems(meta)).reference(full=True)
        notes.append(f"Chức vụ người ký “{signer}” lấy theo {ref}: sửa nếu người khác ký.")
    missing = [
        (label, flag)
        for label, flag, value in (
            ("Kính gửi", "--recipient", recipient.strip()),
            ("cơ quan ban hành", "--sender", sender),
        )
        if not value
    ]
    if missing:
        notes.insert(
            0,
            f"Chưa có {' và '.join(m[0] for m in missing)}: hãy điền ({', '.join(m[1] for m in missing)}, "
            "hoặc các ô của mẫu soạn) rồi soạn lại, hoặc điền vào chỗ “[cần điền: …]” trong bản thảo.",
        )
    replaced = _replaced(docs, documents)
    notes.extend(replaced)
    return Draft(
        subject=phrased,
        recipient=recipient.strip() or PLACEHOLDER.format("nơi nhận (Kính gửi)"),
        sender=sender or PLACEHOLDER.format("tên cơ quan ban hành"),
        bases=[d.basis() for d in docs.values()],
        items=items,
        parent=parent,
        appendix=appendix,
        notes=notes,
        signer_title=signer or PLACEHOLDER.format("quyền hạn, chức vụ của người ký"),
    )


def _replaced(docs: dict[str, _Doc], documents: Mapping[str, DocumentMeta]) -> list[str]:
    """Notes on cited documents that another indexed document says it replaces or amends."""
    out = []
    for d in docs.values():
        if "number" in d.problems:
            continue
        mine = fold(d.meta.number.strip())
        for doc_id, meta in documents.items():
            if doc_id == d.doc_id:
                continue
            for verb, numbers in (("thay thế", meta.replaces), ("sửa đổi, bổ sung", meta.amends)):
                if any(fold(n.strip()) == mine for n in numbers):
                    out.append(
                        f"{d.reference(full=False)} đã được {document_name(meta) or 'văn bản'} "
                        f"số {meta.number} {verb}: kiểm tra trước khi viện dẫn."
                    )
    return out


def draft_reply(
    answer: dict[str, Any],
    recipient: str = "",
    sender: str = "",
    subject: str = "",
    parent: str = "",
    documents: Mapping[str, DocumentMeta] | None = None,
) -> str:
    """A draft "công văn trả lời" as text: the header, Kính gửi, Căn cứ …, the content with its
    references, Nơi nhận, the signature block, and the appendix of whole quotes."""
    try:
        d = build_draft(answer, recipient, sender, subject, parent, documents)
    except DraftError as e:
        return str(e)
    return draft_text(d)


def draft_text(d: Draft) -> str:
    lines = []
    if d.parent:
        lines.append(d.parent.upper())
    lines += [
        _sender_line(d).upper() if not PLACEHOLDER_RE.fullmatch(d.sender) else d.sender,
        f"Số: {BLANK}/{BLANK}",
        f"V/v {d.subject}",
        "",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"{BLANK}, ngày {BLANK} tháng {BLANK} năm {BLANK}",
        "",
        f"Kính gửi: {d.recipient}",
        "",
    ]
    lines += [f"Căn cứ {b};" for b in d.bases]
    lines += ["", f"{d.sender} trả lời như sau:", ""]
    lines += [f"- {item}" for item in d.items]
    lines += [
        "",
        f"{d.sender} trân trọng thông báo để Quý cơ quan biết, thực hiện./.",
        "",
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT.",
        "",
        *d.signer_title.split(" / "),
        "(Chữ ký của người có thẩm quyền, dấu của cơ quan)",
        PLACEHOLDER.format("họ và tên người ký"),
    ]
    if d.appendix:
        lines += ["", "PHỤ LỤC: TOÀN VĂN CÁC ĐOẠN TRÍCH DẪN", *d.appendix]
    return "\n".join(lines)


def _sender_line(d: Draft) -> str:
    """The issuing body under its parent: "Phòng Giáo dục và Đào tạo" under "Ủy ban nhân dân huyện
    Bình Sơn" (the place is the parent's); the whole name when there is no parent."""
    if d.parent:
        m = _OFFICE_OF_COMMITTEE.match(d.sender)
        if m and fold(m.group("place")) in fold(d.parent):
            return d.sender[: m.start("unit")].strip()
    return d.sender


def draft_docx(
    answer: dict[str, Any],
    recipient: str = "",
    sender: str = "",
    subject: str = "",
    parent: str = "",
    documents: Mapping[str, DocumentMeta] | None = None,
) -> bytes:
    """The draft reply as a .docx (bytes), in the layout of a công văn: raises DraftError when
    the answer cites nothing."""
    return render_docx(build_draft(answer, recipient, sender, subject, parent, documents))


# characters XML 1.0 (and so Word) cannot hold: control characters (PDF text keeps \x0b, \x0c),
# lone surrogates, the two non-characters
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def render_docx(d: Draft) -> bytes:
    d = Draft(
        _xml_safe(d.subject),
        _xml_safe(d.recipient),
        _xml_safe(d.sender),
        [_xml_safe(b) for b in d.bases],
        [_xml_safe(i) for i in d.items],
        _xml_safe(d.parent),
        [_xml_safe(a) for a in d.appendix],
        d.notes,
        _xml_safe(d.signer_title),
    )
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Mm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    _east_asian_font(normal.element, FONT)
    normal.paragraph_format.space_after = Pt(0)

    def para(
        cell_or_doc,
        text: str = "",
        size: int = BODY_PT,
        bold: bool = False,
        italic: bool = False,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        first_line: float | None = None,
        space_after: int = 0,
    ):
        p = cell_or_doc.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        if first_line is not None:
            p.paragraph_format.first_line_indent = Cm(first_line)
        if text:
            _add_runs(p, text, size, bold, italic)
        return p

    # header: parent and issuing body, number and subject on the left; national title, motto and
    # date on the right
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    _widths(head, Cm(7.0), Cm(9.5))
    center = WD_ALIGN_PARAGRAPH.CENTER
    sender_line = _sender_line(d)
    sender_line = sender_line if PLACEHOLDER_RE.fullmatch(sender_line) else sender_line.upper()
    if d.parent:
        _set_text(left.paragraphs[0], d.parent.upper(), HEADER_PT, align=center)
        para(left, sender_line, HEADER_PT, bold=True, align=center)
    else:
        _set_text(left.paragraphs[0], sender_line, HEADER_PT, bold=True, align=center)
    para(left, "────────", HEADER_PT, align=center)
    para(left, f"Số: {BLANK}/{BLANK}", HEADER_PT, align=center)
    para(left, f"V/v {d.subject}", SMALL_PT, align=center)
    _set_text(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", HEADER_PT - 1, bold=True, align=center)
    para(right, "Độc lập - Tự do - Hạnh phúc", HEADER_PT + 1, bold=True, align=center)
    para(right, "───────────────", HEADER_PT, align=center)
    para(right, f"{BLANK}, ngày {BLANK} tháng {BLANK} năm {BLANK}", HEADER_PT + 1, italic=True, align=center)

    para(doc)
    para(doc, f"Kính gửi: {d.recipient}", BODY_PT, align=center, space_after=12)
    just = WD_ALIGN_PARAGRAPH.JUSTIFY
    for b in d.bases:
        para(doc, f"Căn cứ {b};", BODY_PT, align=just, first_line=1.0, space_after=6)
    para(doc, f"{d.sender} trả lời như sau:", BODY_PT, align=just, first_line=1.0, space_after=6)
    for item in d.items:
        para(doc, f"- {item}", BODY_PT, align=just, first_line=1.0, space_after=6)
    para(
        doc,
        f"{d.sender} trân trọng thông báo để Quý cơ quan biết, thực hiện./.",
        BODY_PT,
        align=just,
        first_line=1.0,
        space_after=12,
    )

    # footer: recipients on the left, the signer's block on the right
    foot = doc.add_table(rows=1, cols=2)
    left, right = foot.rows[0].cells
    _widths(foot, Cm(7.5), Cm(8.5))
    _set_text(left.paragraphs[0], "Nơi nhận:", SMALL_PT, bold=True, italic=True)
    para(left, "- Như trên;", LIST_PT)
    para(left, "- Lưu: VT.", LIST_PT)
    titles = d.signer_title.split(" / ") if not PLACEHOLDER_RE.fullmatch(d.signer_title) else [d.signer_title]
    _set_text(right.paragraphs[0], titles[0], HEADER_PT + 1, bold=True, align=center)
    for t in titles[1:]:
        para(right, t, HEADER_PT + 1, bold=True, align=center)
    para(right, "(Chữ ký của người có thẩm quyền, dấu của cơ quan)", BODY_PT, italic=True, align=center)
    for _ in range(3):
        para(right)
    para(right, PLACEHOLDER.format("họ và tên người ký"), BODY_PT, bold=True, align=center)

    if d.appendix:
        brk = doc.add_paragraph().add_run()
        brk.add_break(WD_BREAK.PAGE)
        para(doc, "PHỤ LỤC", BODY_PT, bold=True, align=center)
        para(doc, "TOÀN VĂN CÁC ĐOẠN TRÍCH DẪN", BODY_PT, bold=True, align=center)
        para(
            doc,
            f"(Kèm theo Công văn số {BLANK}/{BLANK} ngày {BLANK})",
            BODY_PT,
            italic=True,
            align=center,
            space_after=12,
        )
        for a in d.appendix:
            para(doc, a, BODY_PT, align=just, first_line=1.0, space_after=6)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _widths(table, *widths) -> None:
    """Fixed column widths, in the grid (which LibreOffice reads) and in every cell (which Word
    reads): the national title stays on one line."""
    table.autofit = False
    for col, w in zip(table.columns, widths, strict=False):
        col.width = w
        for cell in col.cells:
            cell.width = w


def _add_runs(p, text: str, size: int, bold: bool = False, italic: bool = False) -> None:
    """``text`` as runs of ``p``; every "[cần điền: …]" gap highlighted, so it cannot pass for a value."""
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import Pt

    pos = 0
    for m in [*PLACEHOLDER_RE.finditer(text), None]:
        end = m.start() if m else len(text)
        for piece, gap in ((text[pos:end], False), (m.group() if m else "", True)):
            if not piece:
                continue
            run = p.add_run(piece)
            run.font.size, run.font.bold, run.font.italic = Pt(size), bold or gap, italic
            run.font.name = FONT
            if gap:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        if m:
            pos = m.end()


def _set_text(p, text: str, size: int, bold: bool = False, italic: bool = False, align=None) -> None:
    if align is not None:
        p.alignment = align
    _add_runs(p, text, size, bold, italic)


def _east_asian_font(style_element, name: str) -> None:
    """python-docx sets only the Latin font slots; Word picks the eastAsia/cs slots for some
    characters, so name the font there too."""
    from docx.oxml.ns import qn

    rpr = style_element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(slot), name)
