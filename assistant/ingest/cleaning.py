"""Turn raw directive text (scraped, hard-wrapped, page-marked) into clean paragraphs.

The output has one paragraph per block, separated by a blank line. Everything the cleaner
drops is returned in ``CleanResult.removed`` so tests can prove that no real content is lost.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass, field

TERMINAL = (".", ";", "!", "?", "…", "”", '"', ":", "./.")

# Lines that scraped document-sharing pages add around the real text.
_JUNK_LINE = re.compile(
    r"""^(?:
        \(\d{1,3}\)                              # page marker "(2)"
      | \d{1,5}\s+\d{1,5}                        # page footer "868 26"
      | [-_=~.]{3,}                              # decorative rule
      | \[r\]
      | N/A | Protected | Copied!
      | Academic\ year:\s*\d{4}
      | Chia\ sẻ\ ".*"
      | Loading\.+\s*\(view\ fulltext\ now\)
      | •?\s*Không\ có\ kết\ quả\ nào\ được\ tìm\ thấy
      | (?:Trang|Page)\s+\d+(?:\s*/\s*\d+)?
    )$""",
    re.X,
)
_SCRAPED_PAGE = re.compile(r"^Loading\.+\s*\(view fulltext now\)$", re.M)
_TAIL_JUNK = re.compile(r"^(?:Tài liệu tham khảo|Tài liệu liên quan|Xem thêm|Tải xuống)\s*$")
_TRAILING_RULE = re.compile(r"\s+[-_=]{3,}\s*$")
_EMPHASIS = re.compile(r"\*{1,3}(?=\S)|(?<=\S)\*{1,3}|(?<![\w])_{2}(?=\S)|(?<=\S)_{2}(?![\w])")
_MD_HEADING = re.compile(r"^#{1,6}\s+")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|/)[^)]*\)")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\ufeff\u00ad]")

# A paragraph that starts with one of these is a new structural unit, never a continuation.
MARKER = re.compile(
    r"""^(?:
        (?:Chương|Mục|Phần)\s+[IVXLCDM\d]+\b
      | Điều\s+\d+[a-zđ]?\.
      | [IVXLCDM]+\.\s
      | \d+(?:\.\d+)*\.\s | \d+\.\d+(?:\.\d+)*\s
      | \d+\)
      | [a-zđ]\)\s
      | [-–•+]\s?
      | \((?:\d+|[a-zđ]|i\d+)\)
    )""",
    re.X,
)


@dataclass
class CleanResult:
    text: str
    removed: list[str] = field(default_factory=list)


def normalize_unicode(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    return text


def clean_text(raw: str) -> CleanResult:
    """Clean one document's raw text. Pure function."""
    removed: list[str] = []
    lines = [_SPACES.sub(" ", ln).strip() for ln in normalize_unicode(raw).split("\n")]
    lines = _drop_scraped_frame(lines, removed)
    lines = [_clean_line(ln, removed) for ln in lines]
    paragraphs: list[str] = []
    for block in _blocks(lines):
        paragraphs.extend(_join_block(block))
    paragraphs = _repair_page_breaks(paragraphs)
    text = "\n\n".join(p for p in paragraphs if p)
    return CleanResult(unicodedata.normalize("NFC", text), removed)


def _drop_scraped_frame(lines: list[str], removed: list[str]) -> list[str]:
    """Document-sharing sites wrap the text in a header (title, share counts, "Loading…")
    and a tail ("Tài liệu liên quan" + other documents' snippets)."""
    joined = "\n".join(lines)
    if _SCRAPED_PAGE.search(joined):
        for i, ln in enumerate(lines):
            if _SCRAPED_PAGE.match(ln):
                # the real text starts after the first page marker "(1)" that follows
                for j in range(i + 1, min(i + 12, len(lines))):
                    if lines[j] == "(1)":
                        removed.extend(x for x in lines[: j + 1] if x)
                        lines = lines[j + 1 :]
                        break
                break
    cut = None
    for i in range(len(lines) - 1, int(len(lines) * 0.5), -1):
        if _TAIL_JUNK.match(lines[i]):
            cut = i
    if cut is not None:
        removed.extend(x for x in lines[cut:] if x)
        lines = lines[:cut]
    return lines


def _clean_line(line: str, removed: list[str]) -> str:
    if not line:
        return ""
    if _JUNK_LINE.match(line):
        removed.append(line)
        return ""
    if set(line) <= set("| "):
        removed.append(line)
        return ""
    if "|" in line:
        line = table_row(line, removed)
    m = _TRAILING_RULE.search(line)
    if m:
        removed.append(m.group().strip())
        line = line[: m.start()]
    m = _MD_HEADING.match(line)
    if m:
        removed.append(m.group().strip())
        line = line[m.end() :]
    for m in _EMPHASIS.finditer(line):
        removed.append(m.group())
    line = _EMPHASIS.sub("", line)
    line = _MD_LINK.sub(r"\1", line)
    return line.strip()


TABLE_SEP = " | "  # a data table's row: its cells joined by this, one row per line
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?$")  # markdown's "|---|---|"


