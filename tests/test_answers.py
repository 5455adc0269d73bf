"""The default (extractive) answerer over the real seed index."""

import pytest

from assistant.answer.extractive import NOT_FOUND
from assistant.question.query import analyze, expand_abbreviations, normalize_years, question_kind, resolve_follow_up

BINH_SON = "quang-ngai-binh-son-2025-quy-hoach-tinh"
REPORT_ITEM = "Học bạ điện tử, số hóa hồ sơ chuyên môn, đăng ký tuyển sinh đầu cấp"


def test_query_understanding():
    assert "trung học cơ sở" in expand_abbreviations("Trường THCS báo cáo gì?")
    assert "THCS" in expand_abbreviations("trường trung học cơ sở")
    assert "Giáo dục và Đào tạo" in expand_abbreviations("Sở GD&ĐT")
    assert "trung học cơ sở" in expand_abbreviations("truong thcs bao cao gi")
    assert normalize_years("năm học 2024–2025") == "năm học 2024 - 2025" == normalize_years("năm học 2024-2025")
    assert question_kind("Khi nào nộp báo cáo?") == "when"
    assert question_kind("Có bao nhiêu đại biểu?") == "number"
    assert question_kind("Gồm những nội dung gì?") == "list"
    assert question_kind("Được phê duyệt tại quyết định nào?") == "document"
    assert question_kind("Công văn yêu cầu quán triệt những quyết định nào?") == "list"
    assert question_kind("Báo cáo kết quả năm học nào?") == "when"
    assert question_kind("Làm việc với huyện Trà Bồng vào quý mấy?") == "when"
    assert question_kind("Theo Luật Giáo dục, cấp học nào là giáo dục bắt buộc?") == "fact"
    assert question_kind("Gửi đến những trường nào?") == "list"
    assert "Quý III" in analyze("Which districts will they visit in the third quarter of 2023?").expansions


def test_a_how_many_answer_has_its_number_next_to_what_was_asked():
    from assistant.question.kinds import QuestionKind, read_asked, strategy

    number = strategy(QuestionKind.NUMBER)
    q = read_asked("Có bao nhiêu đại biểu tham dự hội nghị?")
    assert number.answers("Tham dự hội nghị có 550 đại biểu là lãnh đạo các đơn vị.", q)
    assert not number.answers("1. Tổ chức hội nghị trực tuyến phòng, chống COVID-19.", q)
    assert not number.answers(
        "Hội nghị quán triệt nhiệm vụ năm học mới của toàn ngành giáo dục; "
        "nâng tỷ lệ học sinh tiểu học học 2 buổi/ngày.",
        q,
    )
    # a number the question gives, or one inside a symbol or a date, is not an answer
    q38 = read_asked("Hội nghị quán triệt Chỉ thị 38-CT/TU có bao nhiêu đại biểu?")
    assert not number.answers("Hội nghị quán triệt Chỉ thị số 38-CT/TU ngày 30/4/2023 của đại biểu Tỉnh ủy.", q38)
    assert (
        number.lead(["Hội nghị quán triệt Chỉ thị số 38-CT/TU với 550 đại biểu tại Hạ Long."], q38)
        == "Con số: 550 đại biểu."
    )
    assert analyze("what must THCS schools report after 2024-2025?").english
    assert analyze("truong thcs bao cao gi").no_diacritics
    hist = [
        {"role": "user", "content": "Sở GDĐT làm việc với huyện Bình Sơn vào thời gian nào?"},
        {"role": "assistant", "content": "Quý II/2023."},
    ]
    assert (
        resolve_follow_up("Còn huyện Tư Nghĩa thì sao?", hist)
        == "Sở GDĐT làm việc với huyện Tư Nghĩa vào thời gian nào?"
    )
    assert resolve_follow_up("Trường THCS phải báo cáo gì?", hist) == "Trường THCS phải báo cáo gì?"


