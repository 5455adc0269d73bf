"""Read files of the supported formats into raw text. I/O lives here, nothing else does.

Every failure is a ``LoadError`` with a message a user can act on; the ingest step reports it
and goes on with the other files.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

SUPPORTED = {".txt", ".md", ".docx", ".pdf", ".html", ".htm"}


class LoadError(Exception):
    """A file that cannot be turned into text."""


class TooLargeError(LoadError):
    """A file whose text (or decompressed content) exceeds a limit: refused while reading."""


@dataclass(frozen=True)
class ReadLimits:
    """What reading one file may cost. Checked while reading, so a small file that expands
    (a zip bomb .docx, a PDF with thousands of pages) is stopped early. None = no limit."""

    max_chars: int | None = None  # extracted text
    max_docx_xml_bytes: int | None = None  # decompressed XML read from a .docx
    max_pdf_pages: int | None = None

    def check_chars(self, n: int, name: str) -> None:
        if self.max_chars is not None and n > self.max_chars:
            raise TooLargeError(f"{name}: văn bản quá dài (hơn {self.max_chars:,} ký tự; giới hạn "
                                f"ASSISTANT_MAX_DOCUMENT_CHARS). Hãy tách thành các tệp nhỏ hơn.")


@dataclass
class RawFile:
    path: Path
    source: str  # path relative to the corpus root, with "/" separators
    text: str
    sha256: str


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
                        problems.append((f, f"định dạng {f.suffix or '(không có đuôi)'} không được hỗ trợ "
                                            f"(hỗ trợ: {', '.join(sorted(SUPPORTED))})"))
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
        return "liên kết tượng trưng (symlink): không đọc, vì có thể trỏ ra ngoài thư mục văn bản; hãy chép tệp thật vào"
    try:
        str(f).encode("utf-8")
    except UnicodeEncodeError:
        return "tên tệp không phải UTF-8: hãy đổi tên tệp"
    return ""


def doc_id_for(source: str) -> str:
    """A readable, stable id from the relative path: "sub/Quy Hoạch.txt" -> "sub--quy-hoach"."""
    from .textutil import fold

    stem = source.rsplit(".", 1)[0]
    slug = re.sub(r"[^a-z0-9/]+", "-", fold(stem)).strip("-")
    return re.sub(r"-*/-*", "--", slug) or "document"


def read_file(path: Path, root: Path, limits: ReadLimits | None = None) -> RawFile:
    limits = limits or ReadLimits()
    data = _read_bytes(path)
    try:
        source = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        source = path.name
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        text = _decode(data, path)
    elif suffix in (".html", ".htm"):
        text = _html_text(_decode(data, path))
    elif suffix == ".docx":
        text = _docx_text(path, limits)
    elif suffix == ".pdf":
        text = _pdf_text(path, limits)
    else:
        raise LoadError(f"{path.name}: định dạng không được hỗ trợ")
    limits.check_chars(len(text), path.name)
    if not text.strip():
        raise LoadError(f"{path.name}: tệp không có nội dung văn bản (tệp rỗng hoặc PDF chỉ có ảnh quét — cần OCR trước)")
    return RawFile(path, source, text, hashlib.sha256(data).hexdigest())


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
    raise LoadError(
        f"{path.name}: không phải UTF-8 (mã hóa lạ). Hãy lưu lại tệp với mã hóa UTF-8 rồi nạp lại."
    )


def _looks_vietnamese(text: str) -> bool:
    sample = text[:2000]
    return bool(re.search(r"[ăâđêôơưĂÂĐÊÔƠƯ]", sample))


def _html_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "form", "button"]):
        tag.decompose()
    main = soup.find("article") or soup.find("main") or soup.body or soup
    lines = []
    for el in main.find_all(["p", "h1", "h2", "h3", "h4", "li", "td", "th", "div", "pre"]):
        if el.find(["p", "div", "li", "table"]):
            continue  # a container: its children carry the text
        t = el.get_text(" ", strip=True)
        if t:
            prefix = "- " if el.name == "li" and not re.match(r"^[-–•+]|\d+\.|[a-z]\)", t) else ""
            lines.append(prefix + t)
    if not lines:
        return main.get_text("\n", strip=True)
    return "\n\n".join(lines)


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
            raise TooLargeError(f"{self.name}: nội dung .docx sau khi giải nén quá lớn (hơn "
                                f"{self.limit // (1024 * 1024)} MB XML; giới hạn ASSISTANT_MAX_DOCX_XML_MB).")
        return chunk


def _docx_text(path: Path, limits: ReadLimits) -> str:
    """Text of a .docx read as a stream: body paragraphs, then table rows (cells of a row
    joined by new lines, repeated cells once) — the same text python-docx gives, without
    building the whole XML tree, so size and length limits apply while reading."""
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
                raise TooLargeError(f"{path.name}: nội dung .docx sau khi giải nén quá lớn "
                                    f"({z.getinfo(part).file_size // (1024 * 1024)} MB XML, giới hạn "
                                    f"{max_xml // (1024 * 1024)} MB: ASSISTANT_MAX_DOCX_XML_MB).")
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


_PROPERTIES = {_W + t for t in ("rPr", "pPr", "tblPr", "trPr", "tcPr", "sectPr", "tblGrid")}


def _docx_stream_text(stream, limits: ReadLimits, name: str, etree) -> str:
    body, tag_p, tag_t, tag_tr, tag_tc = _W + "body", _W + "p", _W + "t", _W + "tr", _W + "tc"
    paragraphs: list[str] = []
    rows: list[str] = []
    seen = 0  # all text read so far, wherever it sits: bounds a single giant paragraph too
    context = etree.iterparse(stream, events=("end",), resolve_entities=False, no_network=True, huge_tree=False,
                              load_dtd=False)
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
        if tag == tag_p and parent.tag == body:
            paragraphs.append(_paragraph_text(el))
        elif tag == tag_tr:
            grand = parent.getparent()
            if grand is not None and grand.tag == body:  # a row of a top-level table
                cells: list[str] = []
                for tc in el:
                    if tc.tag == tag_tc:
                        text = "\n".join(_paragraph_text(q) for q in tc if q.tag == tag_p).strip()
                        if text and text not in cells:  # merged cells repeat their text
                            cells.append(text)
                if cells:
                    rows.append("\n".join(cells))
            el.clear()
            while el.getprevious() is not None:
                del parent[0]
            continue
        else:
            continue
        el.clear()  # a finished top-level paragraph: free it and what came before
        while el.getprevious() is not None:
            del parent[0]
    return "\n\n".join(p for p in paragraphs + rows if p.strip())


def _paragraph_text(p) -> str:
    """python-docx's ``Paragraph.text``: runs directly in the paragraph or in its hyperlinks."""
    out: list[str] = []
    for child in p:
        if child.tag == _W + "r":
            out.append(_run_text(child))
        elif child.tag == _W + "hyperlink":
            out.extend(_run_text(r) for r in child if r.tag == _W + "r")
    return "".join(out)


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


def _pdf_text(path: Path, limits: ReadLimits) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        count = len(reader.pages)
        if limits.max_pdf_pages is not None and count > limits.max_pdf_pages:
            raise TooLargeError(f"{path.name}: PDF có {count:,} trang, vượt giới hạn {limits.max_pdf_pages:,} trang "
                                f"(ASSISTANT_MAX_PDF_PAGES). Hãy tách thành các tệp nhỏ hơn.")
        pages: list[str] = []
        chars = 0
        for page in reader.pages:  # page by page: the length limit stops a long PDF early
            pages.append(page.extract_text() or "")
            chars += len(pages[-1]) + 2
            limits.check_chars(chars, path.name)
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise LoadError(f"{path.name}: PDF hỏng hoặc không đọc được ({e})") from e
    except Exception as e:  # pypdf raises many internal types on corrupt input
        raise LoadError(f"{path.name}: PDF hỏng hoặc không đọc được ({type(e).__name__})") from e
    return "\n\n".join(pages)
