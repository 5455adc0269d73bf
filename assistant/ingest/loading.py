"""Read files of the supported formats into raw text. I/O lives here, nothing else does.

Every failure is a ``LoadError`` with a message a user can act on; the ingest step reports it
and goes on with the other files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assistant.core.errors import LoadError, TooLargeError, ToolUnavailableError
from assistant.core.settings import ReadLimits

SUPPORTED = {".txt", ".md", ".docx", ".doc", ".pdf", ".html", ".htm"}


@dataclass(frozen=True)
class PageSpan:
    """Where a page's text lies in ``RawFile.text``: [start, end), its 1-based number, and
    whether the text was read by OCR from a scanned image."""

    start: int
    end: int
    page: int
    ocr: bool = False


@dataclass
class RawFile:
    path: Path
    source: str  # path relative to the corpus root, with "/" separators
    text: str
    sha256: str
    pages: list[PageSpan] = field(default_factory=list)  # PDFs: the page of each part of the text


def discover(paths: list[Path]) -> tuple[list[tuple[Path, Path]], list[tuple[Path, str]]]:
    """Walk folders recursively. Returns (file, root) pairs and (path, reason) for unusable ones."""
    found: list[tuple[Path, Path]] = []
    problems: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts):
                    reason = _unusable_name(f)
                    if reason:
                        problems.append((f, reason))
                    elif f.suffix.lower() in SUPPORTED:
                        found.append((f, p))
                    else:
                        problems.append(
                            (
                                f,
                                f"định dạng {f.suffix or '(không có đuôi)'} không được hỗ trợ "
                                f"(hỗ trợ: {', '.join(sorted(SUPPORTED))})",
                            )
                        )
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED:
                found.append((p, p.parent))
            else:
                problems.append((p, f"định dạng {p.suffix or '(không có đuôi)'} không được hỗ trợ"))
        else:
            problems.append((p, "không tìm thấy tệp hoặc thư mục"))
    return found, problems


def _unusable_name(f: Path) -> str:
    """Why a file found in a folder is not read: a symbolic link (it may point anywhere, e.g.
    /etc/passwd, and what is indexed is served to every user), or a name that is not UTF-8."""
    if f.is_symlink():
        return (
            "liên kết tượng trưng (symlink): không đọc, vì có thể trỏ ra ngoài thư mục văn bản; hãy chép tệp thật vào"
        )
    try:
        str(f).encode("utf-8")
    except UnicodeEncodeError:
        return "tên tệp không phải UTF-8: hãy đổi tên tệp"
    return ""


def doc_id_for(source: str) -> str:
    """A readable, stable id from the relative path: "sub/Quy Hoạch.txt" -> "sub--quy-hoach".
    The name is NFKC-normalized first (a Mac's NFD "Công văn", fullwidth "Ｆｕｌｌ" are the same
    names as "Công văn", "Full"); letters the slug cannot spell ("文件", "通知") add a short hash of
    the name, so two such names are two documents: "文件.txt" -> "document-3f1c9a2b"."""
    from assistant.core.textutil import fold

    stem = unicodedata.normalize("NFKC", source).rsplit(".", 1)[0]
    folded = fold(stem)
    slug = re.sub(r"-*/-*", "--", re.sub(r"[^a-z0-9/]+", "-", folded).strip("-"))
    if any(c.isalpha() and not "a" <= c <= "z" for c in folded):
        digest = hashlib.sha256(stem.encode("utf-8", "replace")).hexdigest()[:8]
        return f"{slug or 'document'}-{digest}"
    return slug or "document"


def read_file(path: Path, root: Path, limits: ReadLimits | None = None) -> RawFile:
    limits = limits or ReadLimits()
    data = _read_bytes(path)
    try:
        source = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        source = path.name
    suffix = path.suffix.lower()
    pages: list[PageSpan] = []
    if suffix in (".txt", ".md"):
        text = _decode(data, path)
    elif suffix in (".html", ".htm"):
        text = _html_text(_decode(data, path))
    elif suffix == ".docx":
        text = _docx_text(path, limits)
    elif suffix == ".doc":
        text = _doc_text(path, data, limits)
    elif suffix == ".pdf":
        text, pages = _pdf_text(path, limits)
    else:
        raise LoadError(f"{path.name}: định dạng không được hỗ trợ")
    limits.check_chars(len(text), path.name)
    if not text.strip():
        raise LoadError(f"{path.name}: tệp không có nội dung văn bản")
    return RawFile(path, source, text, hashlib.sha256(data).hexdigest(), pages)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise LoadError(f"{path.name}: không đọc được tệp ({e.strerror})") from e
    if not data.strip():
        raise LoadError(f"{path.name}: tệp rỗng")
    return data


def _decode(data: bytes, path: Path) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError(f"{path.name}: tệp nhị phân, không phải văn bản")
    for enc in ("utf-8-sig", "utf-16"):
        try:
            if enc == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                continue
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = ""
    if text and _looks_vietnamese(text):
        return text
    raise LoadError(f"{path.name}: không phải UTF-8 (mã hóa lạ). Hãy lưu lại tệp với mã hóa UTF-8 rồi nạp lại.")


def _looks_vietnamese(text: str) -> bool:
    sample = text[:2000]
    return bool(re.search(r"[ăâđêôơưĂÂĐÊÔƠƯ]", sample))


def _html_text(html: str) -> str:
    """The page's text in document order: one line per paragraph, heading, list item or layout
    cell; tables as ``tables`` writes them (data rows with " | ", layout tables dissolved)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "form", "button"]):
        tag.decompose()
    main = soup.find("article") or soup.find("main") or soup.body or soup
    lines = [ln for ln in _html_lines(main) if ln]
    return "\n\n".join(lines)