@pytest.mark.parametrize(
    "question",
    [
        "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
        "what must THCS schools report after 2024-2025?",
        "truong thcs phai bao cao gi sau nam hoc 2024 - 2025",
    ],
)
def test_thcs_report_question(seed_service, question):
    a = seed_service.ask(question)
    assert not a.abstained
    for fact in ("Học bạ điện tử", "số hóa hồ sơ chuyên môn", "đăng ký tuyển sinh đầu cấp", "học kỳ II"):
        assert fact.lower() in a.answer.lower()
    cited = [c for c in a.citations if c.doc_id == BINH_SON and REPORT_ITEM in c.text]
    assert cited, "must cite the Bình Sơn paragraph"
    c = cited[0]
    assert f"[{c.n}]" in a.answer
    assert c.section == "4. Ứng dụng công nghệ và tăng cường chuyển đổi số trong giáo dục"
    assert (c.doc_type, c.doc_number, c.doc_date) == ("Công văn", "/PGDDĐT", "2025-02")
    assert a.answer.startswith("Theo Công văn số …/PGDDĐT tháng 02/2025 của Phòng Giáo dục và Đào tạo huyện Bình Sơn")
    for a_, b_ in c.quote_spans:
        assert c.text[a_:b_] in c.quote


def test_every_marker_points_to_a_citation(seed_service):
    import re

    a = seed_service.ask("Kế hoạch chuyển đổi số của các đơn vị phải gửi về Sở GDĐT Ninh Thuận trước ngày nào?")
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", a.answer)}
    assert markers == {c.n for c in a.citations}
    assert a.answer.startswith("Thời gian: ") and "30/04/2022" in a.answer


def test_question_naming_a_section_lists_its_items(seed_service):
    """ "Nội dung làm việc … gồm những gì?" is answered by the six items under "II. Nội dung làm
    việc", each cited; the retrieval ranks only some of them in its top hits."""
    a = seed_service.ask("Nội dung làm việc của Sở GDĐT Quảng Ngãi với UBND các huyện gồm những gì?")
    assert not a.abstained and len(a.citations) == 6
    assert all(c.section.startswith("II. Nội dung làm việc > ") for c in a.citations)
    assert "Chương trình GDPT 2018" in a.answer and "chuẩn quốc gia" in a.answer


def test_section_chosen_by_the_question_focus(seed_service):
    """Both "a) Sở Giáo dục và Đào tạo" and "b) UBND huyện" appear in the question; it asks
    about the Sở's delegation ("Thành phần của Sở … khi làm việc với UBND huyện")."""
    a = seed_service.ask("Thành phần của Sở Giáo dục và Đào tạo khi làm việc với UBND huyện gồm những ai?")
    assert a.citations and all(c.section.endswith("a) Sở Giáo dục và Đào tạo") for c in a.citations)
    assert "Giám đốc Sở" in a.answer and "Trưởng phòng các phòng thuộc Sở" in a.answer
    assert "Chủ tịch hoặc Phó Chủ tịch UBND huyện" not in a.answer


def test_responsibility_question_finds_the_item_naming_the_actor(seed_service):
    a = seed_service.ask("Theo Chỉ thị 04 của An Giang, Giám đốc Sở GDĐT có trách nhiệm gì?")
    assert len(a.citations) == 1 and a.citations[0].section.startswith("II. TỔ CHỨC THỰC HIỆN > 1. Giám đốc Sở GDĐT")
    assert "ban hành văn bản hướng dẫn nhiệm vụ năm học" in a.answer


def test_which_document_question_leads_with_the_reference(seed_service):
    a = seed_service.ask(
        "Đề án tăng cường ứng dụng công nghệ thông tin và chuyển đổi số trong giáo dục và đào tạo "
        "được phê duyệt tại quyết định nào của Thủ tướng?"
    )
    assert a.answer.startswith("Văn bản: Quyết định số 131/QĐ-TTg ngày 25/01/2022.")
    assert len(a.citations) == 1 and "131/QĐ-TTg" in a.citations[0].text


