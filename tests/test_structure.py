import re
import unicodedata

import pytest
from conftest import CORPUS, LAWS

from assistant.index.indexer import make_document
from assistant.ingest.loading import read_file
from assistant.ingest.structure import classify


def doc_and_chunks(path, root=None):
    return make_document(read_file(path, root or path.parent))


def test_classify_markers():
    assert classify("I. NHIỆM VỤ, GIẢI PHÁP")[0] == "roman"
    assert classify("1. Phổ biến")[0] == "num"
    assert classify("1.1. Thuận lợi")[0] == "num2"
    assert classify("a) Sở Giáo dục")[0] == "letter"
    assert classify("- Các trường")[0] == "dash"
    assert classify("(1) Mục tiêu")[0] == "paren"
    assert classify("(i1) Các cơ sở")[0] == "item"
    assert classify("Điều 3. Tính chất")[0] == "dieu"
    assert classify("CHƯƠNG I")[0] == "chuong"
    assert classify("2022 TRÊN ĐỊA BÀN")[0] == "plain"


def test_binh_son_sections_and_offsets():
    doc, chunks, _ = doc_and_chunks(CORPUS / "quang-ngai-binh-son-2025-quy-hoach-tinh.txt")
    target = [c for c in chunks if "Học bạ điện tử, số hóa hồ sơ chuyên môn" in c.text]
    assert len(target) == 1
    c = target[0]
    assert c.section == "4. Ứng dụng công nghệ và tăng cường chuyển đổi số trong giáo dục > -"
    assert c.headings == ["4. Ứng dụng công nghệ và tăng cường chuyển đổi số trong giáo dục"]
    assert c.embed_text().startswith("4. Ứng dụng công nghệ") and c.text in c.embed_text()
    for ch in chunks:
        assert doc.text[ch.start : ch.end] == ch.text
    assert [ch.position for ch in chunks] == list(range(len(chunks)))
    assert any(ch.section == "Kính gửi" for ch in chunks)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.stem)
def test_chunk_ids_stable_unique_and_sized(path):
    doc1, chunks1, _ = doc_and_chunks(path)
    doc2, chunks2, _ = doc_and_chunks(path)
    ids = [c.chunk_id for c in chunks1]
    assert ids == [c.chunk_id for c in chunks2]
    assert len(set(ids)) == len(ids)
    assert all(c.chunk_id.startswith(doc1.doc_id + ":") for c in chunks1)
    assert all(len(c.text) <= 1600 for c in chunks1)


def test_chunk_id_survives_edits_elsewhere(tmp_path):
    src = (CORPUS / "quang-ngai-binh-son-2025-quy-hoach-tinh.txt").read_text()
    f = tmp_path / "doc.txt"
    f.write_text(src)
    _, before, _ = doc_and_chunks(f)
    f.write_text(
        src.replace(
            "Phòng Giáo dục và Đào tạo đề nghị các trường triển khai thực hiện./.",
            "Phòng Giáo dục và Đào tạo đề nghị các trường khẩn trương triển khai thực hiện./.",
        )
    )
    _, after, _ = doc_and_chunks(f)
    target = "Học bạ điện tử, số hóa hồ sơ chuyên môn"
    assert [c.chunk_id for c in before if target in c.text] == [c.chunk_id for c in after if target in c.text]


def test_inline_items_and_parenthesised_lists():
    _, chunks, _ = doc_and_chunks(CORPUS / "quang-ninh-2023-thong-bao-3677-chuyen-doi-so.txt")
    items = [c for c in chunks if c.text.startswith("(i")]
    assert len(items) >= 9
    assert any(c.section.startswith("5. Về quy mô, mạng lưới") and c.section.endswith("> (i2)") for c in items)
    _, nt, _ = doc_and_chunks(CORPUS / "ninh-thuan-2022-thong-bao-chuyen-doi-so.txt")
    deadline = [c for c in nt if "trước 30/6/2022" in c.text]
    assert deadline and "(10) Chỉ đạo các cơ sở giáo dục" in deadline[0].text


def test_tiny_paragraph_joins_its_neighbour():
    _, nt, _ = doc_and_chunks(CORPUS / "ninh-thuan-2022-thong-bao-chuyen-doi-so.txt")
    c = next(c for c in nt if "Thời gian vào lúc 8h00 ngày 18/04/2022" in c.text)
    assert "triệu tập cuộc họp Ban chỉ đạo" in c.text


def test_appendix_after_signature_is_body():
    _, chunks, _ = doc_and_chunks(CORPUS / "quang-ngai-2023-ke-hoach-lam-viec-ubnd-huyen.txt")
    appendix = [c for c in chunks if c.section.startswith("Phụ lục: Đề cương báo cáo")]
    assert any("Kết quả thực hiện công tác giáo dục và đào tạo năm học 2022-2023" in c.section for c in appendix)
    assert any(c.text.startswith("4. Kết quả triển khai thực hiện Chương trình GDPT 2018") for c in appendix)


