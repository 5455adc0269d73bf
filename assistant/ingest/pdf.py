"""PDF pages to text in reading order, with the page each part came from.

Words and ruled tables come from pdfplumber (chosen on measured quality: eval/README.md,
"PDF readers"); a page without a text layer (a scan) is rasterized and read by Tesseract's
Vietnamese model (``ocr``), and its words go through the same layout steps:

- words -> lines (by vertical position) -> segments (split at wide horizontal gaps);
- a run of lines split at one common gutter (the two-column header: issuing body | quốc hiệu,
  or "Nơi nhận" | signature) is dissolved: the left column's lines, then the right column's;
- other lines are joined into paragraphs (a line that reaches the right margin continues on the
  next, unless that one is indented, starts a list item or sits after a wider gap);
- a ruled table becomes ``tables`` lines where it stands; a data table that a page break
  splits is joined (its repeated header row dropped).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.ingest.tables import SEP, Cell, Word, data_rows, is_layout, join_continued, table_lines

if TYPE_CHECKING:
    from assistant.core.settings import ReadLimits


@dataclass
class Line:
    words: list[Word]
    segments: list[list[Word]] = field(default_factory=list)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1

    @property
    def size(self) -> float:
        return statistics.median(w.size for w in self.words)


def _text(words: list[Word]) -> str:
    return " ".join(w.text for w in words)


# -- words -> lines -> segments --------------------------------------------------------------------


def group_lines(words: list[Word]) -> list[Line]:
    """Words on one visual line (their vertical middles within half a line height), left to right."""
    lines: list[Line] = []
    for w in sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0)):
        mid = (w.top + w.bottom) / 2
        if lines:
            last = lines[-1]
            last_mid = (last.top + last.bottom) / 2
            if abs(mid - last_mid) <= 0.45 * max(w.size, last.size):
                last.words.append(w)
                continue
        lines.append(Line([w]))
    for ln in lines:
        ln.words.sort(key=lambda w: w.x0)
        ln.segments = _segments(ln.words)
    return lines


def _segments(words: list[Word]) -> list[list[Word]]:
    """Split a line where the gap between words is wider than a few spaces: columns side by side."""
    size = statistics.median(w.size for w in words)
    gap = max(10.0, 1.6 * size)
    segs = [[words[0]]]
    for prev, w in zip(words, words[1:], strict=False):
        if w.x0 - prev.x1 > gap:
            segs.append([w])
        else:
            segs[-1].append(w)
    return segs


# -- lines -> paragraphs ---------------------------------------------------------------------------

_LIST_START = re.compile(
    r"^(?:[-–•+*]\s|\d+(?:\.\d+)*[.)]\s|[a-zđ]\)\s|[IVXLC]+\.\s|Điều\s+\d+|Chương\s+[IVXLC\d]+|"
    r"Mục\s+\d+|Phần\s+[IVXLC\d]+|\(\d+\)|Căn\s+cứ\b|Kính\s+gửi\b|Nơi\s+nhận\b)"
)


def _paragraphs(lines: list[Line], left: float, right: float) -> list[str]:
    """Join wrapped lines into paragraphs by geometry (see the module docstring)."""
    out: list[str] = []
    prev: Line | None = None
    for ln in lines:
        if len(ln.segments) >= 3:  # a row of a borderless table: its cells as a table row
            out.append(SEP.join(_text(seg) for seg in ln.segments))
            prev = None
            continue
        text = _text(ln.words)
        if prev is not None and out and _joins(prev, ln, left, right):
            out[-1] = out[-1] + " " + text
        else:
            out.append(text)
        prev = ln
    return out


def _joins(prev: Line, ln: Line, left: float, right: float) -> bool:
    """``ln`` continues the paragraph of ``prev``."""
    size = max(prev.size, ln.size)
    gap = ln.top - prev.bottom
    if gap >= 2.0 * size or len(prev.segments) >= 3:
        return False
    text = _text(ln.words)
    if text[:1].islower():
        return True
    reached_end = prev.x1 >= right - 2.5 * size
    indented = ln.x0 > left + 0.8 * size
    return reached_end and not indented and not _LIST_START.match(text) and gap < 1.2 * size


def _column_paragraphs(texts: list[tuple[Line, list[Word]]]) -> list[str]:
    """A column of a dissolved block: each line its own line, unless the next starts in lower
    case (a wrapped "V/v …" subject, a wrapped issuing body)."""
    out: list[str] = []
    for _, seg in texts:
        t = _text(seg)
        if out and t[:1].islower():
            out[-1] += " " + t
        else:
            out.append(t)
    return out


# -- two-column blocks -----------------------------------------------------------------------------


def _gutter(line: Line) -> tuple[float, float] | None:
    """The gap of a two-segment line (three or more segments: a row of a borderless table)."""
    if len(line.segments) != 2:
        return None
    return line.segments[0][-1].x1, line.segments[1][0].x0


def _side(seg: list[Word], gutter: tuple[float, float]) -> str | None:
    lo, hi = gutter
    x0, x1 = seg[0].x0, seg[-1].x1
    if x1 <= hi and x0 < lo:
        return "L"
    if x0 >= lo and x1 > hi:
        return "R"
    if x0 >= lo and x1 <= hi:  # inside the gutter: by its middle
        return "L" if (x0 + x1) / 2 < (lo + hi) / 2 else "R"
    return None  # straddles the gutter: full-width text


def _fits(line: Line, gutter: tuple[float, float]) -> bool:
    """Every segment of the line lies on one side of the gutter (none runs across it)."""
    return all(_side(s, gutter) is not None for s in line.segments)


def _close(a: Line, b: Line) -> bool:
    """Two lines of one block: no more than about two empty lines between them."""
    return b.top - a.bottom <= 2.6 * max(a.size, b.size)


def layout_lines(lines: list[Line], left: float, right: float) -> list[str]:
    """Lines of a region of a page (between tables) in reading order."""
    out: list[str] = []
    pending: list[Line] = []  # plain lines not yet written
    i = 0
    while i < len(lines):
        g = _gutter(lines[i])
        if g is None:
            pending.append(lines[i])
            i += 1
            continue
        lo, hi = g  # grow a block from line i over the lines below that fit the same gutter
        j = i + 1
        while j < len(lines) and _close(lines[j - 1], lines[j]):
            g2 = _gutter(lines[j])
            if g2 is not None and max(lo, g2[0]) < min(hi, g2[1]):
                lo, hi = max(lo, g2[0]), min(hi, g2[1])
            elif g2 is not None or not _fits(lines[j], (lo, hi)):
                break
            j += 1
        k = len(pending)  # and over the one-sided lines just above (a column that starts higher)
        while (
            k > 0
            and _close(pending[k - 1], pending[k] if k < len(pending) else lines[i])
            and _fits(pending[k - 1], (lo, hi))
            and not (k > 1 and _joins(pending[k - 2], pending[k - 1], left, right))
        ):
            k -= 1
        out.extend(_paragraphs(pending[:k], left, right))
        cols: dict[str, list[tuple[Line, list[Word]]]] = {"L": [], "R": []}
        for ln in pending[k:] + lines[i:j]:
            for seg in ln.segments:
                cols[_side(seg, (lo, hi)) or "L"].append((ln, seg))
        out.extend(_column_paragraphs(cols["L"]) + _column_paragraphs(cols["R"]))
        pending = []
        i = j
    out.extend(_paragraphs(pending, left, right))
    return out


# -- a page ---------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^(?:[-–]\s*)?(?:Trang\s+)?(\d{1,4})(?:\s*[-–])?(?:\s*/\s*\d{1,4})?$", re.I)


def page_items(words: list[Word], tables: list[tuple[float, list[list[Cell]]]], page_no: int) -> list[tuple]:
    """A page's content in reading order: ("text", lines) and ("table", rows) items. ``tables``
    are (top, rows) of the ruled tables; ``words`` those outside them."""
    lines = group_lines(words) if words else []
    lines = _drop_page_number(lines, page_no)
    body = [ln for ln in lines if len(ln.segments) == 1] or lines
    left = _percentile([ln.x0 for ln in body], 0.1) if body else 0.0
    right = _percentile([ln.x1 for ln in body], 0.9) if body else 0.0
    items: list[tuple] = []
    rest = lines
    for top, rows in sorted(tables, key=lambda t: t[0]):
        above = [ln for ln in rest if ln.bottom <= top + 1]
        rest = [ln for ln in rest if ln.bottom > top + 1]
        if above:
            items.append(("text", layout_lines(above, left, right)))
        items.append(("table", rows))
    if rest:
        items.append(("text", layout_lines(rest, left, right)))
    return [it for it in items if it[1]]


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _drop_page_number(lines: list[Line], page_no: int) -> list[Line]:
    """A page's printed number (alone on its first or last line) is not document text."""
    for idx in (0, -1):
        if lines:
            m = _PAGE_NUMBER.match(_text(lines[idx].words).strip())
            if m and int(m.group(1)) == page_no:
                lines = lines[1:] if idx == 0 else lines[:-1]
    return lines