def test_which_x_question_prefers_x_with_a_value(seed_service):
    """ "… năm học nào?" is answered by the outline's subtitle "… năm học 2022-2023", not by the
    sentence that mentions the outline with the most question words."""
    a = seed_service.ask("Đề cương báo cáo kèm theo kế hoạch làm việc yêu cầu báo cáo kết quả năm học nào?")
    assert "2022-2023" in a.answer and a.answer.startswith("Thời gian:")
    assert all(c.section.startswith("Phụ lục: Đề cương báo cáo") for c in a.citations)


def test_number_question_leads_with_number(seed_service):
    a = seed_service.ask("Có bao nhiêu đại biểu tham dự hội nghị của Sở GDĐT Quảng Ninh tại Hạ Long?")
    assert a.answer.startswith("Con số: 550")


def test_follow_up_is_resolved(seed_service):
    hist = [
        {"role": "user", "content": "Sở GDĐT Quảng Ngãi làm việc với huyện Bình Sơn vào thời gian nào?"},
        {"role": "assistant", "content": "Quý II/2023."},
    ]
    a = seed_service.ask("Còn huyện Tư Nghĩa thì sao?", hist)
    assert "Tư Nghĩa" in a.resolved_question and "Quý III/2023" in a.answer


@pytest.mark.parametrize(
    "question",
    [
        "Mức lương tối thiểu vùng năm 2024 là bao nhiêu?",
        "Ai là Bộ trưởng Bộ Giáo dục và Đào tạo hiện nay?",
        "Thời tiết Quảng Ninh tuần tới thế nào?",
        # a district the documents never name: its syllables ("Sơn", "Tịnh") are common, the name is not
        "Sở GDĐT Quảng Ngãi làm việc với huyện Sơn Tịnh vào thời gian nào?",
        # the directive is named, but says nothing about the fee level ("COVID-19" is not a number)
        "Chỉ thị 04 của An Giang quy định mức học phí năm học 2021-2022 là bao nhiêu?",
    ],
)
def test_abstains_when_documents_do_not_say(seed_service, question):
    a = seed_service.ask(question)
    assert a.abstained and a.answer.startswith(NOT_FOUND) and not a.citations
    assert a.retrieved, "the closest evidence is still returned"


def test_filters_reach_answers(seed_service):
    from assistant.index.store import SearchFilter

    a = seed_service.ask("học bạ điện tử", flt=SearchFilter(province="Ninh Thuận"))
    assert all(r["doc_id"].startswith("ninh-thuan") for r in a.retrieved)


def test_answer_object_contract(seed_service):
    d = seed_service.ask("Chỉ thị 04/CT-UBND của UBND tỉnh An Giang có hiệu lực khi nào?").to_dict()
    assert set(d) >= {"answer", "abstained", "citations", "retrieved", "timings_ms"}
    c = d["citations"][0]
    assert set(c) >= {
        "n",
        "chunk_id",
        "doc_id",
        "source",
        "doc_title",
        "doc_number",
        "doc_date",
        "issuer",
        "section",
        "text",
        "quote",
        "score",
    }
    assert "10 ngày" in d["answer"]
    assert d["timings_ms"]["total"] > 0


def test_uploaded_docx_subject_words_do_not_decide(warm_cache, tmp_path):
    """The question repeats the subject line ("Ngày hội đọc sách"); the paragraph that answers
    it ("gửi báo cáo … trước ngày 30/10/2024") must win over the one that repeats the subject."""
    import docx
    from conftest import settings_for

    from assistant.app.service import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    d = docx.Document()
    for p in [
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO",
        "Số: 215/PGDĐT-TH",
        "Tư Nghĩa, ngày 05 tháng 9 năm 2024",
        "V/v tổ chức Ngày hội đọc sách năm học 2024-2025",
        "Kính gửi:",
        "- Các trường Tiểu học;",
        "- Các trường THCS.",
        "1. Thời gian tổ chức",
        "Các trường tổ chức Ngày hội đọc sách trong tuần từ 21/10/2024 đến 25/10/2024.",
        "2. Báo cáo",
        "Các trường gửi báo cáo kết quả về Phòng GDĐT trước ngày 30/10/2024.",
        "Nơi nhận:",
        "- Như trên;",
        "- Lưu: VT.",
        "TRƯỞNG PHÒNG",
        "Nguyễn Văn An",
    ]:
        d.add_paragraph(p)
    d.save(corpus / "ngay-hoi-doc-sach.docx")
    svc = Assistant(settings_for(warm_cache, corpus))
    svc.ingest([corpus], progress=False)
    doc = svc.documents()[0]
    assert (doc.meta.number, doc.meta.doc_type, doc.meta.date) == ("215/PGDĐT-TH", "Công văn", "2024-09-05")
    assert doc.meta.issuer == "Phòng Giáo dục và Đào tạo huyện Tư Nghĩa" and doc.meta.signer == "Nguyễn Văn An"
    a = svc.ask("Khi nào các trường phải gửi báo cáo Ngày hội đọc sách?")
    assert a.answer.startswith("Thời gian: trước ngày 30/10/2024.")
    assert a.citations[0].section == "2. Báo cáo"
    svc.close()