_HTML_BLOCKS = {
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "section",
    "article",
    "main",
    "table",
    "tr",
    "td",
    "th",
    "tbody",
    "thead",
    "tfoot",
    "dl",
    "dt",
    "dd",
    "center",
    "aside",
    "figure",
    "figcaption",
    "caption",
    "body",
    "hr",
}


def _html_lines(el) -> list[str]:
    """Lines of an element: inline text gathered into a line until the next block starts."""
    from bs4 import NavigableString, Tag

    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        for part in "".join(buf).split("\n"):
            t = " ".join(part.split())
            if t:
                out.append(t)
        buf.clear()

    for child in el.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # not a comment or a doctype
                buf.append(str(child))
        elif isinstance(child, Tag):
            if child.name == "br":
                buf.append("\n")
            elif child.name == "table":
                flush()
                out.extend(_html_table_lines(child))
            elif child.name in _HTML_BLOCKS:
                flush()
                inner = _html_lines(child)
                if child.name == "li" and inner and not re.match(r"^[-–•+]|\d+\.|[a-z]\)", inner[0]):
                    inner[0] = "- " + inner[0]
                out.extend(inner)
            elif child.find(["table", "p", "div", "li"]) is not None:  # an inline tag wrapping blocks
                flush()
                out.extend(_html_lines(child))
            else:
                buf.append(child.get_text())
    flush()
    return out


def _html_table_lines(table) -> list[str]:
    from assistant.ingest.tables import Cell, table_lines

    rows: list[list[Cell]] = []
    below: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is not table:
            continue  # a nested table's row: its outer cell reads it
        cells: list[Cell] = []
        col = 0
        for td in tr.find_all(["td", "th"], recursive=False):
            while below.get(col, 0) > 0:  # a cell merged from above sits here: repeat it
                cells.append(Cell([], col, 1, True))
                below[col] -= 1
                col += 1
            span = _html_int(td.get("colspan"))
            down = _html_int(td.get("rowspan"))
            cells.append(Cell(_html_lines(td), col, span))
            for j in range(col, col + span):
                if down > 1:
                    below[j] = down - 1
            col += span
        for j in sorted(k for k, v in below.items() if v > 0 and k >= col):
            cells.append(Cell([], j, 1, True))
            below[j] -= 1
        rows.append(cells)
    return table_lines(rows)


def _html_int(value) -> int:
    try:
        return max(1, min(1000, int(str(value).strip())))
    except (TypeError, ValueError):
        return 1


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_MAX_DOCX_ENTRIES = 10_000  # a real .docx has dozens; the zip directory itself costs memory


