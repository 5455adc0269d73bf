"""Reading a question: its form (statement, choices, several parts), the documents it names, and
checking a statement or choices against a provision. Pure functions, no index."""

import pytest

from assistant.answer.verdict import check_statement, choose, negation_differences, number_differences, quantities
from assistant.core.models import DocumentMeta
from assistant.question.constraints import parse, resolve
from assistant.question.forms import parse_choices, read_form, split_parts, verification_statement
from assistant.question.kinds import QuestionKind
from assistant.question.query import analyze

LAWS = [
    "Luật Giáo dục",
    "Luật Giáo dục đại học",
    "Luật Hôn nhân và gia đình",
    "Luật Du lịch",
    "Luật Phòng, chống ma túy",
    "Luật Tố tụng hành chính",
    "Bộ luật Dân sự",
]


def test_statement_to_verify():
    q = "Thời hạn tạm trú tối đa là 02 năm và có thể gia hạn thêm nhiều nhất 02 lần, đúng hay sai?"
    assert verification_statement(q) == "Thời hạn tạm trú tối đa là 02 năm và có thể gia hạn thêm nhiều nhất 02 lần"
    assert verification_statement("Có phải trẻ em 5 tuổi được miễn học phí không?") == "trẻ em 5 tuổi được miễn học phí"
    assert verification_statement("Theo Luật điện ảnh, phim loại C cấm trẻ em là đúng hay sai?").endswith("cấm trẻ em")
    assert verification_statement("Trường THCS phải báo cáo gì?") == ""
    assert read_form(q).kind is QuestionKind.VERIFY


def test_choices_inside_the_question():
    stem, choices = parse_choices(
        "Thông báo nghỉ hưu được ban hành trước bao lâu?  A. 06 tháng B. 04 tháng C. 03 tháng D. Cả A, B, C đều đúng"
    )
    assert stem == "Thông báo nghỉ hưu được ban hành trước bao lâu?"
    assert [c.letter for c in choices] == ["A", "B", "C", "D"]
    assert choices[1].text == "04 tháng" and choices[3].all_of == ["A", "B", "C"]
    assert parse_choices("Ông Nguyễn Văn A. là ai?")[1] == []  # an initial is not a choice
    form = read_form(
        "Đâu không phải là điều kiện cấp thẻ? A. Có quốc tịch. B. Có năng lực. C. Tốt nghiệp kế toán. "
        "D. Không mắc bệnh."
    )
    assert form.kind is QuestionKind.CHOICE and form.negative


def test_several_questions_in_one():
    parts = split_parts("Hội nghị quán triệt Chỉ thị 38-CT/TU diễn ra ở đâu và có bao nhiêu đại biểu?")
    assert [k for k, _ in parts] == [QuestionKind.WHERE, QuestionKind.NUMBER]
    assert split_parts("Sở GDĐT và Phòng GDĐT phải báo cáo gì?") == []
    # a clause before the first question sets the scene of that question
    parts = split_parts("Ở Ninh Thuận, ai chủ trì cuộc họp Ban Chỉ đạo, và ai ký thông báo kết quả cuộc họp?")
    assert [k for k, _ in parts] == [QuestionKind.WHO, QuestionKind.SIGNER]
    assert parts[0][1].startswith("Ở Ninh Thuận, ai chủ trì")


@pytest.mark.parametrize(
    "question,signer",
    [
        ("Ai ký Chỉ thị 04/CT-UBND?", True),
        ("Người ký Thông báo 3677 là ai?", True),
        ("ai ky chi thi 04 an giang", True),
        ("Who signed Directive 04/CT-UBND?", True),
        ("Ai kỳ vọng học sinh đạt kết quả cao?", False),
        ("Ai phải đăng ký dự thi?", False),
    ],
)
def test_who_signed_is_a_kind_of_its_own(question, signer):
    assert (read_form(question).kind is QuestionKind.SIGNER) is signer


