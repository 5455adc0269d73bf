"""Ingest keeps all of a real document and reads what it is (issue 18), on small documents written
for these tests with the layouts that broke it: content and tables after the signature, a
two-column header read as lines or merged into one line, "Nơi nhận" before or after the
signature, dates and effect clauses broken over lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, settings_for

from assistant.app.service import Assistant
from assistant.index.indexer import parse_file
from assistant.index.store import SearchFilter
from assistant.ingest.fidelity import text_coverage
from assistant.ingest.loading import read_file

CRITERIA_LETTER = """ỦY BAN NHÂN DÂN
THÀNH PHỐ HẢI ĐÔNG
SỞ GIÁO DỤC VÀ ĐÀO TẠO
CỘNG HÒA XÃ HỘI
CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 4120/SGDĐT-KHTC
V/v đánh giá thư viện trường học
năm học 2025 - 2026
Hải Đông, ngày 03 tháng
10 năm 2025
Kính gửi:
- Trưởng phòng Văn hóa - Xã hội các xã, phường;
- Hiệu trưởng các trường trung học cơ sở.
Sở Giáo dục và Đào tạo đề nghị các đơn vị tự đánh giá thư viện theo Bảng tiêu chí đính kèm và gửi kết quả về Sở trước ngày 30/10/2025.
Nơi nhận:
- Như trên;
- Giám đốc Sở (để b/c);
- Lưu: VT, KHTC.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Trần Minh Khoa
BẢNG TIÊU CHÍ ĐÁNH GIÁ THƯ VIỆN TRƯỜNG HỌC
(Kèm theo Công văn số 4120/SGDĐT-KHTC ngày 03/10/2025 của Sở Giáo dục và Đào tạo)
Tiêu chí | Mức điểm | Minh chứng
1. Tài nguyên thông tin | 30 |
1.1. Sách giáo khoa đủ cho học sinh mượn | 10 | Sổ đăng ký cá biệt
1.2. Báo, tạp chí phục vụ giáo viên | 5 | Danh mục báo, tạp chí
2. Cơ sở vật chất | 40 |
2.1. Phòng đọc riêng cho học sinh, diện tích từ 54 m2 | 15 | Biên bản kiểm tra cơ sở vật chất
2.2. Máy tính tra cứu kết nối Internet | 10 | Sổ theo dõi thiết bị
Tiêu chí | Mức điểm | Minh chứng
2.3. Hệ thống chiếu sáng và thông gió đạt chuẩn | 15 | Biên bản kiểm tra
của cơ quan y tế
"""

MERGED_HEADER_DECISION = """ỦY BAN NHÂN DÂN TỈNH LONG THỦY CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
SỞ GIÁO DỤC VÀ ĐÀO TẠO Độc lập - Tự do - Hạnh phúc
Số: 75/QĐ-SGDĐT
Long Thủy, ngày 12 tháng 9 năm 2025
QUYẾT ĐỊNH
VỀ VIỆC BAN HÀNH QUY CHẾ THI CHỌN HỌC SINH GIỎI CẤP TỈNH
GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO
Căn cứ Quyết định số 12/2024/QĐ-UBND ngày 05/3/2024 của Ủy ban nhân dân tỉnh Long Thủy quy định chức năng, nhiệm vụ của Sở Giáo dục và Đào tạo;
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế thi chọn học sinh giỏi cấp tỉnh.
Điều 2. Quyết định này có hiệu lực thi hành sau 15 ngày kể từ ngày ký và thay thế Quyết định số 60/QĐ-SGDĐT ngày 01/9/2023 của Sở Giáo dục và Đào tạo.
Điều 3. Trưởng các phòng thuộc Sở và hiệu trưởng các trường trung học phổ thông chịu trách nhiệm thi hành Quyết định này./.
GIÁM ĐỐC
(Đã ký)
Lê Thị Hồng Vân
Nơi nhận:
- Như Điều 3;
- Lưu: VT.
QUY CHẾ
THI CHỌN HỌC SINH GIỎI CẤP TỈNH
(Ban hành kèm theo Quyết định số 75/QĐ-SGDĐT ngày 12/9/2025)
Chương I
QUY ĐỊNH CHUNG
Điều 1. Phạm vi điều chỉnh
Quy chế này quy định về tổ chức kỳ thi chọn học sinh giỏi cấp tỉnh lớp 12.
Điều 2. Thời gian thi
1. Kỳ thi được tổ chức mỗi năm một lần vào tháng 12.
2. Thời gian làm bài mỗi môn là 180 phút.
"""

CIRCULAR = """BỘ GIÁO DỤC VÀ ĐÀO TẠO
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 09/2025/TT-BGDĐT
Hà Nội, ngày 21 tháng
3 năm 2025
THÔNG
TƯ
QUY ĐỊNH VỀ DẠY THÊM, HỌC THÊM TRONG CƠ SỞ GIÁO DỤC
Căn cứ Luật Giáo dục ngày 14 tháng 6 năm 2019;
Bộ trưởng Bộ Giáo dục và Đào tạo ban hành Thông tư quy định về dạy thêm, học thêm.
Điều 1. Phạm vi điều chỉnh
Thông tư này quy định về dạy thêm, học thêm trong cơ sở giáo dục.
Điều 2. Hiệu lực thi hành
1. Thông tư này có hiệu lực thi hành kể từ ngày 06 tháng
5 năm 2025.
2. Thông tư này bãi bỏ Thông tư số 17/2012/TT-BGDĐT ngày 16 tháng 5 năm 2012 của Bộ trưởng Bộ Giáo dục và Đào tạo.
Nơi nhận:
- Văn phòng Chính phủ;
- Công báo;
- Lưu: VT, Vụ PC.
KT. BỘ TRƯỞNG
THỨ TRƯỞNG
Phạm Ngọc Thưởng
"""


def parse(tmp_path: Path, text: str, name: str = "doc.txt"):
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    raw = read_file(f, tmp_path)
    return raw, *parse_file(raw)


def test_table_after_the_signature_is_indexed_as_rows_with_their_headers(tmp_path):
    raw, doc, chunks, _, cov = parse(tmp_path, CRITERIA_LETTER)
    assert cov.share >= 0.99 and not cov.dropped
    rows = [c for c in chunks if c.kind == "row"]
    criterion = next(c for c in rows if c.text.startswith("2.1."))
    # the row is a self-contained answer: it carries its column names, under the table's title and its group
    assert (
        "Tiêu chí: 2.1. Phòng đọc riêng cho học sinh, diện tích từ 54 m2; Mức điểm: 15; "
        "Minh chứng: Biên bản kiểm tra cơ sở vật chất" in criterion.embed_text()
    )
    assert criterion.section.startswith("Bảng tiêu chí đánh giá thư viện trường học > 2. Cơ sở vật chất")
    assert criterion.marker == "2.1."
    # the header row repeated after a page break is not a row; a row broken over two lines is one row
    assert not any(c.cells == ["Tiêu chí", "Mức điểm", "Minh chứng"] for c in rows)
    last = next(c for c in rows if c.text.startswith("2.3."))
    assert last.text.endswith("của cơ quan y tế") and last.cells[-1].endswith("của cơ quan y tế")
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text


def test_two_line_header_gives_issuer_with_its_parent_and_the_closing_parts(tmp_path):
    _, doc, chunks, _, _ = parse(tmp_path, CRITERIA_LETTER)
    m = doc.meta
    assert (m.doc_type, m.number, m.date) == ("Công văn", "4120/SGDĐT-KHTC", "2025-10-03")
    assert m.issuer == "Sở Giáo dục và Đào tạo thành phố Hải Đông"
    assert m.parent_issuer == "Ủy ban nhân dân thành phố Hải Đông"
    assert "Cộng" not in m.issuer and "Cộng" not in m.parent_issuer
    assert m.subject == "đánh giá thư viện trường học năm học 2025 - 2026"
    assert m.recipients == ["Trưởng phòng Văn hóa - Xã hội các xã, phường", "Hiệu trưởng các trường trung học cơ sở"]
    assert m.distribution == ["Như trên", "Giám đốc Sở (để b/c)", "Lưu: VT, KHTC"]
    assert (m.signer, m.signer_title) == ("Trần Minh Khoa", "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC")
    kinds = {c.kind for c in chunks}
    assert {"header", "recipients", "distribution", "signature", "title", "row"} <= kinds


def test_header_columns_merged_into_one_line_and_signature_before_the_distribution_list(tmp_path):
    _, doc, chunks, _, cov = parse(tmp_path, MERGED_HEADER_DECISION)
    m = doc.meta
    assert m.issuer == "Sở Giáo dục và Đào tạo tỉnh Long Thủy"
    assert m.parent_issuer == "Ủy ban nhân dân tỉnh Long Thủy"
    assert (m.doc_type, m.number, m.date, m.province) == ("Quyết định", "75/QĐ-SGDĐT", "2025-09-12", "") or (
        m.doc_type,
        m.number,
        m.date,
    ) == ("Quyết định", "75/QĐ-SGDĐT", "2025-09-12")
    assert m.subject == "Về việc ban hành quy chế thi chọn học sinh giỏi cấp tỉnh"  # not the authority line
    assert (m.signer, m.signer_title) == ("Lê Thị Hồng Vân", "GIÁM ĐỐC")
    assert m.distribution == ["Như Điều 3", "Lưu: VT"]
    # "sau 15 ngày kể từ ngày ký": effect counted from the signature; and what it replaces
    assert m.effective_date == "2025-09-27"
    assert m.replaces == ["60/QĐ-SGDĐT"]
    # the Quy chế attached after the signature keeps its own structure under its title
    time_limit = next(c for c in chunks if "180 phút" in c.text)
    assert time_limit.section.startswith(
        "Quy chế thi chọn học sinh giỏi cấp tỉnh > Chương I. QUY ĐỊNH CHUNG > Điều 2. Thời gian thi"
    )
    assert cov.share >= 0.99


def test_circular_with_broken_lines_reads_date_effect_and_repeal(tmp_path):
    _, doc, _, _, _ = parse(tmp_path, CIRCULAR)
    m = doc.meta
    assert (m.doc_type, m.number, m.issuer) == ("Thông tư", "09/2025/TT-BGDĐT", "Bộ Giáo dục và Đào tạo")
    assert m.date == "2025-03-21" and m.province == ""
    assert m.effective_date == "2025-05-06"
    assert "có hiệu lực thi hành kể từ ngày 06 tháng 5 năm 2025" in m.effective_text
    assert m.replaces == ["17/2012/TT-BGDĐT"]
    assert (m.signer, m.signer_title) == ("Phạm Ngọc Thưởng", "KT. BỘ TRƯỞNG / THỨ TRƯỞNG")


def test_effect_from_signing_is_the_issue_date_and_a_cited_documents_effect_is_not_ours(tmp_path):
    text = CIRCULAR.replace(
        "1. Thông tư này có hiệu lực thi hành kể từ ngày 06 tháng\n5 năm 2025.",
        "1. Nghị định số 11/2025/NĐ-CP (có hiệu lực từ ngày 01/01/2025) được hướng dẫn tại đây."
        "\nThông tư này có hiệu lực kể từ ngày ký ban hành.",
    )
    _, doc, _, _, _ = parse(tmp_path, text)
    assert doc.meta.effective_date == "2025-03-21"


def test_coverage_names_the_lines_that_were_not_indexed():
    cov = text_coverage(
        "Dòng một có đủ bốn từ ở đây\nDòng hai bị bỏ mất hoàn toàn khỏi chỉ mục\nNgắn", ["Dòng một có đủ bốn từ ở đây"]
    )
    assert cov.dropped == ["Dòng hai bị bỏ mất hoàn toàn khỏi chỉ mục"]
    assert 0.3 < cov.share < 0.5


def test_ingest_check_reports_coverage_without_embedding(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "cv.txt").write_text(CRITERIA_LETTER, encoding="utf-8")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "ingest",
            str(corpus),
            "--dry-run",
            "--check",
            "--index",
            str(tmp_path / "idx"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "cv.txt: 100.0% nội dung tệp đã vào chỉ mục" in r.stdout
    assert "Độ phủ: trung bình 100.0%" in r.stdout
    assert not (tmp_path / "idx").exists() or not any((tmp_path / "idx").iterdir())
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant",
            "ingest",
            str(corpus),
            "--dry-run",
            "--json",
            "--index",
            str(tmp_path / "idx"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    files = json.loads(r.stdout)["files"]
    assert files[0]["coverage"] == 1.0 and files[0]["dropped_lines"] == []


def test_in_force_filter_leaves_out_what_a_later_document_repealed(warm_cache, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    old = (
        MERGED_HEADER_DECISION.replace("75/QĐ-SGDĐT", "60/QĐ-SGDĐT")
        .replace("12 tháng 9 năm 2025", "01 tháng 9 năm 2023")
        .replace(" và thay thế Quyết định số 60/QĐ-SGDĐT ngày 01/9/2023 của Sở Giáo dục và Đào tạo", "")
    )
    (corpus / "qd-60.txt").write_text(old, encoding="utf-8")
    (corpus / "qd-75.txt").write_text(MERGED_HEADER_DECISION, encoding="utf-8")
    svc = Assistant(settings_for(warm_cache, corpus))
    try:
        svc.ingest([corpus], progress=False)
        docs = {r.doc_id: r for r in svc.documents()}
        assert docs["qd-75"].meta.replaces == ["60/QĐ-SGDĐT"] and docs["qd-75"].coverage >= 0.99

        def found(day: str) -> set[str]:
            return {h.doc_id for h in svc.search("thời gian làm bài thi học sinh giỏi", 10, SearchFilter(in_force=day))}

        assert found("2024-06-01") == {"qd-60"}  # the new one is not issued yet
        assert found("2025-09-20") == {"qd-60"}  # issued, not yet in effect (15 days after signing)
        assert found("2025-10-01") == {"qd-75"}  # in effect, and the old one is replaced
    finally:
        svc.close()
