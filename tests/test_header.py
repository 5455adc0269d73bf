import pytest
from conftest import CORPUS, LAWS

from assistant.ingest.cleaning import clean_text
from assistant.ingest.header import parse_header

EXPECTED = {
    "quang-ngai-binh-son-2025-quy-hoach-tinh": dict(
        doc_type="Công văn",
        number="/PGDDĐT",
        issuer="Phòng Giáo dục và Đào tạo huyện Bình Sơn",
        province="Quảng Ngãi",
        date="2025-02",
        date_text="ngày tháng 02 năm 2025",
        signer="Đinh Hùng Cường",
    ),
    "quang-ninh-2023-thong-bao-3677-chuyen-doi-so": dict(
        doc_type="Thông báo",
        number="3677/TB-SGDDT",
        issuer="Sở Giáo dục và Đào tạo tỉnh Quảng Ninh",
        province="Quảng Ninh",
        date="2023-12-15",
        signer="Nguyễn Thành Lâm",
    ),
    "quang-ngai-2023-ke-hoach-lam-viec-ubnd-huyen": dict(
        doc_type="Kế hoạch",
        number="/KH-SGDĐT",
        issuer="Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi",
        province="Quảng Ngãi",
        date="2023",
        signer="Nguyễn Ngọc Thái",
    ),
    "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc": dict(
        doc_type="Chỉ thị",
        number="04/CT-UBND",
        issuer="Ủy ban nhân dân tỉnh An Giang",
        province="An Giang",
        date="2021-09-14",
        signer="Lê Văn Phước",
    ),
    "ninh-thuan-2022-thong-bao-chuyen-doi-so": dict(
        doc_type="Thông báo",
        number="/TB-SGDĐT",
        issuer="Sở Giáo dục và Đào tạo tỉnh Ninh Thuận",
        province="Ninh Thuận",
        date="2022-04",
        place="Ninh Thuận",
        signer="Nguyễn Huệ Khải",
    ),
}


def meta_of(path):
    return parse_header(clean_text(path.read_text(encoding="utf-8")).text.split("\n\n")).meta


@pytest.mark.parametrize("stem", EXPECTED)
def test_seed_headers(stem):
    meta = meta_of(CORPUS / f"{stem}.txt")
    for field, value in EXPECTED[stem].items():
        assert getattr(meta, field) == value, field


def test_subjects_and_recipients():
    bs = meta_of(CORPUS / "quang-ngai-binh-son-2025-quy-hoach-tinh.txt")
    assert bs.subject.startswith("triển khai thực hiện nội dung các Quyết định của Thủ tướng Chính phủ")
    assert bs.recipients == ["Các trường Mầm non", "Các trường Tiểu học", "Các trường TH và THCS", "Các trường THCS"]
    assert "UBND huyện (báo cáo)" in bs.distribution
    qn = meta_of(CORPUS / "quang-ninh-2023-thong-bao-3677-chuyen-doi-so.txt")
    assert qn.subject.startswith("Ý kiến kết luận của đồng chí Nguyễn Thị Thúy")
    ag = meta_of(CORPUS / "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc.txt")
    assert ag.subject.startswith("Về việc thực hiện nhiệm vụ năm học 2021 - 2022 trên địa bàn tỉnh An Giang")
    assert ag.signer_title == "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"  # role lines, as metadata.jsonl writes them


@pytest.mark.skipif(not LAWS.exists(), reason="shared/corpus-extra not present")
def test_law_header():
    meta = meta_of(LAWS / "Luat-giao-duc-2019-367665.txt")
    assert (meta.doc_type, meta.number, meta.issuer, meta.date) == ("Luật", "43/2019/QH14", "Quốc hội", "2019-06-14")
    assert meta.signer == "Nguyễn Thị Kim Ngân"