@pytest.mark.parametrize(
    "question,named,source",
    [
        ("Giáo viên mầm non cần bằng cấp gì theo Luật Giáo dục 2019?", "Luật Giáo dục 2019", True),
        ("Theo Luật Du Lịch, các loại dịch vụ du lịch khác gồm những gì?", "Luật Du Lịch", True),
        ("Theo Luật phòng chống ma túy, ai có trách nhiệm cai nghiện?", "Luật phòng chống ma túy", True),
        ("Chỉ thị 04 của An Giang có hiệu lực khi nào?", "Chỉ thị 04", True),
        ("Thông báo 3677/TB-SGDĐT yêu cầu gì?", "Thông báo 3677/TB-SGDĐT", True),
        # a document named inside the question's content is not where the answer must come from
        ("Hội nghị quán triệt Chỉ thị 38-CT/TU diễn ra ở đâu?", "Chỉ thị 38-CT/TU", False),
        ("Theo Luật Nhà giáo 2025, giáo viên được nghỉ hè bao nhiêu tuần?", "Luật Nhà giáo 2025", True),
    ],
)
def test_documents_named_by_the_question(question, named, source):
    c = parse(question, LAWS)
    assert [(m.text, m.source) for m in c.mentions] == [(named, source)]


def test_a_law_named_inside_a_statement_is_part_of_the_claim():
    c = parse(
        "Thỏa thuận trọng tài vô hiệu khi người xác lập không có năng lực hành vi dân sự theo quy định "
        "của Luật Tố tụng hành chính",
        LAWS,
        statement=True,
    )
    assert [(m.text, m.source) for m in c.mentions] == [("Luật Tố tụng hành chính", False)]


def _meta(doc_type, number="", subject="", date="", province=""):
    return DocumentMeta(doc_type=doc_type, number=number, subject=subject, date=date, province=province)


DOCS = {
    "ag": _meta("Chỉ thị", "04/CT-UBND", "nhiệm vụ năm học", "2021-09-14", "An Giang"),
    "qn": _meta("Thông báo", "3677/TB-SGDDT", "chuyển đổi số", "2023-12-15", "Quảng Ninh"),
    "qng": _meta("Kế hoạch", "/KH-SGDĐT", "làm việc với UBND huyện", "2023", "Quảng Ngãi"),
    "gd": _meta("Luật", "43/2019/QH14", "Giáo dục", "2019-06-14"),
    "gddh": _meta("Luật", "08/2012/QH13", "Giáo dục đại học", "2012-06-18"),
}


@pytest.mark.parametrize(
    "question,doc_ids,missing",
    [
        ("Giáo viên mầm non cần bằng cấp gì theo Luật Giáo dục 2019?", ["gd"], ""),
        ("Theo Luật Giáo dục đại học, sinh viên có quyền gì?", ["gddh"], ""),
        ("Thông báo 3677/TB-SGDĐT yêu cầu gì?", ["qn"], ""),
        ("Chỉ thị 4/CT-UBND có hiệu lực khi nào?", ["ag"], ""),
        # a province: its directives and the laws that apply everywhere
        ("Những kết quả nào được dùng để xếp loại đơn vị ở Quảng Ninh?", ["qn", "gd", "gddh"], ""),
        ("Theo Luật Nhà giáo 2025, giáo viên được nghỉ hè bao nhiêu tuần?", None, "Luật Nhà giáo 2025"),
        ("Luật Giáo dục 2005 quy định tuổi vào lớp một là bao nhiêu?", None, "Luật Giáo dục 2005"),
        ("Trường THCS phải báo cáo gì?", None, ""),
    ],
)
def test_resolve_against_the_index(question, doc_ids, missing):
    names = ["Luật Giáo dục", "Luật Giáo dục đại học"]
    scope = resolve(parse(question, names), DOCS)
    assert scope.doc_ids == doc_ids and scope.missing == missing


