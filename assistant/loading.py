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
                    if f.suffix.lower() in SUPPORTED:
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


def doc_id_for(source: str) -> str:
    """A readable, stable id from the relative path: "sub/Quy Hoạch.txt" -> "sub--quy-hoach"."""
    from .textutil import fold

    stem = source.rsplit(".", 1)[0]
    slug = re.sub(r"[^a-z0-9/]+", "-", fold(stem)).strip("-")
    return re.sub(r"-*/-*", "--", slug) or "document"


def read_file(path: Path, root: Path) -> RawFile:
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
        text = _docx_text(path)
    elif suffix == ".pdf":
        text = _pdf_text(path)
    else:
        raise LoadError(f"{path.name}: định dạng không được hỗ trợ")
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


def _docx_text(path: Path) -> str:
    try:
        import docx
    except ImportError as e:  # pragma: no cover - dependency of the package
        raise LoadError("python-docx chưa được cài") from e
    try:
        d = docx.Document(str(path))
    except Exception as e:
        raise LoadError(f"{path.name}: tệp .docx hỏng hoặc không hợp lệ ({type(e).__name__})") from e
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            cells = []
            for c in row.cells:
                t = c.text.strip()
                if t and t not in cells:
                    cells.append(t)
            if cells:
                parts.append("\n".join(cells))
    return "\n\n".join(p for p in parts if p.strip())


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as e:
        raise LoadError(f"{path.name}: PDF hỏng hoặc không đọc được ({e})") from e
    except Exception as e:  # pypdf raises many internal types on corrupt input
        raise LoadError(f"{path.name}: PDF hỏng hoặc không đọc được ({type(e).__name__})") from e
    return "\n\n".join(pages)
