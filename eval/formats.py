"""Measure the file readers on documents whose true text is known (tests/formatdocs.py).

    .venv/bin/python eval/formats.py            # prints the Markdown tables of eval/README.md

1. PDF libraries: pypdf, pdfplumber and PyMuPDF on the test công văn as a PDF (two-column
   header, a ruled data table with merged cells that breaks across a page, Vietnamese text).
   *Character accuracy* is 1 - CER of the library's plain text against the true text (whitespace
   collapsed, " | " separators left out of both); *table rows* is the share of the true data-table
   rows (merged cells filled, as the reader must give them) found as a row of the library's table
   extraction (pypdf has none: a row counts when its cells, space-joined, are a line of its text).
   The last line is this project's reader (pdfplumber words and tables + layout), on its output.
2. OCR: the share of characters Tesseract (vie) gets right (1 - CER) on scans made by rasterizing
   the test pages, at the resolution the reader uses (300 dpi) from images of 200 and 150 dpi.
Libraries that are not installed are skipped (PyMuPDF: `pip install pymupdf`, AGPL).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import formatdocs as fx  # noqa: E402


def _norm_rows(rows) -> list[str]:
    return [" ".join(" | ".join(" ".join((c or "").split()) for c in r).split()) for r in rows]


def _fill(table: list[list]) -> list[list[str]]:
    """A library's table as the reader must give it: a row with only its first cell (the rest
    merged into it) is one cell; another merged (None) cell repeats the cell above."""
    out: list[list[str]] = []
    for r in table:
        if len(r) > 1 and r[0] is not None and all(x is None for x in r[1:]):
            out.append([r[0]])
            continue
        out.append([c if c is not None else (out[-1][j] if out and j < len(out[-1]) else "") for j, c in enumerate(r)])
    return out


def _table_row_share(got_rows: list[str], truth: list[list[str]]) -> float:
    want = _norm_rows(truth)
    have = set(got_rows)
    return sum(1 for w in want if w in have) / len(want)


def _truth_text() -> str:
    return "\n".join(fx.expected_lines()).replace(" | ", " ")


def measure_pdf(path: Path) -> list[tuple[str, float, float, float]]:
    truth = _truth_text()
    results = []
    try:
        from pypdf import PdfReader

        t = time.perf_counter()
        text = "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)
        secs = time.perf_counter() - t
        lines = {" ".join(x.split()) for x in text.splitlines()}
        rows = [" | ".join(r) for r in fx.TABLE if " ".join(" ".join(r).split()) in lines]
        results.append(
            (
                "pypdf " + _version("pypdf"),
                fx.char_accuracy(text, truth),
                _table_row_share(_norm_rows([r.split(" | ") for r in rows]), fx.TABLE),
                secs,
            )
        )
    except ImportError:
        pass
    try:
        import pdfplumber

        t = time.perf_counter()
        with pdfplumber.open(str(path)) as pdf:
            text = "\n".join(p.extract_text() or "" for p in pdf.pages)
            tables = [_fill(tb) for p in pdf.pages for tb in p.extract_tables()]
        secs = time.perf_counter() - t
        results.append(
            (
                "pdfplumber " + _version("pdfplumber"),
                fx.char_accuracy(text, truth),
                _table_row_share(_norm_rows([r for tb in tables for r in tb]), fx.TABLE),
                secs,
            )
        )
    except ImportError:
        pass
    try:
        import pymupdf

        t = time.perf_counter()
        doc = pymupdf.open(str(path))
        text = "\n".join(p.get_text() for p in doc)
        tables = [_fill(tb.extract()) for p in doc for tb in p.find_tables().tables]
        secs = time.perf_counter() - t
        results.append(
            (
                "PyMuPDF " + _version("pymupdf"),
                fx.char_accuracy(text, truth),
                _table_row_share(_norm_rows([r for tb in tables for r in tb]), fx.TABLE),
                secs,
            )
        )
    except ImportError:
        pass
    from assistant.ingest.loading import read_file

    t = time.perf_counter()
    text = read_file(path, path.parent).text
    secs = time.perf_counter() - t
    lines = text.split("\n\n")
    results.append(
        (
            "this reader (pdfplumber + layout)",
            fx.char_accuracy(text.replace(" | ", " "), truth),
            _table_row_share(lines, fx.TABLE),
            secs,
        )
    )
    return results


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


def measure_ocr(tmp: Path) -> list[tuple[str, int, float, float]]:
    from assistant.ingest.loading import read_file

    out = []
    notice = "\n".join(line for page in fx.SCAN_PAGES for line in page)
    for dpi in (200, 150):
        scan = fx.build_scanned_pdf(tmp / f"notice-{dpi}.pdf", dpi=dpi)
        t = time.perf_counter()
        raw = read_file(scan, tmp)
        secs = (time.perf_counter() - t) / len(raw.pages)
        out.append((f"thông báo, 2 pages, scanned at {dpi} dpi", dpi, fx.char_accuracy(raw.text, notice), secs))
    text_pdf = fx.build_pdf(tmp / "cv.pdf")
    scan = _rasterize(text_pdf, tmp / "cv-scan.pdf", 200)
    t = time.perf_counter()
    raw = read_file(scan, tmp)
    secs = (time.perf_counter() - t) / len(raw.pages)
    out.append(
        (
            "công văn with header, table and signature, 200 dpi",
            200,
            fx.char_accuracy(raw.text.replace(" | ", " "), _truth_text()),
            secs,
        )
    )
    return out


def _rasterize(pdf_path: Path, out: Path, dpi: int) -> Path:
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(pdf_path))
    images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(pdf))]
    pdf.close()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out


def main() -> None:
    from assistant.ingest.ocr import ocr_available

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        pdf = fx.build_pdf(tmp / "cong-van.pdf")
        print("| PDF library | character accuracy | table rows | seconds (2 pages) |\n|---|---|---|---|")
        for name, acc, rows, secs in measure_pdf(pdf):
            print(f"| {name} | {acc:.3f} | {rows:.3f} | {secs:.2f} |")
        if not ocr_available():
            print("\nOCR: Tesseract with Vietnamese is not installed (./setup.sh --ocr): not measured")
            return
        print("\n| scanned document | OCR character accuracy (1 - CER) | seconds per page |\n|---|---|---|")
        for name, _, acc, secs in measure_ocr(tmp):
            print(f"| {name} | {acc:.3f} | {secs:.2f} |")


if __name__ == "__main__":
    main()
