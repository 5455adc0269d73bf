"""Answers on documents of the forms users bring (issue 19), on a small decision written for these
tests: the clause that states a field the question asks for, a table row answered with its column
names, a list answered with its items, a question naming its document by its subject, a follow-up
that names no document, and an English question naming the document by its symbol."""

from __future__ import annotations

import pytest
from conftest import service_over

DECISION = """ỦY BAN NHÂN DÂN
TỈNH LONG THỦY
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 12/2025/QĐ-UBND
Long Thủy, ngày 10 tháng 10 năm 2025
QUYẾT ĐỊNH
Ban hành mức thu học phí năm học 2025 - 2026 trên địa bàn tỉnh Long Thủy
ỦY BAN NHÂN DÂN TỈNH LONG THỦY
Căn cứ Luật Giáo dục ngày 14 tháng 6 năm 2019;
Theo đề nghị của Giám đốc Sở Giáo dục và Đào tạo.
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này mức thu học phí năm học 2025 - 2026 đối với các cơ sở giáo dục công lập trên địa bàn tỉnh Long Thủy.
Điều 2. Các trường phải niêm yết công khai mức thu học phí tại trụ sở trước ngày 15 tháng 9 hằng năm.
Điều 3. Các hình thức miễn, giảm học phí gồm:
a) Miễn học phí cho học sinh khuyết tật;
b) Giảm 70% học phí cho học sinh dân tộc thiểu số rất ít người;
c) Giảm 50% học phí cho con cán bộ bị tai nạn lao động.
Điều 4. Quyết định này có hiệu lực thi hành kể từ ngày 01 tháng 11 năm 2025 và thay thế Quyết định số 05/2023/QĐ-UBND ngày 02/3/2023 của Ủy ban nhân dân tỉnh Long Thủy.
Nơi nhận:
- Bộ Giáo dục và Đào tạo;
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn Bình
MỨC THU HỌC PHÍ NĂM HỌC 2025 - 2026
(Ban hành kèm theo Quyết định số 12/2025/QĐ-UBND ngày 10/10/2025 của Ủy ban nhân dân tỉnh Long Thủy)
STT | Cấp học | Thành thị (đồng/tháng) | Nông thôn (đồng/tháng)
1 | Mầm non | 300.000 | 100.000
2 | Tiểu học | 0 | 0
3 | Trung học cơ sở | 300.000 | 80.000
"""

OTHER = """BỘ GIÁO DỤC VÀ ĐÀO TẠO
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 30/2025/TT-BGDĐT
Hà Nội, ngày 02 tháng 9 năm 2025
THÔNG TƯ
Quy định về thư viện trường phổ thông
Điều 1. Thư viện trường phổ thông phải có phòng đọc cho học sinh với diện tích tối thiểu 54 m2.
Điều 2. Thông tư này có hiệu lực thi hành kể từ ngày 20 tháng 10 năm 2025.
Nơi nhận:
- Lưu: VT.
KT. BỘ TRƯỞNG
THỨ TRƯỞNG
Phạm Ngọc Thưởng
"""

REPEAL = """ỦY BAN NHÂN DÂN
TỈNH LONG THỦY
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 20/2025/QĐ-UBND
Long Thủy, ngày 12 tháng 11 năm 2025
QUYẾT ĐỊNH
Quy định giờ mở cửa của nhà văn hóa thôn trên địa bàn tỉnh Long Thủy
Điều 1. Nhà văn hóa thôn mở cửa từ 7 giờ đến 21 giờ hằng ngày.
Điều 2. Hiệu lực thi hành
1. Quyết định này có hiệu lực từ ngày 01 tháng 12 năm 2025.
2. Quyết định này thay thế các Quyết định sau đây: a) Quyết định số 31/2012/QĐ-UBND ngày 04 tháng 5 năm 2012 của Ủy ban nhân dân tỉnh Long Thủy;
b) Quyết định số 17/2019/QĐ-UBND ngày 20 tháng 6 năm 2019 của Ủy ban nhân dân tỉnh Long Thủy.
Nơi nhận:
- Lưu: VT.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Nguyễn Văn Bình
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory, seed_index):
    svc = service_over(
        tmp_path_factory.mktemp("long-thuy"),
        {"qd-12-hoc-phi.txt": DECISION, "tt-30-thu-vien.txt": OTHER, "qd-20-nha-van-hoa.txt": REPEAL},
        seed_index,
    )
    yield svc
    svc.close()


def test_the_clause_that_states_the_asked_field_answers(service):
    a = service.ask("Quyết định 12/2025/QĐ-UBND của tỉnh Long Thủy có hiệu lực từ ngày nào?")
    assert not a.abstained and "01 tháng 11 năm 2025" in a.answer
    assert a.citations[0].text.startswith("Điều 4.")
    a = service.ask("Quyết định 12/2025/QĐ-UBND thay thế quyết định nào?")
    assert "05/2023/QĐ-UBND" in a.answer


def test_a_table_row_is_answered_with_its_column_names(service):
    a = service.ask("Theo Quyết định 12/2025/QĐ-UBND, học phí trung học cơ sở ở nông thôn là bao nhiêu?")
    assert not a.abstained
    assert "Nông thôn (đồng/tháng): 80.000" in a.answer
    assert a.citations[0].text == "3 | Trung học cơ sở | 300.000 | 80.000"  # the citation quotes the row


def test_a_list_is_answered_with_its_items(service):
    a = service.ask("Quyết định 12/2025/QĐ-UBND quy định những hình thức miễn, giảm học phí nào?")
    assert all(x in a.answer for x in ("khuyết tật", "70%", "50%"))


def test_a_list_question_answered_by_its_lead_in_brings_the_items(service):
    # the clause the question matches announces a list and holds its first item ("… các Quyết
    # định sau đây: a) …"); the next item is a paragraph of its own and is part of the answer
    a = service.ask("Quyết định 20/2025/QĐ-UBND thay thế các quyết định nào?")
    assert not a.abstained and "31/2012/QĐ-UBND" in a.answer and "17/2019/QĐ-UBND" in a.answer


def test_a_follow_up_keeps_the_document_of_the_conversation(service):
    history = [
        {"role": "user", "content": "Quyết định 12/2025/QĐ-UBND của tỉnh Long Thủy có hiệu lực từ ngày nào?"},
        {"role": "assistant", "content": "Từ ngày 01 tháng 11 năm 2025."},
    ]
    a = service.ask("Các trường phải niêm yết mức thu trước ngày nào?", history)
    assert "15 tháng 9" in a.answer and a.citations[0].doc_id == "qd-12-hoc-phi"


def test_an_english_question_naming_the_document_by_its_symbol(service):
    a = service.ask("When does Circular 30/2025/TT-BGDĐT take effect?")
    assert a.scope["doc_ids"] == ["tt-30-thu-vien"]
    assert not a.abstained and "20 tháng 10 năm 2025" in a.answer
