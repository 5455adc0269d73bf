"""Diacritics restoration (assistant/index/diacritics.py): the model is learned from the index's own
text, so a question typed without accents about the names and phrases of a new document is read
with them; the counts follow the documents (re-ingested, removed). On two short documents written
for these tests."""

from __future__ import annotations

import pytest
from conftest import service_over

from assistant.index.diacritics import Restorer, count_ngrams, expand
from assistant.question.query import analyze

DIRECTIVE = """ỦY BAN NHÂN DÂN
TỈNH HÒA LÂM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 07/CT-UBND
Hòa Lâm, ngày 05 tháng 11 năm 2025
CHỈ THỊ
Về tăng cường bảo đảm an toàn trường học trên địa bàn tỉnh Hòa Lâm
Để bảo đảm an toàn cho học sinh, Chủ tịch Ủy ban nhân dân tỉnh Hòa Lâm yêu cầu:
1. Sở Giáo dục và Đào tạo chủ trì rà soát cơ sở vật chất của các trường học, báo cáo kết quả trước ngày 20 tháng 12 năm 2025.
2. Các trường phải kiểm tra hệ thống phòng cháy, chữa cháy và lắp đặt bình cứu hỏa ở mỗi dãy phòng học trước ngày 30 tháng 11 năm 2025.
3. Công an tỉnh phối hợp tuyên truyền kỹ năng thoát hiểm cho học sinh tại các trường.
4. Chỉ thị này có hiệu lực thi hành kể từ ngày ký.
Nơi nhận:
- Lưu: VT.
CHỦ TỊCH
Lương Quốc Khải
"""

NOTICE = """SỞ Y TẾ TỈNH HÒA LÂM
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 215/TB-SYT
Hòa Lâm, ngày 12 tháng 11 năm 2025
THÔNG BÁO
Lịch tiêm chủng vắc-xin sởi cho trẻ em năm 2025
1. Trẻ em từ 9 tháng đến 5 tuổi được tiêm miễn phí tại trạm y tế xã từ ngày 01 tháng 12 năm 2025.
2. Phụ huynh mang theo sổ tiêm chủng khi đưa trẻ đi tiêm.
Nơi nhận:
- Lưu: VT.
GIÁM ĐỐC
Đinh Thị Vũ Yên
"""


def test_the_decoder_restores_from_what_it_was_taught():
    r = Restorer.from_texts([DIRECTIVE, NOTICE])
    res = r.restore("Cac truong phai kiem tra he thong phong chay chua chay truoc ngay nao?")
    assert res.text == "Các trường phải kiểm tra hệ thống phòng cháy chữa cháy trước ngày nào?"
    assert res.confident
    # names the prior has never seen come from the documents; case is kept letter by letter
    assert r.restore("Chi thi cua tinh Hoa Lam").text == "Chỉ thị của tỉnh Hòa Lâm"
    # numbers, symbols, abbreviations and unknown words stay as typed (the Đ of "QĐ" aside)
    assert r.restore("UBND tinh Hoa Lam so 07/CT-UBND covid").text == "UBND tỉnh Hòa Lâm số 07/CT-UBND covid"


def test_counts_are_syllable_trigrams_of_runs_between_punctuation():
    c = count_ngrams(["Chỉ thị 07, có hiệu lực."])
    assert c == {
        "<s> <s> chỉ": 1,
        "<s> chỉ thị": 1,
        "chỉ thị <n>": 1,  # the comma ends a run
        "<s> <s> có": 1,
        "<s> có hiệu": 1,
        "có hiệu lực": 1,
    }
    e = expand(c)
    assert e["có hiệu"] == 1 and e["<s> có"] == 1 and e["lực"] == 1 and e["<s>"] == 2 and e["<s> <s>"] == 2


def test_analysis_reads_a_confident_restoration_as_vietnamese():
    r = Restorer.from_texts([DIRECTIVE, NOTICE])
    q = analyze("chi thi 07 cua tinh hoa lam co hieu luc tu ngay nao", restorer=r)
    assert q.restored == "chỉ thị 07 của tỉnh hòa lâm có hiệu lực từ ngày nào"
    assert not q.no_diacritics and q.original == "chi thi 07 cua tinh hoa lam co hieu luc tu ngay nao"
    assert "effective_date" in q.fields
    # English, or already accented: nothing to restore
    assert analyze("When does Directive 07 take effect?", restorer=r).restored == ""
    assert analyze("Chỉ thị 07 có hiệu lực từ ngày nào?", restorer=r).restored == ""
    # gibberish the model does not know: not confident, matched by folded words as before
    q = analyze("xq zzv kkt wrrt", restorer=r)
    assert q.restored == "" and q.no_diacritics


@pytest.fixture(scope="module")
def service(tmp_path_factory, seed_index):
    svc = service_over(
        tmp_path_factory.mktemp("hoa-lam"),
        {"ct-07-an-toan-truong-hoc.txt": DIRECTIVE, "tb-215-tiem-chung.txt": NOTICE},
        seed_index,
    )
    yield svc
    svc.close()


def test_an_unaccented_question_is_answered_from_the_right_paragraph(service):
    a = service.ask(
        "Chi thi 07/CT-UBND cua tinh Hoa Lam: cac truong phai kiem tra he thong phong chay chua chay truoc ngay nao?"
    )
    assert a.restored_question == (
        "Chỉ thị 07/CT-UBND của tỉnh Hòa Lâm: các trường phải kiểm tra hệ thống phòng cháy chữa cháy trước ngày nào?"
    )
    assert a.to_dict()["restored_question"] == a.restored_question
    assert not a.abstained and "30 tháng 11 năm 2025" in a.answer
    assert a.citations[0].doc_id == "ct-07-an-toan-truong-hoc" and a.citations[0].text.startswith("2. Các trường")
    a = service.ask("tre em tu 9 thang den 5 tuoi duoc tiem mien phi o dau")
    assert a.restored_question == "trẻ em từ 9 tháng đến 5 tuổi được tiêm miễn phí ở đâu"
    assert a.citations and a.citations[0].doc_id == "tb-215-tiem-chung"
    assert service.ask("Chỉ thị 07/CT-UBND có hiệu lực từ khi nào?").restored_question == ""


def test_the_counts_follow_the_documents(service, tmp_path):
    counts = service.restorer().counts
    assert counts.get("vũ yên", 0) >= 1 and counts.get("quốc khải", 0) >= 1
    versions = {r.doc_id: r.version for r in service.documents()}
    assert service.terms.ngram_versions() == versions
    # a new version of a document replaces its counts
    corpus = service.settings.corpus_dir
    (corpus / "tb-215-tiem-chung.txt").write_text(
        NOTICE.replace("Đinh Thị Vũ Yên", "Trịnh Khắc Đoàn"), encoding="utf-8"
    )
    service.ingest([corpus], progress=False)
    counts = service.restorer().counts
    assert "vũ yên" not in counts and counts.get("khắc đoàn", 0) >= 1
    # a removed document takes its counts with it
    service.delete_document("tb-215-tiem-chung")
    counts = service.restorer().counts
    assert "khắc đoàn" not in counts and "tiêm chủng" not in counts and counts.get("quốc khải", 0) >= 1
    assert list(service.terms.ngram_versions()) == ["ct-07-an-toan-truong-hoc"]
