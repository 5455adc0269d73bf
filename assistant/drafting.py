"""Turn an answer into a draft reply in the standard administrative form (for officers): as
plain text (the UI's text box) and as a Word document laid out after Nghị định 30/2020/NĐ-CP,
Phụ lục I (mẫu 1.1, công văn).

Every reference in the draft comes from the cited documents' metadata, never from free text.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from .citations import reference_phrase

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

BLANK = "…………"  # a gap the officer fills in by hand (số, ngày, tên)
NO_BASIS = ("Chưa thể soạn công văn: câu trả lời chưa có căn cứ từ văn bản nào đã nạp. "
            "Hãy đặt lại câu hỏi hoặc nạp thêm văn bản liên quan.")

# Nghị định 30/2020/NĐ-CP, Phụ lục I: A4; margins top/bottom 20–25 mm, left 30–35 mm,
# right 15–20 mm; Times New Roman (Unicode, TCVN 6909:2001); body 13–14 pt.
FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13  # quốc hiệu, tên cơ quan: 12–13 pt
SMALL_PT = 12  # trích yếu of a công văn, "Nơi nhận": 12 pt
LIST_PT = 11  # the recipients under "Nơi nhận"
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}


class DraftError(ValueError):
    """The answer has nothing to base a reply on."""


@dataclass
class Draft:
    subject: str  # trích yếu, after "V/v"
    recipient: str  # Kính gửi
    sender: str  # cơ quan ban hành the reply
    bases: list[str]  # "Công văn số … của …": one per cited document, in order
    items: list[str] = field(default_factory=list)  # the answer's content, each with its reference


def document_reference(c: dict[str, Any]) -> str:
    return reference_phrase(c.get("doc_type", ""), c.get("doc_number", ""), c.get("doc_date", ""), c.get("issuer", ""),
                            c.get("doc_name", ""))


# words that open a question sentence: written in lower case after "V/v trả lời"
_QUESTION_OPENERS = frozenset("Có Những Các Ai Khi Bao Tại Theo Trường Làm Việc Thời Nội Phải Được Giáo Học Nhà "
                              "Mức Hạn Đối Cuộc Hội Kết Quy".split())


def build_draft(answer: dict[str, Any], recipient: str = "", sender: str = "", subject: str = "") -> Draft:
    citations = answer.get("citations") or []
    if answer.get("abstained") or not citations:
        raise DraftError(NO_BASIS)
    docs: list[dict[str, Any]] = []
    for c in citations:
        if c["doc_id"] not in [d["doc_id"] for d in docs]:
            docs.append(c)
    refs = {d["doc_id"]: document_reference(d) for d in docs}
    items = []
    for c in citations:
        quote = c.get("quote") or c.get("text") or ""
        quote = re.sub(r"^\s*(?:[-–+•]|\((?:\d+|i\d+)\)|[a-zđ]\)|\d+(?:\.\d+)*\.)\s*", "", quote).strip()
        sec = re.sub(r"(?: > (?:[-–+•]|\((?:\d+|i\d+)\)))+$", "", c.get("section") or "")
        section = f", mục {sec}" if sec and sec not in ("Kính gửi", "Nơi nhận") else ""
        items.append(f"{quote.rstrip('.;')} (theo {refs[c['doc_id']]}{section}).")
    if answer.get("verdict"):
        # a statement to verify or a choice: the reply says which, then quotes the provision
        items.insert(0, (answer.get("answer") or "").split("\n", 1)[0].strip())
    question = (answer.get("question") or "").strip().rstrip("?").strip()
    first, _, rest = question.partition(" ")
    if first in _QUESTION_OPENERS:  # "V/v trả lời có phải …", not "trả lời Có phải …"
        question = f"{first.lower()} {rest}".strip()
    return Draft(subject=subject.strip() or f"trả lời {question}", recipient=recipient.strip(),
                 sender=sender.strip(), bases=[refs[d["doc_id"]] for d in docs], items=items)


def draft_reply(answer: dict[str, Any], recipient: str = "", sender: str = "", subject: str = "") -> str:
    """A draft "công văn trả lời" as text: Kính gửi, Căn cứ …, the content with references, Nơi nhận."""
    try:
        d = build_draft(answer, recipient, sender, subject)
    except DraftError as e:
        return str(e)
    unit = d.sender or "[Tên đơn vị]"
    lines = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "", f"V/v {d.subject}", "",
             f"Kính gửi: {d.recipient or '…………………………'}", ""]
    lines += [f"Căn cứ {b};" for b in d.bases]
    lines += ["", f"{unit} trả lời như sau:", ""]
    lines += [f"- {item}" for item in d.items]
    lines += ["", f"{unit} trân trọng thông báo để Quý cơ quan biết, thực hiện./.", "",
              "Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    return "\n".join(lines)


def draft_docx(answer: dict[str, Any], recipient: str = "", sender: str = "", subject: str = "") -> bytes:
    """The draft reply as a .docx (bytes), in the layout of a công văn: raises DraftError when
    the answer cites nothing."""
    return render_docx(build_draft(answer, recipient, sender, subject))


# characters XML 1.0 (and so Word) cannot hold: control characters (PDF text keeps \x0b, \x0c),
# lone surrogates, the two non-characters
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def render_docx(d: Draft) -> bytes:
    d = Draft(_xml_safe(d.subject), _xml_safe(d.recipient), _xml_safe(d.sender), [_xml_safe(b) for b in d.bases],
              [_xml_safe(i) for i in d.items])
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
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

    def para(cell_or_doc, text: str = "", size: int = BODY_PT, bold: bool = False, italic: bool = False,
             align=WD_ALIGN_PARAGRAPH.LEFT, first_line: float | None = None, space_after: int = 0):
        p = cell_or_doc.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        if first_line is not None:
            p.paragraph_format.first_line_indent = Cm(first_line)
        if text:
            run = p.add_run(text)
            run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
            run.font.name = FONT
        return p

    # header: issuing body, number and subject on the left; national title, motto and date on the right
    head = doc.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)
    left.paragraphs[0].text = ""
    center = WD_ALIGN_PARAGRAPH.CENTER
    _set_text(left.paragraphs[0], (d.sender or "TÊN CƠ QUAN, TỔ CHỨC BAN HÀNH").upper(), HEADER_PT, bold=True,
              align=center)
    para(left, "────────", HEADER_PT, align=center)
    para(left, f"Số: {BLANK}/{BLANK}", HEADER_PT, align=center)
    para(left, f"V/v {d.subject}", SMALL_PT, align=center)
    _set_text(right.paragraphs[0], "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", HEADER_PT - 1, bold=True, align=center)
    para(right, "Độc lập - Tự do - Hạnh phúc", HEADER_PT + 1, bold=True, align=center)
    para(right, "───────────────", HEADER_PT, align=center)
    para(right, f"{BLANK}, ngày {BLANK} tháng {BLANK} năm {BLANK}", HEADER_PT + 1, italic=True, align=center)

    para(doc)
    para(doc, f"Kính gửi: {d.recipient or BLANK * 3}", BODY_PT, align=center, space_after=12)
    just = WD_ALIGN_PARAGRAPH.JUSTIFY
    for b in d.bases:
        para(doc, f"Căn cứ {b};", BODY_PT, align=just, first_line=1.0, space_after=6)
    unit = d.sender or "[Tên đơn vị]"
    para(doc, f"{unit} trả lời như sau:", BODY_PT, align=just, first_line=1.0, space_after=6)
    for item in d.items:
        para(doc, f"- {item}", BODY_PT, align=just, first_line=1.0, space_after=6)
    para(doc, f"{unit} trân trọng thông báo để Quý cơ quan biết, thực hiện./.", BODY_PT, align=just,
         first_line=1.0, space_after=12)

    # footer: recipients on the left, the signer's block on the right
    foot = doc.add_table(rows=1, cols=2)
    left, right = foot.rows[0].cells
    left.width, right.width = Cm(7.5), Cm(8.5)
    _set_text(left.paragraphs[0], "Nơi nhận:", SMALL_PT, bold=True, italic=True)
    para(left, "- Như trên;", LIST_PT)
    para(left, "- Lưu: VT.", LIST_PT)
    _set_text(right.paragraphs[0], "QUYỀN HẠN, CHỨC VỤ CỦA NGƯỜI KÝ", HEADER_PT + 1, bold=True, align=center)
    para(right, "(Chữ ký của người có thẩm quyền, dấu của cơ quan)", BODY_PT, italic=True, align=center)
    for _ in range(3):
        para(right)
    para(right, "Họ và tên", BODY_PT, bold=True, align=center)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _set_text(p, text: str, size: int, bold: bool = False, italic: bool = False, align=None) -> None:
    from docx.shared import Pt

    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
    run.font.name = FONT


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