def _law_hit(n, text, headings):
    from assistant.core.models import Hit

    return Hit(
        f"law:{n}",
        "law",
        0.9,
        text,
        " > ".join(headings),
        n,
        0,
        len(text),
        "law.txt",
        "Luật Giáo dục",
        "Luật",
        "43/2019/QH14",
        "2019-06-14",
        "Quốc hội",
        "",
        headings,
    )


def test_section_list_ignores_the_words_that_talk_about_the_law():
    """ "Luật … quy định những quyền nào của nhà giáo?": "quy định" is how the question talks about
    the law; the section is "Quyền của nhà giáo", not a clause "… được quy định như sau"."""
    from assistant.answer.answer_model import load_model
    from assistant.answer.extractive import ExtractiveAnswerer
    from assistant.index.terms import TermWeights

    rights = ["Chương IV. NHÀ GIÁO", "Điều 70. Quyền của nhà giáo"]
    investor = [
        "Chương III. NHÀ TRƯỜNG",
        "Điều 54. Nhà đầu tư",
        "2. Quyền và trách nhiệm của nhà đầu tư được quy định như sau",
    ]
    chunks = [
        _law_hit(0, "a) Thông qua kế hoạch phát triển nhà trường;", investor),
        _law_hit(1, "b) Quyết định tổng vốn góp của nhà đầu tư;", investor),
        _law_hit(2, "1. Được giảng dạy theo chuyên môn đào tạo.", rights),
        _law_hit(3, "2. Được đào tạo, bồi dưỡng nâng cao trình độ.", rights),
        _law_hit(4, "3. Được nghỉ hè theo quy định của Chính phủ.", rights),
    ]
    texts = (
        [c.text for c in chunks]
        + rights
        + investor
        + [
            "Luật Giáo dục",
            "giáo dục mầm non",
            "giáo dục phổ thông",
            "Nhà giáo có nhiệm vụ giáo dục",
            "quyền học tập",
            "Luật này quy định",
            "quy định chung",
        ]
        * 5
    )
    answerer = ExtractiveAnswerer(TermWeights.from_texts(texts), load_model())
    q = analyze("Luật Giáo dục quy định những quyền nào của nhà giáo?")
    units = answerer.section_list(q, list(chunks), {"law": chunks})
    assert [u.text[:6] for u in units] == ["1. Đượ", "2. Đượ", "3. Đượ"]


# -- the failures quoted in the answers issue, on the seeds ---------------------------------------
def test_a_province_named_in_a_list_question_keeps_the_answer_in_its_documents(seed_service):
    a = seed_service.ask(
        "Những kết quả nào được dùng để đánh giá, xếp loại đơn vị, thủ trưởng đơn vị và giáo viên ở Quảng Ninh?"
    )
    assert not a.abstained and {c.doc_id for c in a.citations} == {"quang-ninh-2023-thong-bao-3677-chuyen-doi-so"}
    assert "kết quả kiểm tra chuyên môn" in a.answer