def test_signature_block_is_its_own_citable_chunk(tmp_path):
    """Who signed is a chunk of its own (titles and name, as written), never part of the last
    article or of "Nơi nhận"; a published law writes "(Đã ký)" before the name."""
    doc, chunks, _ = doc_and_chunks(CORPUS / "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc.txt")
    sig = [c for c in chunks if c.kind == "signature"]
    assert [c.text for c in sig] == ["KT. CHỦ TỊCH\n\nPHÓ CHỦ TỊCH\n\nLê Văn Phước"] and sig[0].section == "Người ký"
    assert doc.text[sig[0].start : sig[0].end] == sig[0].text
    law = tmp_path / "luat-mau.txt"
    law.write_text(
        "QUỐC HỘI\n\nLUẬT\n\nTHANH NIÊN\n\nĐiều 1. Thanh niên\n\nThanh niên là công dân Việt Nam từ đủ 16 "
        "tuổi đến 30 tuổi.\n\nLuật này đã được Quốc hội thông qua ngày 16 tháng 6 năm 2020.\n\n"
        "CHỦ TỊCH QUỐC HỘI\n\n(Đã ký) Nguyễn Thị Kim Ngân\n",
        encoding="utf-8",
    )
    doc, chunks, _ = doc_and_chunks(law, tmp_path)
    assert doc.meta.signer == "Nguyễn Thị Kim Ngân" and doc.meta.signer_title == "CHỦ TỊCH QUỐC HỘI"
    assert chunks[-1].kind == "signature" and chunks[-1].text == "CHỦ TỊCH QUỐC HỘI\n\n(Đã ký) Nguyễn Thị Kim Ngân"
    assert not any("Kim Ngân" in c.text for c in chunks[:-1])


def test_numbered_items_nest_and_keep_their_own_chunk():
    """ "1.1." sits inside "1." and "2." closes "1.2."; a short numbered item is never merged into
    its neighbour: its marker is how a citation addresses it."""
    _, chunks, _ = doc_and_chunks(CORPUS / "quang-ngai-2023-ke-hoach-lam-viec-ubnd-huyen.txt")
    item3 = [c for c in chunks if c.text == "3. Kết quả triển khai thực hiện Chương trình GDPT 2018."]
    assert len(item3) == 1 and item3[0].section.startswith("II. Nội dung làm việc > 3. Kết quả triển khai")
    outline = "Phụ lục: Đề cương báo cáo > I. Kết quả thực hiện công tác giáo dục và đào tạo năm học 2022-2023"
    sub = next(c for c in chunks if c.text == "1.1. Thuận lợi")
    assert sub.section == outline + " > 1. Đánh giá chung về tình hình tại địa phương > 1.1. Thuận lợi"
    two = next(
        c for c in chunks if c.text.startswith("2. Công tác lãnh đạo, chỉ đạo, tuyên truyền, quán triệt về thực")
    )
    assert two.headings == [
        "Phụ lục: Đề cương báo cáo",
        "I. Kết quả thực hiện công tác giáo dục và đào tạo năm học 2022-2023",
    ]


@pytest.mark.skipif(not LAWS.exists(), reason="shared/corpus-extra not present")
def test_law_structure():
    doc, chunks, articles = doc_and_chunks(LAWS / "Luat-giao-duc-2019-367665.txt")
    assert articles == 115
    art3 = [c for c in chunks if c.section.startswith("Chương I. NHỮNG QUY ĐỊNH CHUNG > Điều 3. Tính chất")]
    last = [c.section.rsplit(" > ", 1)[-1] for c in art3]
    assert len(last) == 2 and last[0].startswith("1. Nền giáo dục Việt Nam") and last[1].startswith("2. Hoạt động")
    assert any(" > a)" in c.section for c in chunks)


@pytest.mark.slow
@pytest.mark.skipif(not LAWS.exists(), reason="shared/corpus-extra not present")
def test_all_laws_parse_with_article_structure():
    """All 208 laws parse; every "Điều N." line becomes an article and has at least one chunk."""
    laws = sorted(LAWS.glob("*.txt"))
    assert len(laws) == 208
    for path in laws:
        doc, chunks, articles = doc_and_chunks(path)
        raw = unicodedata.normalize("NFC", path.read_text(encoding="utf-8"))
        expected = len(re.findall(r"^\s*Điều\s+\d+[a-zđ]?\.", raw, re.M))
        assert articles == expected, path.name
        dieu_chunks = [c for c in chunks if re.search(r"(?:^| > )Điều \d+", c.section)]
        assert len(dieu_chunks) >= articles * 0.9, path.name
