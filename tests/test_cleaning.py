import re
import unicodedata
from collections import Counter

import pytest
from conftest import CORPUS

from assistant.ingest.cleaning import clean_text

SEEDS = sorted(CORPUS.glob("*.txt"))


def tokens(text: str) -> list[str]:
    out = []
    for t in unicodedata.normalize("NFC", text).split():
        t = t.replace("*", "").replace("|", "").strip("_#")
        if t and not re.fullmatch(r"[-–_=~.]{3,}", t):
            out.append(t)
    return out


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.stem)
def test_cleaning_loses_no_content(path):
    """Every word of the source is either in the cleaned text or in the reported junk, and the
    cleaned words keep the source order."""
    raw = path.read_text(encoding="utf-8")
    result = clean_text(raw)
    src = tokens(raw)
    kept = tokens(result.text)
    dropped = tokens(" ".join(result.removed))
    assert Counter(src) == Counter(kept) + Counter(dropped)
    it = iter(src)
    assert all(any(t == s for s in it) for t in kept), "cleaned words are out of source order"


def test_scraped_page_junk_removed_and_page_breaks_joined():
    text = clean_text((CORPUS / "ninh-thuan-2022-thong-bao-chuyen-doi-so.txt").read_text()).text
    for junk in ("Loading", "Tài liệu liên quan", "868 26", "Copied!", "Academic year", "[r]"):
        assert junk not in text
    assert not re.search(r"^\(\d+\)$", text, re.M), "page markers like (2) must go"
    assert "được triển khai từng bước có trọng tâm" in text  # sentence split by a page break
    assert "Chuyển đổi số 100% cơ sở giáo dục" in text


def test_hard_wrapped_lines_rejoined():
    text = clean_text((CORPUS / "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc.txt").read_text()).text
    paragraphs = text.split("\n\n")
    assert "Số: 04/CT-UBND" in paragraphs
    assert "An Giang, ngày 14 tháng 9 năm 2021" in paragraphs
    assert any(
        p.startswith("Năm học 2021-2022 là năm đầu tiên ngành Giáo dục và Đào tạo (GDĐT) thực hiện") for p in paragraphs
    )
    assert "9. Đẩy mạnh công tác truyền thông" in paragraphs  # heading not glued to its body
    assert "|" not in text and "-------" not in text


def test_markdown_emphasis_tables_and_nfc():
    raw = "**QUYẾT ĐỊNH**\n\n| Cột 1 | Cột 2 |\n\n(*sau 5 năm*)\n\n" + unicodedata.normalize("NFD", "Trường học")
    text = clean_text(raw).text
    assert text.split("\n\n") == ["QUYẾT ĐỊNH", "Cột 1 | Cột 2", "(sau 5 năm)", "Trường học"]  # a table row stays one
    assert unicodedata.is_normalized("NFC", text)