def test_question_without_its_source_words():
    aq = analyze("Theo Chỉ thị 04 của An Giang, Giám đốc Sở GDĐT có trách nhiệm gì?")
    assert aq.focus_text == "Giám đốc Sở GDĐT có trách nhiệm gì?"
    aq = analyze("Giáo viên mầm non cần bằng cấp gì theo Luật Giáo dục 2019?", known_names=["Luật Giáo dục"])
    assert aq.focus_text == "Giáo viên mầm non cần bằng cấp gì?"


def test_quantities_and_differences():
    assert [(v, u) for v, u, _ in quantities("đủ mười tám tuổi; 02 năm; hai mươi mốt ngày")] == [
        (2.0, "năm"),
        (18.0, "tuổi"),
        (21.0, "ngày"),
    ]
    law = "Thời hạn tạm trú tối đa là 02 năm và có thể tiếp tục gia hạn nhiều lần."
    diffs = number_differences("Thời hạn tạm trú tối đa là 02 năm và có thể gia hạn thêm nhiều nhất 02 lần", law)
    assert [(d.question, d.document) for d in diffs] == [("02 lần", "nhiều lần")]
    assert number_differences("Thời hạn tạm trú tối đa là 03 năm", law)[0].document == "02 năm"
    assert not number_differences("Thời hạn tạm trú tối đa là 02 năm", law)
    neg = negation_differences(
        "Người dưới 18 tuổi không được đăng ký tạm trú",
        "Người dưới 18 tuổi được đăng ký tạm trú theo nơi cư trú của cha mẹ.",
    )
    assert neg and neg[0].what == "phủ định"


def test_verdicts():
    from assistant.answer.verdict import Provision, governing, subject_of

    law = "Thời hạn tạm trú tối đa là 02 năm và có thể tiếp tục gia hạn nhiều lần."
    p = Provision(law, law)
    words = lambda text: {w: 1.0 for w in text.lower().replace("năm", "nam").split()}  # noqa: E731
    assert check_statement("Thời hạn tạm trú tối đa là 02 năm", p, [p], {}, [], "Luật Cư trú").label == "Đúng"
    v = check_statement("Thời hạn tạm trú tối đa là 02 năm", p, [p], {}, ["Bộ luật hình sự"], "Luật Cư trú")
    assert v.label == "Sai" and v.differences[0].what == "văn bản"
    # a value that belongs to a neighbouring case
    a = Provision(
        "a) Có bằng tốt nghiệp cao đẳng sư phạm trở lên đối với giáo viên mầm non;",
        "Trình độ chuẩn a) Có bằng tốt nghiệp cao đẳng sư phạm trở lên đối với giáo viên mầm non;",
    )
    b = Provision(
        "b) Có bằng cử nhân thuộc ngành đào tạo giáo viên trở lên đối với giáo viên tiểu học;",
        "Trình độ chuẩn b) Có bằng cử nhân thuộc ngành đào tạo giáo viên trở lên đối với giáo viên tiểu học;",
    )
    claim = "giáo viên tiểu học chỉ cần có bằng tốt nghiệp cao đẳng sư phạm"
    assert subject_of(claim) == "giáo viên tiểu học"
    sw = {"giao vien": 1.0, "tieu hoc": 2.0, "bang": 1.0, "tot nghiep": 1.0, "cao dang": 2.0, "su pham": 2.0}
    g = governing([a, b], sw, {"giao vien": 1.0, "tieu hoc": 2.0})
    assert g == 1
    v = check_statement(claim, b, [a, b], sw, [], "Luật Giáo dục")
    # the degree levels exclude each other (verdict.CONTRASTS); without them the neighbour's value
    # ("cao đẳng" belongs to the mầm non case) would be the difference
    assert v.label == "Sai" and (v.differences[0].question, v.differences[0].document) == ("cao đẳng", "cử nhân")
    v = check_statement(
        "giáo viên tiểu học chỉ cần có bằng tốt nghiệp sư phạm mầm non",
        b,
        [a, b],
        {"giao vien": 1.0, "tieu hoc": 2.0, "su pham": 2.0, "mam non": 2.0},
        [],
        "Luật Giáo dục",
    )
    assert v.label == "Sai" and v.differences[0].what == "nội dung" and "mam non" in v.differences[0].question
    _, choices = parse_choices("Thời hạn tạm trú tối đa? A. 01 năm B. 02 năm C. 03 năm D. 05 năm")
    verdict, where = choose(choices, False, [p], words("thời hạn tạm trú"), words, segmented=False)
    assert verdict.label == "B"