def test_each_part_of_a_question_is_answered_and_its_numbers_are_not(seed_service):
    a = seed_service.ask(
        "Hội nghị quán triệt Chỉ thị 38-CT/TU của Sở GDĐT Quảng Ninh diễn ra ở đâu và có bao nhiêu đại biểu?"
    )
    assert "Hạ Long" in a.answer and "550 đại biểu" in a.answer
    assert "Con số: 38" not in a.answer
    assert a.answer.startswith("Địa điểm: thành phố Hạ Long. Con số: 550 đại biểu.")


@pytest.mark.parametrize(
    "question",
    [
        "truong thcs phai bao cao gi",
        # a known regression of the refit on the directive batches (issue 19 note): the higher rank
        # weight quotes Quảng Ninh's paragraph on THCS ranked first; strict: passing again fails here
        pytest.param("Trường THCS phải báo cáo gì?", marks=pytest.mark.xfail(strict=True, reason="refit: rank weight")),
    ],
)
def test_report_question_without_year_or_diacritics(seed_service, question):
    a = seed_service.ask(question)
    assert not a.abstained
    first = a.citations[0]
    assert first.doc_id == BINH_SON and REPORT_ITEM in first.text
    assert all(c.section != "Kính gửi" for c in a.citations), "who a directive is sent to is not what it asks"


def test_a_document_the_index_does_not_hold_is_named_in_the_answer(seed_service):
    a = seed_service.ask("Theo Chỉ thị 05/CT-UBND của UBND tỉnh Kiên Giang, các trường phải làm gì?")
    assert a.abstained and not a.citations
    assert a.answer.startswith("Chưa có")


@pytest.mark.parametrize(
    "question,name,doc_id",
    [
        (
            "Ai ký Chỉ thị 04/CT-UBND của UBND tỉnh An Giang?",
            "Lê Văn Phước",
            "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc",
        ),
        (
            "Ai ký thông báo kết quả cuộc họp Ban Chỉ đạo chuyển đổi số ở Ninh Thuận?",
            "Nguyễn Huệ Khải",
            "ninh-thuan-2022-thong-bao-chuyen-doi-so",
        ),
        ("who signed notice 3677/TB-SGDDT?", "Nguyễn Thành Lâm", "quang-ninh-2023-thong-bao-3677-chuyen-doi-so"),
        # the new user's misses: an English type and number, a document named by type and issuer only
        ("Who signed the Quang Ninh notice 3677?", "Nguyễn Thành Lâm", "quang-ninh-2023-thong-bao-3677-chuyen-doi-so"),
        ("Who signed Directive 04?", "Lê Văn Phước", "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc"),
        ("ai ky cong van phong giao duc binh son", "Đinh Hùng Cường", "quang-ngai-binh-son-2025-quy-hoach-tinh"),
        ("Ai ký công văn của Phòng GDĐT Bình Sơn?", "Đinh Hùng Cường", "quang-ngai-binh-son-2025-quy-hoach-tinh"),
    ],
)
def test_who_signed_is_read_from_the_signature_block(seed_service, question, name, doc_id):
    a = seed_service.ask(question)
    assert not a.abstained and a.answer.startswith(f"Người ký: {name}.")
    assert [(c.doc_id, c.section) for c in a.citations] == [(doc_id, "Người ký")] and name in a.citations[0].text


def test_the_signature_answers_nothing_else(seed_service):
    for question in ("Ai chỉ đạo Hội nghị quán triệt Chỉ thị 38-CT/TU?", "Sở GDĐT Ninh Thuận giao nhiệm vụ cho ai?"):
        assert all(c.section != "Người ký" for c in seed_service.ask(question).citations)


def test_a_statement_about_another_school_level_does_not_answer(seed_service):
    """Bình Sơn pilots the digital record book in THCS only: asked about primary schools, the
    answer is that the documents do not say, not the THCS date."""
    a = seed_service.ask("Trường tiểu học ở Bình Sơn bắt đầu thí điểm Học bạ số từ học kỳ nào?")
    assert a.abstained, a.answer
    assert not seed_service.ask("Trường THCS ở Bình Sơn bắt đầu thí điểm Học bạ số từ học kỳ nào?").abstained


