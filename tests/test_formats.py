"""Every file users have, read whole and in order: a Word công văn with its header table, HTML,
a PDF with a two-column header and a table across a page break, a Word 97 .doc, and a scanned
PDF read by OCR (with the page of each paragraph carried into the citation)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import formatdocs as fx
import pytest
from conftest import ROOT, settings_for

from assistant.core.errors import LoadError, OcrUnavailableError, TooLargeError, ToolUnavailableError
from assistant.core.settings import ReadLimits
from assistant.index.indexer import assign_pages, make_document
from assistant.ingest.loading import PageSpan, read_file
from assistant.ingest.ocr import ocr_available

DOC_FIXTURE = ROOT / "tests" / "data" / "formats" / "cong-van-bang.doc"
needs_fonts = pytest.mark.skipif(not fx.have_fonts(), reason="DejaVu fonts (fonts-dejavu) are needed to write the PDFs")
needs_ocr = pytest.mark.skipif(
    not ocr_available(), reason="Tesseract with Vietnamese (./setup.sh --ocr) is not installed"
)


def lines_of(path: Path, limits: ReadLimits | None = None) -> list[str]:
    return read_file(path, path.parent, limits).text.split("\n\n")


def test_word_cong_van_keeps_its_header_table_in_order(tmp_path):
    """The header table comes first and is dissolved column by column: number, issuer and date
    are there (they were appended after the body, or lost); the data table is rows."""
    lines = lines_of(fx.build_docx(tmp_path / "cv.docx"))
    assert lines == fx.expected_lines()
    assert lines[:2] == ["ỦY BAN NHÂN DÂN TỈNH CAO BẰNG", "SỞ GIÁO DỤC VÀ ĐÀO TẠO"]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in lines and not any("CAO BẰNG CỘNG" in x for x in lines)


@pytest.mark.parametrize("build", ["build_docx", "build_html", "build_pdf"])
def test_cong_van_header_reaches_the_metadata_in_every_format(tmp_path, build):
    """The Word công văn whose two-column header table lost its number, date and issuer, and the
    PDF whose issuer read "… Cộng Hòa xã Hội Chủ Nghĩa Việt Nam": the same metadata from each."""
    if build == "build_pdf" and not fx.have_fonts():
        pytest.skip("no Vietnamese TrueType font to build the PDF")
    suffix = {"build_docx": "docx", "build_html": "html", "build_pdf": "pdf"}[build]
    doc, chunks, _ = make_document(read_file(getattr(fx, build)(tmp_path / f"cv.{suffix}"), tmp_path))
    m = doc.meta
    assert (m.number, m.date, m.doc_type) == ("1234/SGDĐT-KTKĐ", "2025-03-12", "Công văn")
    assert (m.issuer, m.parent_issuer) == ("Sở Giáo dục và Đào tạo tỉnh Cao Bằng", "Ủy ban nhân dân tỉnh Cao Bằng")
    assert (m.signer, m.signer_title) == ("Nông Thị Hạnh", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")
    assert any("Trụ sở làm việc kiên cố" in c.text and "10" in c.text for c in chunks)
    assert {"header", "recipients", "row", "distribution", "signature"} <= {c.kind for c in chunks}


def test_html_tables_as_rows_and_header_dissolved(tmp_path):
    assert lines_of(fx.build_html(tmp_path / "cv.html")) == fx.expected_lines()


@needs_fonts
def test_pdf_two_column_header_table_rows_and_pages(tmp_path):
    raw = read_file(fx.build_pdf(tmp_path / "cv.pdf"), tmp_path)
    assert raw.text.split("\n\n") == fx.expected_lines()
    assert [(p.page, p.ocr) for p in raw.pages] == [(1, False), (2, False)]
    page2 = raw.text[raw.pages[1].start : raw.pages[1].end]
    assert page2.startswith("2.6 | Hệ thống nước sạch")  # the repeated header row of page 2 is dropped
    assert raw.text.count("STT | Tiêu chí | Mức điểm | Minh chứng") == 1


@needs_fonts
def test_pdf_chunks_know_their_page(tmp_path):
    _, chunks, _ = make_document(read_file(fx.build_pdf(tmp_path / "cv.pdf"), tmp_path))
    page_of = {c.text.split()[0]: c.page for c in chunks}
    assert page_of["Kính"] == 1 and page_of["2.1"] == 1 and page_of["3.1"] == 2
    assert not any(c.ocr for c in chunks)


def test_assign_pages_follows_the_text_through_cleaning():
    from assistant.core.models import Chunk

    raw = "Điều 1. Phạm vi\nđiều chỉnh của quy định.\n\nĐiều 2. Đối tượng áp dụng | học sinh\n\nĐiều 3. Hiệu lực"
    cut = raw.index("Điều 2")
    pages = [PageSpan(0, cut - 2, 1), PageSpan(cut, len(raw), 2, True)]
    texts = ["Điều 1. Phạm vi điều chỉnh của quy định.", "Điều 2. Đối tượng áp dụng – học sinh", "Điều 3. Hiệu lực"]
    chunks = [Chunk(f"c{i}", "d", i, t, 0, len(t), "", []) for i, t in enumerate(texts)]
    assign_pages(chunks, raw, pages)
    assert [(c.page, c.ocr) for c in chunks] == [(1, False), (2, True), (2, True)]


@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword (./setup.sh --doc) is not installed")
def test_word_97_doc_is_read():
    lines = lines_of(DOC_FIXTURE)
    expected = fx.expected_lines()
    assert lines[:7] == expected[:7]  # the header, dissolved
    assert "2.1 | Trụ sở làm việc kiên cố, đủ phòng học | 10 | Biên bản kiểm tra" in lines
    assert lines[-3:] == fx.SIGN_RIGHT
    # antiword does not say which cells are merged vertically: everything else is as in the .docx
    assert sum(a == b for a, b in zip(lines, expected, strict=False)) >= len(expected) - len(fx.MERGED_EVIDENCE)


def test_doc_without_antiword_says_how_to_enable_it(tmp_path):
    with pytest.raises(ToolUnavailableError) as e:
        read_file(DOC_FIXTURE, DOC_FIXTURE.parent, ReadLimits(doc_command=str(tmp_path / "no-antiword")))
    assert "cong-van-bang.doc" in str(e.value) and "./setup.sh --doc" in str(e.value)


def test_docx_renamed_to_doc_is_named_as_such(tmp_path):
    path = fx.build_docx(tmp_path / "cv.docx").rename(tmp_path / "cv.doc")
    with pytest.raises(LoadError, match="đổi đuôi thành .docx"):
        read_file(path, tmp_path)


# -- scanned PDFs ----------------------------------------------------------------------------------


@needs_fonts
@needs_ocr
def test_scanned_pdf_is_read_by_ocr(tmp_path):
    raw = read_file(fx.build_scanned_pdf(tmp_path / "scan.pdf"), tmp_path)
    assert [(p.page, p.ocr) for p in raw.pages] == [(1, True), (2, True)]
    truth = "\n".join(line for page in fx.SCAN_PAGES for line in page)
    assert fx.char_accuracy(raw.text, truth) >= 0.97
    page2 = raw.text[raw.pages[1].start : raw.pages[1].end]
    assert "14 tháng 7" in page2 and "14 tháng 7" not in raw.text[: raw.pages[0].end]


@needs_fonts
def test_scanned_pdf_without_ocr_fails_with_the_way_to_enable_it(tmp_path):
    path = fx.build_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(OcrUnavailableError) as e:
        read_file(path, tmp_path, ReadLimits(ocr_command=str(tmp_path / "no-tesseract")))
    assert "scan.pdf" in str(e.value) and "./setup.sh --ocr" in str(e.value) and "trang 1" in str(e.value)


@needs_fonts
def test_ocr_pages_are_bounded(tmp_path):
    path = fx.build_scanned_pdf(tmp_path / "scan.pdf")
    with pytest.raises(TooLargeError, match="ASSISTANT_OCR_MAX_PAGES"):
        read_file(path, tmp_path, ReadLimits(max_ocr_pages=0))


@needs_fonts
def test_cli_ingest_names_the_scan_and_the_setup_flag(tmp_path):
    """As a user sees it without Tesseract: the file is reported failed, with what to run."""
    fx.build_scanned_pdf(tmp_path / "thong-bao-scan.pdf")
    r = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", "--dry-run", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ASSISTANT_SERVER_URL": "off",
            "ASSISTANT_OCR_COMMAND": str(tmp_path / "missing" / "tesseract"),
        },
    )
    out = r.stdout + r.stderr
    assert "thong-bao-scan.pdf" in out and "./setup.sh --ocr" in out and "Traceback" not in out, out


@pytest.mark.slow
@needs_fonts
@needs_ocr
def test_scanned_pdf_answer_cites_its_page(tmp_path, warm_cache):
    """Ingest the scan into a real index and ask what only page 2 says: the citation says page 2, OCR."""
    from assistant.app.service import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    fx.build_scanned_pdf(corpus / "thong-bao-tap-huan.pdf")
    svc = Assistant(settings_for(warm_cache, corpus))
    try:
        report = svc.ingest([corpus], progress=False)
        assert report.count("indexed") == 1, report.to_dict()
        answer = svc.ask("Lớp tập huấn giáo viên diễn ra từ ngày nào?").to_dict()
    finally:
        svc.close()
    assert not answer["abstained"], answer
    assert "14 tháng 7" in answer["answer"]
    cited = [c for c in answer["citations"] if "14 tháng 7" in c["text"]]
    assert cited and cited[0]["page"] == 2 and cited[0]["ocr"] is True