def test_school_levels_of_a_question_and_a_statement():
    from assistant.question.facets import other_level, school_levels

    assert school_levels("Trường THCS và trường trung học phổ thông") == {"thcs", "thpt"}
    assert school_levels("Có bằng tốt nghiệp cao đẳng sư phạm trở lên đối với giáo viên mầm non") == {"mam non"}
    assert school_levels("có trình độ đại học trở lên") == frozenset()  # a degree, not a school level
    tieu_hoc = school_levels("Học bạ số cấp tiểu học được thí điểm từ học kỳ nào?")
    assert other_level(tieu_hoc, school_levels("Triển khai thí điểm Học bạ số cấp trung học cơ sở từ học kỳ II"))
    assert other_level(
        school_levels("Trường mẫu giáo nhận trẻ em từ mấy tuổi?"),
        school_levels("Nhà trẻ nhận trẻ em từ 03 tháng tuổi đến 03 tuổi"),
    )
    # a wider level, or a statement naming none, is not another level
    assert not other_level(school_levels("giáo viên mẫu giáo"), school_levels("giáo dục mầm non"))
    assert not other_level(school_levels("giáo viên THCS"), school_levels("giáo dục phổ thông"))
    assert not other_level(tieu_hoc, school_levels("Triển khai Học bạ số từ học kỳ II"))


def test_english_question_may_quote_vietnamese_terms():
    from assistant.question.query import analyze, english_law_name, is_english

    q = "Under the 2014 Law on Vocational Education, how long does elementary-level (sơ cấp) training last?"
    assert is_english(q)
    assert "sơ cấp" in analyze(q).expansions
    assert not is_english("Trường THCS (cấp 2) phải báo cáo gì?")
    # a law's English name with an "of" of its own
    assert (
        english_law_name("Under the Law on Dissemination and Education of Law, who …?")[0]
        == "Luật Phổ biến, giáo dục pháp luật"
    )


def test_an_article_number_is_not_a_count():
    from assistant.question.kinds import QuestionKind, read_asked, strategy

    number = strategy(QuestionKind.NUMBER)
    text = "Thời gian đào tạo thực hiện theo hình thức chính quy quy định tại Điều 38 của Luật giáo dục."
    assert number.lead([text], read_asked("How long is the term of a university council?")) == ""


def test_people_by_their_title():
    from assistant.question.kinds import QuestionKind, asked_title, detect_kind, people_with_title

    text = (
        "Đồng chí Nguyễn Thị Thúy- Ủy viên Ban chấp hành Đảng bộ tỉnh, Giám đốc Sở GDĐT chỉ đạo Hội nghị; "
        "các đồng chí Phó Giám đốc Sở: Trịnh Đình Hải, Châu Hoài Thu tham dự."
    )
    assert people_with_title(text, "giam doc") == ["Nguyễn Thị Thúy"]
    assert people_with_title(text, "pho giam doc") == ["Trịnh Đình Hải", "Châu Hoài Thu"]
    assert asked_title("Ai là Giám đốc Sở GDĐT?") == "giam doc"
    assert detect_kind("Những Phó Giám đốc Sở nào trực tiếp quán triệt?") == QuestionKind.PERSON


def test_a_follow_up_naming_only_a_place():
    from assistant.question.query import resolve_follow_up

    hist = [
        {"role": "user", "content": "Sở GDĐT làm việc với huyện Trà Bồng vào thời gian nào?"},
        {"role": "assistant", "content": "Quý II/2023."},
    ]
    assert resolve_follow_up("Thế còn Minh Long?", hist) == "Sở GDĐT làm việc với huyện Minh Long vào thời gian nào?"