def test_a_person_is_named_by_the_title_asked_about(seed_service):
    a = seed_service.ask("Ai là Giám đốc Sở GDĐT Quảng Ninh?")
    assert a.answer.startswith("Giám đốc: Nguyễn Thị Thúy.")
    c = seed_service.ask(
        "Ai là Giám đốc Sở GDĐT Quảng Ninh có ý kiến kết luận được nêu trong Thông báo 3677? "
        "A. Trịnh Đình Hải B. Châu Hoài Thu C. Nguyễn Thị Thúy D. Nguyễn Thành Lâm"
    )
    assert c.verdict["label"] == "C"
    s = seed_service.ask("Trịnh Đình Hải là Giám đốc Sở GDĐT Quảng Ninh, đúng hay sai?")
    assert s.verdict["label"] == "Sai" and "Phó Giám đốc" in s.answer


@pytest.mark.parametrize(
    "statement, label",
    [
        ("Hội nghị quán triệt Chỉ thị 38-CT/TU được tổ chức tại thành phố Cẩm Phả, đúng hay sai?", "Sai"),
        ("Hội nghị quán triệt Chỉ thị 38-CT/TU được tổ chức tại thành phố Hạ Long, đúng hay sai?", "Đúng"),
        ("Có phải Sở GDĐT Quảng Ngãi làm việc với huyện Minh Long vào Quý II/2023 không?", "Sai"),
        ("Có phải Sở GDĐT Quảng Ngãi làm việc với huyện Trà Bồng vào Quý II/2023 không?", "Đúng"),
    ],
)
def test_a_statement_naming_another_place_is_false(seed_service, statement, label):
    assert seed_service.ask(statement).verdict["label"] == label


def test_a_choice_is_quoted_from_the_sentence_that_says_it(seed_service):
    a = seed_service.ask(
        "Cuộc họp Ban Chỉ đạo chuyển đổi số Ninh Thuận diễn ra vào thời gian nào? "
        "A. 8h00 ngày 18/04/2022 B. 14h00 ngày 18/04/2022 C. 8h00 ngày 20/04/2022 D. 8h00 ngày 18/05/2022"
    )
    assert a.verdict["label"] == "A" and "8h00 ngày 18/04/2022" in a.citations[0].quote


@pytest.mark.parametrize(
    "question",
    [
        # the document says to choose schools, and names none
        "Sở GDĐT Ninh Thuận đã chọn những trường nào làm điểm về chuyển đổi số?",
        # the 100% is for tiểu học; THPT is only "khuyến khích" in another clause of the sentence
        "Quảng Ninh đặt mục tiêu tỷ lệ học sinh THPT học 2 buổi/ngày đạt bao nhiêu phần trăm vào năm 2025?",
        # the plan gives the quarter, which the question already names, and no day
        "Sở GDĐT làm việc với huyện Trà Bồng vào ngày nào trong Quý II/2023?",
    ],
)
def test_near_misses_are_declined(seed_service, question):
    assert seed_service.ask(question).abstained


def test_a_list_of_named_places_is_answered_by_names(seed_service):
    a = seed_service.ask("Sở GDĐT Quảng Ngãi làm việc với những huyện nào trong Quý III/2023?")
    assert "Minh Long" in a.answer and "Tư Nghĩa" in a.answer


def test_a_document_cited_by_an_indexed_one_is_answered_from_it(seed_service):
    # Chỉ thị 38-CT/TU is not indexed; Thông báo 3677 reports on its conference and gives its date
    a = seed_service.ask(
        "Chỉ thị số 38-CT/TU của Ban Thường vụ Tỉnh ủy Quảng Ninh được ban hành ngày nào? "
        "A. 05/9/2023 B. 10/11/2023 C. 12/12/2023 D. 15/12/2023"
    )
    assert a.verdict["label"] == "A" and a.scope["cited"] == "Chỉ thị số 38-CT/TU"
    # the answer says where it comes from ("Theo Thông báo số 3677/TB-SGDDT …"); no preamble about
    # the directive it does not hold (scope.cited keeps that for scripts)
    assert a.answer.startswith("Đáp án: A") and "Chưa có" not in a.answer
    assert "Theo Thông báo số 3677/TB-SGDDT" in a.answer
    assert {c.doc_id for c in a.citations} == {"quang-ninh-2023-thong-bao-3677-chuyen-doi-so"}
    # one that no indexed document cites is still declined, naming the closest documents
    b = seed_service.ask("Theo Chỉ thị 05/CT-UBND, trường học phải làm gì?")
    assert b.abstained and b.answer.startswith("Chưa có Chỉ thị 05/CT-UBND")