class _CountingReader:
    """A file object that stops with TooLargeError once more than ``limit`` bytes were read:
    the decompressed size is checked while decompressing, whatever the zip header claims."""

    def __init__(self, raw, limit: int | None, name: str) -> None:
        self.raw, self.limit, self.name, self.count = raw, limit, name, 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.raw.read(n if n and n > 0 else 1 << 16)
        self.count += len(chunk)
        if self.limit is not None and self.count > self.limit:
            raise TooLargeError(
                f"{self.name}: nội dung .docx sau khi giải nén quá lớn (hơn "
                f"{self.limit // (1024 * 1024)} MB XML; giới hạn ASSISTANT_MAX_DOCX_XML_MB)."
            )
        return chunk


def _docx_text(path: Path, limits: ReadLimits) -> str:
    """Text of a .docx read as a stream (see ``_docx_stream_text``), without building the whole
    XML tree, so size and length limits apply while reading."""
    import zipfile

    from lxml import etree

    bad = f"{path.name}: tệp .docx hỏng hoặc không hợp lệ"
    try:
        with zipfile.ZipFile(path) as z:
            if len(z.infolist()) > _MAX_DOCX_ENTRIES:
                raise LoadError(f"{bad} (quá nhiều thành phần nén)")
            part = _docx_main_part(z)
            max_xml = limits.max_docx_xml_bytes
            if max_xml is not None and z.getinfo(part).file_size > max_xml:  # the header's claim: fail fast
                raise TooLargeError(
                    f"{path.name}: nội dung .docx sau khi giải nén quá lớn "
                    f"({z.getinfo(part).file_size // (1024 * 1024)} MB XML, giới hạn "
                    f"{max_xml // (1024 * 1024)} MB: ASSISTANT_MAX_DOCX_XML_MB)."
                )
            with z.open(part) as raw:
                return _docx_stream_text(_CountingReader(raw, max_xml, path.name), limits, path.name, etree)
    except LoadError:
        raise
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError, OSError, EOFError, ValueError) as e:
        raise LoadError(f"{bad} ({type(e).__name__})") from e


def _docx_main_part(z) -> str:
    """The main document part named by the package relationships (usually word/document.xml)."""
    import posixpath

    try:
        rels = z.read("_rels/.rels") if z.getinfo("_rels/.rels").file_size < 1 << 20 else b""
    except KeyError:
        rels = b""
    for m in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = m.group(0)
        kind = re.search(rb'Type="([^"]+)"', tag)
        target = re.search(rb'Target="([^"]+)"', tag)
        if kind and target and kind.group(1).decode() == _OFFICE_DOCUMENT:
            name = posixpath.normpath(target.group(1).decode().lstrip("/"))
            if name in z.namelist():
                return name
    return "word/document.xml"


_PROPERTIES = {_W + t for t in ("rPr", "pPr", "tblPr", "sectPr", "tblGrid")}


def _docx_stream_text(stream, limits: ReadLimits, name: str, etree) -> str:
    """The body in document order: each paragraph a line, each table where it stands (layout
    tables dissolved into their cells' lines, data tables one line per row: see ``tables``).
    A top-level table's rows are turned into cells as each row ends and then freed, so a long
    table costs its text, not its XML."""
    from assistant.ingest.tables import table_lines

    body, tag_p, tag_t, tag_tr, tag_tbl = _W + "body", _W + "p", _W + "t", _W + "tr", _W + "tbl"
    out: list[str] = []
    rows: list = []  # the open top-level table's rows
    seen = 0  # all text read so far, wherever it sits: bounds a single giant paragraph too
    context = etree.iterparse(
        stream, events=("end",), resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
    )
    for _, el in context:
        tag = el.tag
        if tag == tag_t:
            seen += len(el.text or "")
            limits.check_chars(seen, name)
            continue
        if tag in _PROPERTIES:
            el.clear()  # formatting: not needed, and most of a Word file's bytes
            continue
        parent = el.getparent()
        if parent is None:
            continue
        if tag in (_W + "tcPr", _W + "trPr"):
            _keep_merge_marks(el, parent)  # what the table needs of them, before they go
            el.clear()
            continue
        if tag == tag_tr and parent.getparent() is not None and parent.getparent().tag == body:
            rows.append(_docx_row(el))  # a row of a top-level table: keep its cells, free its XML
            _free(el, parent)
            continue
        if parent.tag != body:
            continue
        if tag == tag_p:
            out.append(_paragraph_text(el))
        elif tag == tag_tbl:
            out.extend(table_lines(rows))
            rows = []
        else:  # a content control or other wrapper at body level: its paragraphs and tables
            out.extend(_docx_block_lines(el))
        _free(el, parent)
    return "\n\n".join(p for p in out if p.strip())