def render_pages(pages: list[tuple[int, bool, list[tuple]]]) -> list[tuple[int, bool, list[str]]]:
    """Items of every page -> lines of every page, joining a data table that a page break split
    (the rows of each part stay on their own page)."""
    out: list[tuple[int, bool, list[str]]] = []
    open_table: list[list[Cell]] | None = None  # the data table that ended the previous page
    for page_no, ocr, items in pages:
        lines: list[str] = []
        for k, (kind, content) in enumerate(items):
            if kind == "text":
                lines.extend(content)
                continue
            joined = join_continued(open_table, content) if (k == 0 and open_table is not None) else None
            if joined is not None:
                lines.extend(data_rows(joined)[len(data_rows(open_table)) :])
                open_table = joined
            else:
                lines.extend(table_lines(content))
                open_table = None if is_layout(content) else content
            if k != len(items) - 1:
                open_table = None
        if items and items[-1][0] != "table":
            open_table = None
        out.append((page_no, ocr, lines))
    return out


# -- reading a file ------------------------------------------------------------------------------


def read_pdf(path: Path, limits: ReadLimits) -> list[tuple[int, bool, list[str]]]:
    """(page number, read by OCR, lines) for each page of the file."""
    import pdfplumber

    from assistant.core.errors import LoadError, TooLargeError
    from assistant.ingest.ocr import ocr_page

    pages: list[tuple[int, bool, list[tuple]]] = []
    chars = 0
    ocr_pages = 0
    with pdfplumber.open(str(path)) as pdf:
        count = len(pdf.pages)
        if limits.max_pdf_pages is not None and count > limits.max_pdf_pages:
            raise TooLargeError(
                f"{path.name}: PDF có {count:,} trang, vượt giới hạn {limits.max_pdf_pages:,} trang "
                f"(ASSISTANT_MAX_PDF_PAGES). Hãy tách thành các tệp nhỏ hơn."
            )
        for page in pdf.pages:  # page by page: the length limit stops a long PDF early
            n = page.page_number
            if len(page.chars) < 10 and _is_scan(page):
                ocr_pages += 1
                if limits.max_ocr_pages is not None and ocr_pages > limits.max_ocr_pages:
                    raise TooLargeError(
                        f"{path.name}: có hơn {limits.max_ocr_pages:,} trang ảnh quét cần nhận dạng chữ (OCR) "
                        f"(giới hạn ASSISTANT_OCR_MAX_PAGES). Hãy tách thành các tệp nhỏ hơn."
                    )
                words = ocr_page(page, n, path.name, limits)
                items = page_items(words, [], n)
                pages.append((n, True, items))
            else:
                found = page.find_tables()
                boxes = [t.bbox for t in found]
                words = [
                    Word(w["x0"], w["x1"], w["top"], w["bottom"], w["text"])
                    for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)
                    if not _inside(w, boxes)
                ]
                pages.append((n, False, page_items(words, [(t.bbox[1], _table_rows(t)) for t in found], n)))
            chars += sum(_item_chars(it) for it in pages[-1][2])
            limits.check_chars(chars, path.name)
            page.flush_cache()  # pdfplumber keeps every parsed page otherwise
    if not any(items for _, _, items in pages):
        raise LoadError(f"{path.name}: PDF không có nội dung văn bản")
    return render_pages(pages)