def test_who_signed_a_document_nobody_indexed_is_declined(seed_service):
    assert seed_service.ask("Ai ký chỉ thị về phòng chống tham nhũng?").abstained


def test_who_signed_a_document_without_a_signature_block_is_not_another_ones_signer(warm_cache, tmp_path):
    from conftest import settings_for

    from assistant.app.service import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ky.txt").write_text(
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO\n\nSố: 215/PGDĐT-TH\n\nTư Nghĩa, ngày 05 tháng 9 năm 2024"
        "\n\nV/v tổ chức Ngày hội đọc sách\n\n1. Các trường tổ chức Ngày hội đọc sách.\n\n"
        "Nơi nhận:\n\n- Lưu: VT.\n\nTRƯỞNG PHÒNG\n\nNguyễn Văn An\n",
        encoding="utf-8",
    )
    (corpus / "khong-ky.txt").write_text(
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO\n\nSố: 216/PGDĐT-TH\n\nTư Nghĩa, ngày 06 tháng 9 "
        "năm 2024\n\nV/v tổ chức Ngày hội thể thao\n\n1. Các trường tổ chức Ngày hội "
        "thể thao.\n",
        encoding="utf-8",
    )
    svc = Assistant(settings_for(warm_cache, corpus))
    svc.ingest([corpus], progress=False)
    assert svc.ask("Ai ký Công văn 215/PGDĐT-TH?").answer.startswith("Người ký: Nguyễn Văn An.")
    # identified by its subject, not filtered by a number: the other document is among the top hits
    a = svc.ask("Ai ký công văn về Ngày hội thể thao?")
    assert a.abstained and "Nguyễn Văn An" not in a.answer  # it has no signature block
    svc.close()


def test_the_askers_own_words_do_not_count_as_the_subject(seed_service):
    # "muốn biết thêm", typed without diacritics, weighed like the subject: declined before
    a = seed_service.ask("toi muon biet them ve ke hoach lam viec voi cac huyen thi lien he ai?")
    assert not a.abstained and "Lưu Thanh Hải" in a.answer


def test_a_document_number_question_without_diacritics(seed_service):
    a = seed_service.ask("phong gddt binh son trien khai quy hoach tinh theo cong van so may cua so?")
    assert not a.abstained and "381/SGDDĐT-KHTC" in a.answer.split("\n")[0]


def test_english_question_about_people_by_title(seed_service):
    a = seed_service.ask(
        "Which deputy directors of the Quang Ninh Department of Education and Training "
        "presented the directives at the conference?"
    )
    assert a.answer.startswith("Phó Giám đốc: Trịnh Đình Hải, Châu Hoài Thu.")


def test_how_many_days_before_is_a_count(seed_service):
    a = seed_service.ask("UBND huyện phải gửi báo cáo về Sở trước ngày làm việc bao nhiêu ngày?")
    assert analyze("UBND huyện phải gửi báo cáo trước ngày làm việc bao nhiêu ngày?").kind == "number"
    assert a.answer.startswith("Con số: 05 ngày")


def test_when_a_document_takes_effect(seed_service):
    # the subject line's words ("nhiệm vụ năm học 2021-2022") are repeated by the preamble, not by
    # the clause that answers
    for q in (
        "Chỉ thị về nhiệm vụ năm học 2021-2022 của UBND tỉnh An Giang có hiệu lực từ khi nào?",
        "When does An Giang's directive on the 2021-2022 school year tasks take effect?",
    ):
        a = seed_service.ask(q)
        assert "có hiệu lực sau 10 ngày" in a.answer, q