def _free(el, parent) -> None:
    """A finished element: free it and what came before it."""
    el.clear()
    while el.getprevious() is not None:
        del parent[0]


def _keep_merge_marks(props, owner) -> None:
    """Copy a cell's gridSpan/vMerge (tcPr) or a row's gridBefore (trPr) onto the cell or row as
    plain attributes: the properties element itself is cleared to save memory."""
    for child in props:
        key = child.tag.rsplit("}", 1)[-1]
        if key in ("gridSpan", "gridBefore"):
            owner.set("_" + key, child.get(_W + "val", "1"))
        elif key == "vMerge":
            owner.set("_vMerge", child.get(_W + "val", "continue"))


def _docx_row(tr) -> list:
    from assistant.ingest.tables import Cell

    cells = []
    col = int(tr.get("_gridBefore", "0") or 0)
    for tc in tr.iter(_W + "tc"):
        if tc.getparent() is not tr and not _in_row_wrapper(tc, tr):
            continue  # a cell of a nested table: part of its outer cell's lines
        span = max(1, int(tc.get("_gridSpan", "1") or 1))
        cells.append(Cell(_docx_block_lines(tc), col, span, tc.get("_vMerge") == "continue"))
        col += span
    return cells


def _in_row_wrapper(tc, tr) -> bool:
    """A cell wrapped in a content control (w:sdt/w:customXml) directly inside the row."""
    p = tc.getparent()
    while p is not None and p is not tr:
        if p.tag in (_W + "tc", _W + "tbl"):
            return False
        p = p.getparent()
    return p is tr


def _docx_block_lines(container) -> list[str]:
    """Lines of a cell or wrapper in order: its paragraphs, and nested tables as table lines."""
    from assistant.ingest.tables import table_lines

    out: list[str] = []
    for child in container:
        if child.tag == _W + "p":
            out.extend(_paragraph_text(child).split("\n"))
        elif child.tag == _W + "tbl":
            out.extend(table_lines([_docx_row(tr) for tr in child if tr.tag == _W + "tr"]))
        elif child.tag in (_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "smartTag"):
            out.extend(_docx_block_lines(child))
    return [x for x in out if x.strip()]


def _paragraph_text(p) -> str:
    """A paragraph's text: its runs, and those inside hyperlinks, insertions, fields and controls."""
    out: list[str] = []
    for child in p:
        if child.tag == _W + "r":
            out.append(_run_text(child))
        elif child.tag in _RUN_WRAPPERS:  # tracked insertions, fields, content controls: still text
            out.append(_paragraph_text(child))
    return "".join(out)


_RUN_WRAPPERS = {_W + t for t in ("hyperlink", "ins", "smartTag", "fldSimple", "sdt", "sdtContent", "customXml")}