def table_row(line: str, removed: list[str]) -> str:
    """A line with cell separators: a table row written as "a | b | c" (the form every reader
    produces for a data table), or one cell's text when only one cell holds any."""
    if _TABLE_RULE.match(line.strip()):
        removed.append(line)
        return ""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    filled = [c for c in cells if c]
    if len(filled) <= 1:
        removed.append("|" * line.count("|"))
        return filled[0] if filled else ""
    return TABLE_SEP.join(cells)


def is_table_row(line: str) -> bool:
    return TABLE_SEP in line


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = []
    current: list[str] = []
    for ln in lines:
        if ln:
            current.append(ln)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _is_hard_wrapped(block: list[str]) -> bool:
    """Text copied from a web page often arrives wrapped at a fixed width (~80 columns)."""
    if len(block) < 4:
        return False
    lengths = sorted(len(ln) for ln in block)
    p90 = lengths[int(len(lengths) * 0.9) - 1]
    if p90 > 130 or p90 < 40:
        return False
    near = sum(1 for n in lengths if n >= 0.75 * p90)
    return near >= 0.5 * len(lengths)


def _ends_paragraph(line: str, nxt: str) -> bool:
    if nxt[:1].islower():
        return False  # a wrapped sentence never restarts in lower case
    if line.endswith(":"):
        # "Số:" followed by the number on the next line is one header field
        return not (nxt[:1].isdigit() or nxt[:1].islower() or nxt.startswith("/"))
    return line.endswith(TERMINAL)


def _is_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _join_block(block: list[str]) -> list[str]:
    if not _is_hard_wrapped(block):
        return list(block)
    width = statistics.median(len(ln) for ln in block)
    paragraphs: list[str] = []
    current = [block[0]]
    for prev, ln in zip(block, block[1:], strict=False):
        first_line = len(current) == 1 and not (MARKER.match(prev) and ln[:1].isupper())
        short = len(prev) < 0.6 * width and not prev.endswith(("-", "–", ","))
        breaks = (
            _ends_paragraph(prev, ln)
            or MARKER.match(ln) is not None
            or (short and not first_line)
            or (_is_caps(prev) and not _is_caps(ln) and any(c.islower() for c in ln))
        )
        if breaks:
            paragraphs.append(" ".join(current))
            current = [ln]
        else:
            current.append(ln)
    paragraphs.append(" ".join(current))
    return paragraphs


_NUMBER_START = re.compile(r"^\d+(?:[/.,\-–]\d+)*(?:/[A-ZĐ][\wĐđ\-]*)?(?=[\s;,.%)]|$)")


def _continuing_words() -> frozenset[str]:
    import tomllib
    from pathlib import Path

    with open(Path(__file__).resolve().parent.parent / "data" / "vietnamese.toml", "rb") as fh:
        return frozenset(tomllib.load(fh)["line_continuing_words"])


_CONTINUING = _continuing_words()


def _continues(prev: str, p: str) -> bool:
    if is_table_row(p):
        return False
    if is_table_row(prev):  # a cell's text broken onto the next line: "… | Biên bản kiểm tra" | "của cơ quan y tế"
        return p[:1].islower()
    if p[:1].islower() and not prev.endswith(TERMINAL):
        return True
    if (
        _NUMBER_START.match(p)
        and not prev.endswith(TERMINAL)
        and not MARKER.match(p)
        and (not _is_caps(prev) or not any(c.isalpha() for c in p))
    ):
        # "Căn cứ Nghị định số" | "63/2010/NĐ-CP …"; "… ngày 26 tháng" | "11 năm 2025"; "… NĂM HỌC" | "2025-2026"
        return True
    if re.fullmatch(r"(?:Luật |Bộ luật )?[Ss]ố\s*:", prev) and (p[:1].isdigit() or p.startswith("/")):
        return True  # "Số:" | "04/CT-UBND" split by a table cell
    if prev.endswith(TERMINAL) or _is_caps(prev):
        return False
    last = prev.rsplit(None, 1)[-1] if prev.strip() else ""
    if (last in _CONTINUING or prev.endswith(",")) and p[:1].isupper() and not _is_caps(p) and not MARKER.match(p):
        return True  # "… tổ chức lại Ban Quản lý các" | "Khu kinh tế và Khu công nghiệp …"
    if MARKER.match(prev):
        return False
    # a cell-wrapped fragment: "An" | "Giang, ngày 14 tháng 9…" (not a name above a title: "Mai Sơn" | "QUY ĐỊNH")
    return len(prev.split()) <= 2 and len(prev) <= 10 and not any(c.isdigit() for c in prev) and not _is_caps(p)


def _repair_page_breaks(paragraphs: list[str]) -> list[str]:
    """A page break splits a sentence across two paragraphs: the second starts in lower case."""
    out: list[str] = []
    for p in paragraphs:
        if out and not MARKER.match(p) and _continues(out[-1], p):
            out[-1] = out[-1] + " " + p
        else:
            out.append(p)
    return out