def test_a_place_the_provision_does_not_name_is_a_difference():
    from assistant.answer.verdict import place_differences

    provision = "Ngày 12/12/2023, tại thành phố Hạ Long, Sở GDĐT tổ chức Hội nghị quán triệt."
    assert [d.document for d in place_differences("Hội nghị được tổ chức tại thành phố Cẩm Phả", provision)] == [
        "thành phố Hạ Long"
    ]
    assert place_differences("Hội nghị được tổ chức tại thành phố Hạ Long", provision) == []
    assert place_differences("Làm việc với huyện Trà Bồng", "- Quý II/2023: huyện Bình Sơn và Trà Bồng;") == []


def test_a_document_is_cited_by_its_symbol_or_by_its_type_and_number():
    from assistant.question.constraints import Mention, cites

    text = "Tổ chức Hội nghị quán triệt Chỉ thị số 38-CT/TU ngày 05/9/2023 của Ban Thường vụ Tỉnh ủy."
    assert cites(Mention("Chỉ thị 38-CT/TU", "Chỉ thị", "38-ct/tu"), text)
    assert not cites(Mention("Chỉ thị 39-CT/TU", "Chỉ thị", "39-ct/tu"), text)
    assert cites(Mention("Chỉ thị 38", "Chỉ thị", "38"), text)
    assert not cites(Mention("Nghị quyết 38", "Nghị quyết", "38"), text)  # a bare number needs its type


def test_a_when_question_is_not_answered_by_its_own_date():
    from assistant.question.kinds import QuestionKind, detect_kind, read_asked, strategy

    q = "Sở GDĐT làm việc với huyện Bình Sơn vào ngày cụ thể nào trong Quý II/2023?"
    assert detect_kind(q) == QuestionKind.WHEN
    asked = read_asked(q)
    assert not strategy(QuestionKind.WHEN).answers("- Quý II/2023: huyện Bình Sơn và Trà Bồng;", asked)
    assert strategy(QuestionKind.WHEN).answers("Làm việc với huyện Bình Sơn ngày 12/5/2023.", asked)


def test_a_document_date_is_the_one_next_to_its_symbol():
    from assistant.answer.verdict import document_date_differences, place_differences

    text = "Quyết định số 1456/QĐ-TTg ngày 22/11/2023 và Quyết định số 1320/QĐ-TTg ngày 01/11/2024 của Thủ tướng"
    wrong = document_date_differences("Quyết định số 1456/QĐ-TTg được ban hành ngày 01/11/2024", text)
    assert [d.document for d in wrong] == ["1456/QĐ-TTg ngày 22/11/2023"]
    assert document_date_differences("Quyết định số 1456/QĐ-TTg được ban hành ngày 22/11/2023", text) == []
    # a place's name stops at the first lower-case word ("được" is not part of "Quảng Ngãi")
    assert place_differences("Quy hoạch tỉnh Quảng Ngãi được phê duyệt", "Quy hoạch tỉnh Quảng Ngãi thời kỳ 2021") == []


def test_a_statement_that_opens_with_a_law_is_checked_against_that_law():
    from assistant.question.constraints import parse

    c = parse(
        "Luật Giáo dục nghề nghiệp 2014 có hiệu lực thi hành từ ngày 01/01/2015",
        ["Luật Giáo dục nghề nghiệp"],
        statement=True,
    )
    assert c.mentions and c.mentions[0].source
    inside = parse("Người dưới 18 tuổi bị xử lý theo quy định của Bộ luật Hình sự", ["Bộ luật Hình sự"], statement=True)
    assert inside.mentions and not inside.mentions[0].source


