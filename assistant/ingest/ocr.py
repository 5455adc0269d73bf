"""Text of a scanned PDF page: the page rasterized and read by Tesseract (Vietnamese model).

Tesseract runs as a command (``ASSISTANT_OCR_COMMAND``, default ``tesseract``; installed by
``./setup.sh --ocr``) on one thread, with a time limit per page, and dies with the process that
started it (the upload worker can be killed mid-page). Its TSV output gives every word with its
box, so scanned pages go through the same layout steps as pages with a text layer (``pdf``).
"""

from __future__ import annotations

import os
import subprocess
from typing import TYPE_CHECKING

from assistant.core.errors import LoadError, OcrUnavailableError
from assistant.ingest.tables import Word

if TYPE_CHECKING:
    from assistant.core.settings import ReadLimits

OCR_LANGUAGE = "vie"
SETUP_HINT = "Chạy ./setup.sh --ocr (cài tesseract-ocr và tesseract-ocr-vie bằng apt-get, cần quyền root) rồi nạp lại"


def ocr_page(page, page_no: int, name: str, limits: ReadLimits) -> list[Word]:
    """The words of a pdfplumber page read by OCR, in PDF points like the text layer's words."""
    import io

    dpi = limits.ocr_dpi
    image = page.to_image(resolution=dpi).original.convert("L")
    buf = io.BytesIO()
    image.save(buf, "PNG")
    tsv = run_tesseract(buf.getvalue(), dpi, f"{name}, trang {page_no}", limits)
    scale = 72.0 / dpi
    words: list[Word] = []
    for line in tsv.splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        try:
            left, top, width, height, conf = int(f[6]), int(f[7]), int(f[8]), int(f[9]), float(f[10])
        except ValueError:
            continue
        if conf < 0:
            continue
        words.append(Word(left * scale, (left + width) * scale, top * scale, (top + height) * scale, f[11].strip()))
    if not words:
        raise LoadError(
            f"{name}: trang {page_no} là ảnh quét nhưng nhận dạng chữ (OCR) không đọc được chữ nào "
            f"(ảnh mờ, trang trắng hoặc không phải tiếng Việt). Hãy quét lại rõ hơn."
        )
    return words


def run_tesseract(png: bytes, dpi: int, where: str, limits: ReadLimits) -> str:
    """Tesseract's TSV for one page image; a LoadError that says what to do when it cannot run."""
    cmd = [limits.ocr_command, "stdin", "stdout", "-l", OCR_LANGUAGE, "--psm", "3", "--dpi", str(dpi), "tsv"]
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # one core, as the rest of ingest (and the upload worker)
    try:
        proc = subprocess.run(
            cmd, input=png, capture_output=True, env=env, timeout=limits.ocr_page_timeout_s, preexec_fn=_die_with_parent
        )
    except (FileNotFoundError, PermissionError, NotADirectoryError) as e:
        raise OcrUnavailableError(
            f"{where} là ảnh quét (không có lớp chữ): cần nhận dạng chữ (OCR) nhưng máy chưa cài "
            f"Tesseract ('{limits.ocr_command}' không chạy được). {SETUP_HINT}."
        ) from e
    except subprocess.TimeoutExpired as e:
        raise LoadError(
            f"{where}: nhận dạng chữ (OCR) quá lâu (hơn {limits.ocr_page_timeout_s:g} giây một trang: "
            f"ASSISTANT_OCR_PAGE_TIMEOUT_S). Hãy quét lại với độ phân giải thấp hơn."
        ) from e
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        if "Failed loading language" in err or "Error opening data file" in err:
            raise OcrUnavailableError(
                f"{where} là ảnh quét: cần mô hình tiếng Việt của Tesseract (gói tesseract-ocr-vie) "
                f"nhưng chưa cài. {SETUP_HINT}."
            )
        raise LoadError(
            f"{where}: nhận dạng chữ (OCR) thất bại ({err.strip().splitlines()[-1][:200] if err.strip() else proc.returncode})."
        )
    return proc.stdout.decode("utf-8", "replace")


def _die_with_parent() -> None:
    """Linux: Tesseract is killed with the process that started it (PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def ocr_available(command: str = "tesseract") -> bool:
    """Tesseract and its Vietnamese model are installed."""
    try:
        out = subprocess.run([command, "--list-langs"], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and OCR_LANGUAGE in out.stdout.decode("utf-8", "replace").split()