def test_a_program_named_by_its_year_is_not_a_time(seed_service):
    # "Chương trình giáo dục phổ thông 2018" and a cited document's date do not say when school opens
    assert seed_service.ask("Năm học 2021-2022 ở tỉnh An Giang khai giảng vào ngày nào?").abstained


def test_a_statement_about_a_school_level_is_checked_against_that_levels_rule(seed_service):
    # the paragraph allows online teaching in general, then says "Đối với giáo dục mầm non, không
    # áp dụng hình thức dạy học trực tuyến": the specific rule governs a statement about mầm non
    a = seed_service.ask(
        "Theo Chỉ thị 04 của An Giang, trẻ mầm non cũng được học trực tuyến khi dịch bệnh phức tạp, đúng hay sai?"
    )
    assert a.verdict["label"] == "Sai" and "Đối với giáo dục mầm non" in a.citations[0].quote


def test_a_document_named_in_passing_need_not_be_repeated_by_the_answer(warm_cache, tmp_path):
    """ "Hội nghị triển khai Kế hoạch 45-KH/TU …" names the conference by the plan it carried out:
    the sentence that answers ("Tham dự hội nghị có 320 đại biểu") need not name the plan, and no
    preamble says the plan is not indexed."""
    from conftest import settings_for

    from assistant.app.service import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "tb.txt").write_text(
        "SỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH HÀ GIANG\n\nSố: 512/TB-SGDĐT\n\nHà Giang, ngày 03 tháng 10 năm 2024\n\n"
        "THÔNG BÁO\n\nKết luận của Giám đốc Sở về giáo dục vùng cao\n\n"
        "Ngày 28/9/2024, tại thành phố Hà Giang, Sở Giáo dục và Đào tạo tổ chức Hội nghị triển khai "
        "Kế hoạch số 45-KH/TU ngày 02/8/2024 của Tỉnh ủy về phát triển giáo dục vùng cao.\n\n"
        "Tham dự hội nghị có 320 đại biểu là cán bộ quản lý các trường phổ thông dân tộc nội trú.\n\n"
        "1. Các trường rà soát đội ngũ giáo viên dạy tiếng dân tộc thiểu số.\n\n"
        "2. Các phòng giáo dục báo cáo kết quả trước ngày 15/12/2024.\n",
        encoding="utf-8",
    )
    svc = Assistant(settings_for(warm_cache, corpus))
    svc.ingest([corpus], progress=False)
    a = svc.ask("Hội nghị triển khai Kế hoạch 45-KH/TU của Hà Giang có bao nhiêu đại biểu?")
    svc.close()
    assert not a.abstained and "320 đại biểu" in a.answer
    assert "Chưa có" not in a.answer and not a.scope["cited"]


def test_a_statement_about_when_a_document_takes_effect_is_checked_against_its_clause(seed_service):
    """The header names "04/CT-UBND"; whether it takes effect after 15 days is said by the
    directive's own clause ("có hiệu lực sau 10 ngày"), which the statement is checked against."""
    for question in (
        "Đúng hay sai: Chỉ thị 04/CT-UBND của An Giang có hiệu lực sau 15 ngày kể từ ngày ký",
        "Chỉ thị 04/CT-UBND của An Giang có hiệu lực sau 15 ngày kể từ ngày ký, đúng hay sai?",
    ):
        answer = seed_service.ask(question)
        assert answer.answer.startswith("Nhận định: Sai"), answer.answer[:200]
        assert "10 ngày" in answer.answer


def test_a_follow_up_about_the_person_the_conversation_named(seed_service):
    """ "Số điện thoại của ông ấy là gì?" after a question that named a person is read with it."""
    first = "Ai là người liên hệ của Kế hoạch làm việc với các huyện của Sở GDĐT Quảng Ngãi?"
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": seed_service.ask(first).answer}]
    answer = seed_service.ask("Số điện thoại của ông ấy là gì?", history=history)
    assert not answer.abstained, answer.answer[:200]
    assert "0914422662" in answer.answer