def test_negations_that_say_the_same_are_not_a_difference():
    from assistant.answer.verdict import negation_differences

    # a prohibition written with a modal is a prohibition
    assert (
        negation_differences(
            "Không được phép lợi dụng hoạt động giáo dục để xuyên tạc chủ trương",
            "Cấm lợi dụng hoạt động giáo dục để xuyên tạc chủ trương, chính sách",
        )
        == []
    )
    # an item of "Nghiêm cấm các hành vi sau đây:" is forbidden, though it says no "không" itself
    lead = "Điều 6. Các hành vi bị nghiêm cấm > Nghiêm cấm các hành vi sau đây:"
    assert (
        negation_differences(
            "Không được lợi dụng hoạt động giáo dục để trục lợi", "a) Lợi dụng hoạt động giáo dục để trục lợi;", lead
        )
        == []
    )
    assert negation_differences(
        "Được lợi dụng hoạt động giáo dục để trục lợi", "a) Lợi dụng hoạt động giáo dục để trục lợi;", lead
    )
    # a negation still differs where it does
    assert negation_differences("Học sinh không phải đóng học phí", "Học sinh phải đóng học phí theo quy định")


def test_a_capital_letter_is_a_capital_letter():
    from assistant.question.kinds import ENTITY_SEQ, PERSON

    # "[A-ZĐÀ-Ỹ]" also holds "đ", "ề": "Trần đề xuất" is not a name
    assert PERSON.findall("Đồng chí Nguyễn Thị Thúy đề nghị; Trần đề xuất; ký: Lê Văn Phước") == [
        "Nguyễn Thị Thúy",
        "Lê Văn Phước",
    ]
    assert ENTITY_SEQ.findall("tổ chức Hội nghị quán triệt tại Hạ Long") == ["Hạ Long"]


def test_question_words_are_read_in_their_own_spelling():
    # folded, "tái đầu tư" is "tai dau tu" ("tại đâu"?) and "máy tính" is "may tinh" ("mấy"?)
    q = (
        "Trường đại học tư thục phải dành ít nhất bao nhiêu phần trăm phần chênh lệch thu - chi để tái đầu tư "
        "phát triển nhà trường?"
    )
    assert analyze(q).kind is QuestionKind.NUMBER
    assert analyze("Trường cần trang bị máy tính gì cho phòng học?").kind is not QuestionKind.NUMBER
    assert analyze("Hội nghị diễn ra tại đâu?").kind is QuestionKind.WHERE
    assert analyze("hoi nghi dien ra tai dau?").kind is QuestionKind.WHERE  # typed without diacritics: folded
    assert analyze("Mỗi trường có mấy máy tính?").kind is QuestionKind.NUMBER


def test_a_document_number_is_asked_for_as_a_document():
    assert analyze("Phòng GDĐT triển khai theo công văn số mấy của Sở?").kind is QuestionKind.DOCUMENT
    assert analyze("phong gddt trien khai quy hoach theo cong van so may cua so?").kind is QuestionKind.DOCUMENT
    assert analyze("On which date is Teachers' Day celebrated?").kind is QuestionKind.WHEN


def test_terms_that_exclude_each_other_are_a_difference():
    from assistant.answer.verdict import term_differences

    d = term_differences(
        "giáo dục quốc phòng và an ninh ở trường THPT là môn học tự chọn",
        "Giáo dục quốc phòng và an ninh trong trường trung học phổ thông là môn học chính khóa.",
    )
    assert [(x.question, x.document) for x in d] == [("tự chọn", "chính khóa")]
    d = term_differences(
        "Giáo viên mầm non phải có bằng cử nhân sư phạm trở lên",
        "a) Có bằng tốt nghiệp cao đẳng sư phạm trở lên đối với giáo viên mầm non;",
    )
    assert [(x.question, x.document) for x in d] == [("cử nhân", "cao đẳng")]
    # the same alternative, or one the provision does not speak of, is no difference
    assert term_differences("trường ngoài công lập", "cơ sở giáo dục ngoài công lập") == []
    assert (
        term_differences(
            "học sinh trường công lập không phải đóng học phí",
            "Học sinh tiểu học trong cơ sở giáo dục công lập không phải đóng học phí;",
        )
        == []
    )
    assert term_differences("môn học bắt buộc", "Nhà trường tổ chức các hoạt động giáo dục.") == []