def _item_chars(item: tuple) -> int:
    kind, content = item
    if kind == "text":
        return sum(len(x) + 2 for x in content)
    return sum(len(c.text) + 3 for row in content for c in row)


def _is_scan(page) -> bool:
    """A page whose content is a picture: an image covering a good part of it and (almost) no text."""
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for im in page.images:
        covered += max(0.0, float(im["x1"]) - float(im["x0"])) * max(0.0, float(im["bottom"]) - float(im["top"]))
    return covered >= 0.25 * area


def _inside(w: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx, cy = (w["x0"] + w["x1"]) / 2, (w["top"] + w["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _table_rows(table) -> list[list[Cell]]:
    """pdfplumber's table as cells: a cell that pdfplumber leaves empty (None) because a merged
    cell covers it is the cell to its left (a horizontal merge) or the one above (a vertical one)."""
    texts = table.extract()
    rows: list[list[Cell]] = []
    col_x0: dict[int, float] = {}
    for r in table.rows:
        for j, box in enumerate(r.cells):
            if box is not None:
                col_x0[j] = min(col_x0.get(j, box[0]), box[0])
    for r, trow in zip(table.rows, texts, strict=False):
        cells: list[Cell] = []
        right_edge = None  # x1 of the last real cell in this row
        for j, (box, text) in enumerate(zip(r.cells, trow, strict=False)):
            if box is not None:
                cells.append(Cell(_cell_lines(text or ""), j, 1))
                right_edge = box[2]
            elif (
                cells
                and not cells[-1].merged_up
                and right_edge is not None
                and right_edge > col_x0.get(j, float("inf")) + 1
            ):
                cells[-1].span += 1
            else:
                cells.append(Cell([], j, 1, merged_up=True))
        rows.append(cells)
    return rows


def _cell_lines(text: str) -> list[str]:
    """A cell's lines; a line that starts in lower case continues the one before (a wrapped line)."""
    out: list[str] = []
    for ln in text.split("\n"):
        ln = " ".join(ln.split())
        if not ln:
            continue
        if out and ln[:1].islower():
            out[-1] += " " + ln
        else:
            out.append(ln)
    return out