def _run_text(r) -> str:
    out: list[str] = []
    for e in r:
        tag = e.tag
        if tag == _W + "t":
            out.append(e.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            out.append("\t")
        elif tag == _W + "cr":
            out.append("\n")
        elif tag == _W + "br":
            out.append("\n" if e.get(_W + "type", "textWrapping") == "textWrapping" else "")
        elif tag == _W + "noBreakHyphen":
            out.append("-")
    return "".join(out)


def _pdf_text(path: Path, limits: ReadLimits) -> tuple[str, list[PageSpan]]:
    """A PDF's text (see ``pdf``) with the span of each page; scanned pages read by OCR."""
    from assistant.ingest.pdf import read_pdf

    try:
        pages = read_pdf(path, limits)
    except LoadError:
        raise
    except MemoryError:
        raise
    except Exception as e:  # pdfminer and pypdfium2 raise many internal types on corrupt input
        raise LoadError(f"{path.name}: PDF hỏng hoặc không đọc được ({type(e).__name__})") from e
    parts: list[str] = []
    spans: list[PageSpan] = []
    pos = 0
    for page_no, ocr, lines in pages:
        text = "\n\n".join(ln for ln in lines if ln.strip())
        if not text:
            continue
        if parts:
            pos += 2  # the "\n\n" between pages
        spans.append(PageSpan(pos, pos + len(text), page_no, ocr))
        parts.append(text)
        pos += len(text)
    return "\n\n".join(parts), spans


def _doc_text(path: Path, data: bytes, limits: ReadLimits) -> str:
    """A Word 97-2003 .doc through antiword (Debian's package; ``./setup.sh --doc``): UTF-8
    text, paragraphs one per line, tables as rows of cells separated by "|"."""
    import os
    import subprocess

    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # the OLE2 signature of every .doc
        if data[:2] == b"PK":
            raise LoadError(f"{path.name}: đây là tệp .docx đặt nhầm đuôi .doc: hãy đổi đuôi thành .docx rồi nạp lại")
        raise LoadError(f"{path.name}: tệp .doc hỏng hoặc không phải Word 97-2003")
    cmd = [limits.doc_command, "-m", "UTF-8.txt", "-w", "0", str(path)]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=60, env={**os.environ, "LC_ALL": "C.UTF-8"})
    except (FileNotFoundError, PermissionError, NotADirectoryError) as e:
        raise ToolUnavailableError(
            f"{path.name}: tệp Word 97-2003 (.doc) cần chương trình antiword để đọc nhưng máy chưa cài "
            f"('{limits.doc_command}' không chạy được). Chạy ./setup.sh --doc (cài antiword bằng apt-get, cần "
            f"quyền root), hoặc mở tệp bằng Word/LibreOffice và lưu thành .docx, rồi nạp lại."
        ) from e
    except subprocess.TimeoutExpired as e:
        raise LoadError(f"{path.name}: đọc tệp .doc quá lâu (hơn 60 giây). Hãy lưu thành .docx rồi nạp lại.") from e
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise LoadError(
            f"{path.name}: không đọc được tệp .doc ({err[-1][:200] if err else proc.returncode}). "
            f"Hãy mở bằng Word/LibreOffice, lưu thành .docx rồi nạp lại."
        )
    text = proc.stdout.decode("utf-8", "replace")
    limits.check_chars(len(text), path.name)
    return _antiword_lines(text)


def _antiword_lines(text: str) -> str:
    """antiword's output in the text convention: one line per paragraph (-w 0 wraps nothing),
    tables through ``tables`` like every other format."""
    from assistant.ingest.tables import table_lines

    out: list[str] = []
    grid: list[str] = []
    for line in text.splitlines() + [""]:
        s = line.strip()
        if len(s) > 1 and s.startswith("|") and s.endswith("|"):
            grid.append(s)
            continue
        if grid:
            out.extend(table_lines(_antiword_table(grid)))
            grid = []
        if s:
            out.append(s)
    return "\n\n".join(out)


def _antiword_table(lines: list[str]) -> list:
    """antiword draws a table as fixed-width text: "|cell|cell|" lines, a cell's text wrapped
    over several lines. A line whose first cell is empty continues the row above; a cell's
    width in characters tells how many columns it spans. (antiword does not say which cells are
    merged vertically: such a cell is empty in the rows below its first.)"""
    from assistant.ingest.pdf import _cell_lines
    from assistant.ingest.tables import Cell

    bounds = max(([i for i, ch in enumerate(ln) if ch == "|"] for ln in lines), key=len)
    rows: list[list[list]] = []  # [col, span, lines]
    last_cols: list[tuple[int, int]] = []
    for ln in lines:
        cuts = [i for i, ch in enumerate(ln) if ch == "|"]
        cells = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            col = min(range(len(bounds)), key=lambda k: abs(bounds[k] - a))
            end = min(range(len(bounds)), key=lambda k: abs(bounds[k] - b))
            cells.append([col, max(1, end - col), [ln[a + 1 : b].strip()]])
        cols = [(c[0], c[1]) for c in cells]
        if rows and cells and not cells[0][2][0] and cols == last_cols:
            for into, part in zip(rows[-1], cells, strict=False):
                into[2].append(part[2][0])
        else:
            rows.append(cells)
            last_cols = cols
    return [[Cell(_cell_lines("\n".join(c[2])), c[0], c[1]) for c in row] for row in rows]