def test_a_unit_of_measure_is_what_is_counted():
    from assistant.question.kinds import counted_noun

    assert counted_noun("chậm nhất bao nhiêu ngày kể từ ngày nhận được yêu cầu?") == "ngay"
    assert counted_noun("phải thông báo ít nhất bao nhiêu ngày trước ngày tổ chức?") == "ngay"
    assert counted_noun("có bao nhiêu học sinh tham gia?") == "hoc sinh"


def test_a_unit_about_the_statements_case_alone_governs_it():
    from assistant.answer.verdict import Provision, governing

    clause = (
        "3. Học sinh tiểu học trong cơ sở giáo dục công lập không phải đóng học phí; ở địa bàn không đủ "
        "trường công lập, học sinh tiểu học trong cơ sở giáo dục tư thục được Nhà nước hỗ trợ tiền đóng học phí."
    )
    own = Provision("3. Học sinh tiểu học trong cơ sở giáo dục công lập không phải đóng học phí;", clause)
    mixed = Provision(
        "ở địa bàn không đủ trường công lập, học sinh tiểu học trong cơ sở giáo dục tư thục được Nhà "
        "nước hỗ trợ tiền đóng học phí.",
        clause,
    )
    statement = "học sinh tiểu học học ở trường công lập không phải đóng học phí"
    sw = {"hoc phi": 2.0, "cong lap": 1.9, "tieu hoc": 1.7, "hoc sinh": 1.7, "truong": 1.4, "dong": 1.2}
    assert governing([mixed, own], sw, {}) == 0  # by words alone the other case's sentence wins
    assert governing([mixed, own], sw, {}, statement=statement) == 1
    assert check_statement(statement, own, [mixed, own], sw, [], "Luật Giáo dục").label == "Đúng"


def test_a_document_named_by_its_kind_code_and_number():
    """Officers write "QĐ 1973", "qd 1973", "KH 182": the kind's symbol code before its number
    names the document as "Quyết định 1973" does; "PL 2" (an appendix) and "QH" name no kind."""
    from assistant.question.constraints import parse

    for text, kind, number in (
        ("QĐ 1973 của tỉnh Hưng Yên ai ký?", "Quyết định", "1973"),
        ("qd 1973 hung yen ai ky", "Quyết định", "1973"),
        ("KH 182/KH-UBND phấn đấu bao nhiêu phần trăm?", "Kế hoạch", "182/kh-ubnd"),
        ("Theo TT 55/2025, thay thế mẫu nào?", "Thông tư", "55/2025"),
    ):
        mentions = parse(text).mentions
        assert [(m.doc_type, m.number.lower()) for m in mentions] == [(kind, number)], (text, mentions)
    assert parse("Mẫu số 02 tại PL 2 gồm những gì?").mentions == []
    assert parse("Kỳ họp QH 14 bàn những gì?").mentions == []


def test_a_statement_after_a_bare_true_or_false():
    """ "Đúng hay sai: …" before the statement is a statement to verify, as "…, đúng hay sai?" is."""
    from assistant.question.forms import read_form
    from assistant.question.kinds import QuestionKind

    for text in (
        "Đúng hay sai: Chỉ thị 04/CT-UBND của An Giang có hiệu lực sau 15 ngày kể từ ngày ký",
        "đúng hay sai? Giáo dục tiểu học được thực hiện trong 05 năm học.",
        "True or false: primary education lasts five school years.",
    ):
        form = read_form(text)
        assert form.kind is QuestionKind.VERIFY, text
        assert not form.statement.lower().startswith(("đúng", "true")), form.statement


def test_a_province_is_named_in_its_own_spelling():
    """Folded, "Bình Sơn là về việc gì" contains "son la"; written with diacritics it names no
    province ("là" is not "La"). Typed without diacritics, the folded words are the name."""
    from assistant.question.constraints import parse

    assert parse("Công văn của Phòng GDĐT huyện Bình Sơn là về việc gì?").provinces == []
    assert parse("Kế hoạch của tỉnh Sơn La năm 2023 gồm những gì?").provinces == ["Sơn La"]
    assert parse("ke hoach cua tinh son la nam 2023").provinces == ["Sơn La"]
