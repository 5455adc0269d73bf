"""Draft replies an officer can send after filling the number and signing: read back with
python-docx, for each seed document (real answers) and for documents of every kind in
../shared/corpus-extra/directives (real headers, parsed; the cited paragraphs taken from them)."""

from __future__ import annotations

import io
import json
import re

import docx
import pytest
from conftest import ROOT

from assistant.answer.citations import shown_section
from assistant.answer.drafting import (
    PLACEHOLDER_RE,
    DraftError,
    build_draft,
    draft_text,
    locator,
    parent_body,
    reference_problems,
    render_docx,
    subject_from,
)
from assistant.core.models import DocumentMeta

DIRECTIVES = ROOT.parent / "shared" / "corpus-extra" / "directives"
MOTTO = re.compile(r"cộng hòa xã hội|cộng hoà xã hội|độc lập|tự do - hạnh phúc", re.I)
QUESTION_WORDS = re.compile(r"\b(?:gì|nào|đâu|bao nhiêu|mấy|ai)\b|\?", re.I)


# -- the one check on what a reference may be built from -----------------------------------------
def test_reference_problems_on_documents_written_for_the_test():
    good = DocumentMeta(
        doc_type="Kế hoạch", number="158/KH-SGDĐT", date="2023-12-15", issuer="Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi"
    )
    assert reference_problems(good) == []
    law = DocumentMeta(doc_type="Luật", number="43/2019/QH14", date="2019-06-14", issuer="Quốc hội", subject="Giáo dục")
    assert reference_problems(law) == []
    assert (
        reference_problems(
            DocumentMeta(
                doc_type="Chỉ thị", number="38-CT/TU", date="2023-09-05", issuer="Ban Thường vụ Tỉnh ủy Quảng Ninh"
            )
        )
        == []
    )
    cases = {
        "number": [{"number": ""}, {"number": "/KH-SGDĐT"}, {"number": "…/PGDĐT"}, {"number": "Công văn"}],
        "date": [{"date": ""}, {"date": "2025-02"}, {"date": "2023"}, {"date": "2025-02-30"}],
        "issuer": [
            {"issuer": ""},
            {"issuer": "Ủy ban nhân dân tỉnh Cao Bằng Cộng Hòa xã Hội Chủ Nghĩa Việt Nam"},
            {"issuer": "Ubnd thành phố Quy Nhơn Độc lập - Tự do - Hạnh phúc"},
            {"issuer": "Bộ Tài chính Cục Hải quan"},
            {"issuer": "sở giáo dục"},
            {"issuer": "Phòng GDĐT Số: 12/PGDĐT"},
        ],
        "doc_type": [{"doc_type": ""}, {"doc_type": "Văn bản"}],
    }
    for field, changes in cases.items():
        for change in changes:
            meta = DocumentMeta(**{**good.to_dict(), **change})
            assert reference_problems(meta) == [field], change


def test_a_reference_is_never_built_from_doubtful_metadata():
    answer = _answer(
        "Kế hoạch làm việc gồm những gì?",
        [_cite("kh", "1. Làm việc với huyện Bình Sơn.", "II. Nội dung làm việc > 1. Làm việc với huyện…")],
    )
    doubtful = DocumentMeta(
        doc_type="Kế hoạch",
        number="/KH-SGDĐT",
        date="2023",
        date_text="ngày tháng năm 2023",
        issuer="Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi Cộng Hòa xã Hội Chủ Nghĩa Việt Nam",
    )
    d = build_draft(answer, "Các trường", "Phòng Giáo dục và Đào tạo huyện Bình Sơn", documents={"kh": doubtful})
    (basis,) = d.bases
    assert basis.startswith(
        "Kế hoạch số [cần điền: số hiệu] ngày [cần điền: ngày ban hành] của [cần điền: cơ quan ban hành]"
    )
    assert not MOTTO.search(basis) and "/KH-SGDĐT" not in basis
    assert any("chưa rõ số hiệu (văn bản ghi “/KH-SGDĐT”)" in n and "cơ quan ban hành" in n for n in d.notes)
    assert "theo mục II.1 Kế hoạch" in d.items[0] and "Cộng Hòa" not in d.items[0]
    good = DocumentMeta(
        doc_type="Kế hoạch",
        number="158/KH-SGDĐT",
        date="2023-12-15",
        issuer="Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi",
        subject="làm việc với UBND các huyện",
    )
    d = build_draft(answer, "Các trường", "Phòng Giáo dục và Đào tạo huyện Bình Sơn", documents={"kh": good})
    assert d.bases == ["Kế hoạch số 158/KH-SGDĐT ngày 15/12/2023 của Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi"]
    assert d.items[0] == (
        "Làm việc với huyện Bình Sơn (theo mục II.1 Kế hoạch số 158/KH-SGDĐT ngày 15/12/2023 "
        "của Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi)."
    )
    assert not [n for n in d.notes if "Căn cứ" in n]


# -- how an officer writes it -------------------------------------------------------------------
@pytest.mark.parametrize(
    "question,subject",
    [
        (
            "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
            "nội dung trường THCS phải báo cáo sau năm học 2024-2025",
        ),
        (
            "Chỉ thị 04/CT-UBND của UBND tỉnh An Giang có hiệu lực khi nào?",
            "thời gian Chỉ thị 04/CT-UBND của UBND tỉnh An Giang có hiệu lực",
        ),
        (
            "Hội nghị quán triệt Chỉ thị 38-CT/TU của Quảng Ninh có bao nhiêu đại biểu?",
            "số đại biểu Hội nghị quán triệt Chỉ thị 38-CT/TU của Quảng Ninh",
        ),
        (
            "Sở GDĐT Quảng Ngãi làm việc với những huyện nào trong Quý III/2023?",
            "Sở GDĐT Quảng Ngãi làm việc với các huyện trong Quý III/2023",
        ),
        (
            "Có phải Sở GDĐT Quảng Ngãi làm việc với huyện Minh Long vào Quý II/2023 không?",
            "làm rõ thông tin Sở GDĐT Quảng Ngãi làm việc với huyện Minh Long vào Quý II/2023",
        ),
        ("Mục đích của kế hoạch là gì?", "mục đích của kế hoạch"),
        ("Công văn 5095/SGDĐT-CTTTHSSV quy định những nội dung gì?", "nội dung Công văn 5095/SGDĐT-CTTTHSSV quy định"),
        ("Chỉ thị 04 yêu cầu các trường làm gì?", "nội dung Chỉ thị 04 yêu cầu các trường"),
        ("Trường THCS phải làm gì sau năm học 2024-2025?", "nhiệm vụ của trường THCS sau năm học 2024-2025"),
        ("Thời gian tạm trú tối đa là bao lâu?", "thời gian tạm trú tối đa"),
        ("Công văn của Phòng Bình Sơn yêu cầu gì về học bạ?", "nội dung Công văn của Phòng Bình Sơn yêu cầu về học bạ"),
        ("Hội nghị diễn ra ở đâu và có bao nhiêu đại biểu?", "địa điểm và số đại biểu Hội nghị"),
    ],
)
def test_the_subject_is_phrased_from_the_topic(question, subject):
    assert subject_from(question) == subject


def test_an_english_question_gets_its_subject_from_the_cited_heading():
    assert subject_from("what must THCS schools report after 2024-2025?") == ""
    answer = _answer(
        "what must THCS schools report after 2024-2025?",
        [_cite("cv", "- Báo cáo tổng kết học bạ điện tử.", "4. Ứng dụng công nghệ trong giáo dục > -")],
    )
    meta = DocumentMeta(
        doc_type="Công văn", number="381/PGDĐT", date="2025-02-13", issuer="Phòng Giáo dục và Đào tạo huyện Bình Sơn"
    )
    d = build_draft(answer, "Các trường", "Phòng Giáo dục và Đào tạo huyện Bình Sơn", documents={"cv": meta})
    assert d.subject == "ứng dụng công nghệ trong giáo dục theo Công văn số 381/PGDĐT"
    assert d.items[0] == (
        "Báo cáo tổng kết học bạ điện tử (theo mục 4 Công văn số 381/PGDĐT ngày 13/02/2025 "
        "của Phòng Giáo dục và Đào tạo huyện Bình Sơn)."
    )


def test_locators_are_outline_markers_not_headings():
    assert locator({"section": "II. Nội dung làm việc > 1. Công tác lãnh đạo, chỉ đạo…"}) == "mục II.1"
    assert locator({"section": "III. Thời gian > 2. Thành phần > a) Sở Giáo dục và Đào tạo"}) == "điểm a mục III.2"
    assert locator({"section": "4. Ứng dụng công nghệ > -"}) == "mục 4"
    assert locator({"section": "Phụ lục: ĐỀ CƯƠNG > I. Kết quả > 1. Đánh giá > 1.2. Khó khăn"}) == "mục I.1.2 Phụ lục"
    assert locator({"section": "", "locator": "Điều 72, khoản 1, điểm a"}) == "điểm a khoản 1 Điều 72"
    assert locator({"section": ""}) == ""


def test_a_long_quote_is_cut_visibly_and_given_whole_in_the_appendix():
    long = (
        "1. Công tác lãnh đạo, chỉ đạo. "
        + "Nội dung chi tiết về việc tổ chức thực hiện. " * 20
        + "Báo cáo kết quả trước ngày 15/12/2024."
    )
    start = long.index("Báo cáo")
    c = _cite("kh", long, "II. Nội dung > 1. Công tác lãnh đạo, chỉ đạo", spans=[[start, len(long)]])
    short = _cite("kh", "2. Kiểm tra cuối năm.", "II. Nội dung > 2. Kiểm tra cuối năm", n=2)
    meta = DocumentMeta(
        doc_type="Kế hoạch", number="12/KH-UBND", date="2024-10-01", issuer="Ủy ban nhân dân tỉnh Hà Giang"
    )
    d = build_draft(_answer("Kế hoạch yêu cầu gì?", [c, short]), "A", "B", documents={"kh": meta})
    assert d.items[0].startswith("… Báo cáo kết quả trước ngày 15/12/2024 (theo mục II.1 Kế hoạch số 12/KH-UBND")
    assert "toàn văn tại Phụ lục, mục 1" in d.items[0]
    assert d.appendix == [
        f"[1] mục II.1 Kế hoạch số 12/KH-UBND ngày 01/10/2024 của Ủy ban nhân dân tỉnh Hà Giang: “{long}”"
    ]
    assert d.items[1] == "Kiểm tra cuối năm (theo mục II.2 Kế hoạch số 12/KH-UBND)."  # whole, named in full once


def test_the_parent_body_is_written_above_the_issuing_office():
    assert parent_body("Phòng Giáo dục và Đào tạo huyện Bình Sơn", {}) == "Ủy ban nhân dân huyện Bình Sơn"
    assert parent_body("Sở Giáo dục và Đào tạo tỉnh Quảng Ngãi", {}) == "Ủy ban nhân dân tỉnh Quảng Ngãi"
    assert parent_body("Trường THCS Nguyễn Du", {}) == ""
    # known from a document the sender issued: its two-line header
    meta = DocumentMeta(issuer="Cục Hải quan", parent_issuer="Bộ Tài chính")
    assert parent_body("Cục Hải quan", {"tb": meta}) == "Bộ Tài chính"
    answer = _answer("Kế hoạch yêu cầu gì?", [_cite("kh", "1. Kiểm tra cuối năm.", "1. Kiểm tra cuối năm")])
    word = _docx(build_draft(answer, "Các trường THCS", "Phòng Giáo dục và Đào tạo huyện Bình Sơn"))
    head = word.tables[0].rows[0].cells[0].paragraphs
    assert [p.text for p in head[:2]] == ["ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO"]
    assert head[1].runs[0].bold and not head[0].runs[0].bold


def test_given_values_are_used_and_missing_ones_are_asked_for():
    answer = _answer("Kế hoạch yêu cầu gì?", [_cite("kh", "1. Kiểm tra cuối năm.", "1. Kiểm tra cuối năm")])
    text = draft_text(build_draft(answer, "Các trường THCS", "Phòng Giáo dục và Đào tạo huyện Bình Sơn"))
    assert "Kính gửi: Các trường THCS" in text and "Phòng Giáo dục và Đào tạo huyện Bình Sơn trả lời như sau:" in text
    assert "Kính gửi: ……" not in text and "[Tên đơn vị]" not in text and "[cần điền: nơi nhận" not in text
    d = build_draft(answer)
    text = draft_text(d)
    assert "Kính gửi: [cần điền: nơi nhận (Kính gửi)]" in text and "[cần điền: tên cơ quan ban hành] trả lời" in text
    assert d.notes[0].startswith("Chưa có Kính gửi và cơ quan ban hành: hãy điền (--recipient, --sender")
    gaps = [r for p in _docx(d).paragraphs for r in p.runs if PLACEHOLDER_RE.search(r.text)]
    assert gaps and all(r.font.highlight_color is not None for r in gaps)  # marked, not a look-alike value


# -- drafts read back with python-docx ------------------------------------------------------------
SEED_QUESTIONS = {
    "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc": "Chỉ thị 04/CT-UBND của UBND tỉnh An Giang có hiệu lực khi nào?",
    "ninh-thuan-2022-thong-bao-chuyen-doi-so": "Cuộc họp Ban Chỉ đạo chuyển đổi số Ninh Thuận diễn ra vào thời gian nào?",
    "quang-ngai-2023-ke-hoach-lam-viec-ubnd-huyen": "Nội dung làm việc của Sở GDĐT Quảng Ngãi với UBND các huyện gồm những gì?",
    "quang-ngai-binh-son-2025-quy-hoach-tinh": "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
    "quang-ninh-2023-thong-bao-3677-chuyen-doi-so": "Hội nghị quán triệt Chỉ thị 38-CT/TU của Quảng Ninh có bao nhiêu đại biểu?",
}


@pytest.mark.parametrize("doc_id", list(SEED_QUESTIONS))
def test_a_draft_for_each_seed_document(seed_service, doc_id):
    question = SEED_QUESTIONS[doc_id]
    answer = seed_service.ask(question).to_dict()
    assert not answer["abstained"], answer["answer"]  # drafted, not declined (the Quảng Ninh question too)
    assert doc_id in {c["doc_id"] for c in answer["citations"]}
    metas = {d: r.meta for d, r in seed_service.store.documents().items()}
    d = build_draft(answer, "Các trường THCS trên địa bàn", "Phòng Giáo dục và Đào tạo huyện Bình Sơn", documents=metas)
    check_sendable(_docx(d), question, answer["citations"])
    if doc_id.startswith("quang-ninh"):
        assert "550 đại biểu" in "\n".join(d.items)


def _directive_samples(count: int = 11) -> list[dict]:
    """One document of each kind × issuer level (central / province), the shortest of each."""
    rows = [
        json.loads(line)
        for line in (DIRECTIVES / "metadata.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    picked: dict[tuple, dict] = {}
    for r in sorted(rows, key=lambda r: r["chars"]):
        picked.setdefault((r["loai"], r["tinh"] is None), r)
    return sorted(picked.values(), key=lambda r: (r["loai"], r["file"]))[:count]


QUESTION_FORMS = [
    "{t} {n} có hiệu lực khi nào?",
    "{t} {n} yêu cầu các cơ quan làm gì?",
    "{t} {n} quy định những nội dung gì?",
    "Ai ký {t} {n}?",
    "Theo {t} {n}, thời hạn thực hiện là bao lâu?",
]


@pytest.mark.skipif(not DIRECTIVES.is_dir(), reason="../shared/corpus-extra/directives is not here")
def test_drafts_for_documents_of_every_kind():
    from assistant.index.indexer import make_document
    from assistant.ingest.loading import read_file

    samples = _directive_samples()
    assert len({(r["loai"], r["tinh"] is None) for r in samples}) >= 10
    for i, row in enumerate(samples):
        raw = read_file(DIRECTIVES / "corpus" / row["file"], DIRECTIVES / "corpus")
        doc, chunks, _ = make_document(raw)
        body = [c for c in chunks if c.kind not in ("recipients", "distribution", "signature") and c.text.strip()]
        # cited: a numbered item (an outline address), the longest paragraph (cut when long), the first one
        numbered = next((c for c in body if c.marker and c.outline), body[0])
        longest = max(body, key=lambda c: len(c.text))
        cited = list({c.chunk_id: c for c in (numbered, longest, body[0])}.values())
        citations = []
        for n, c in enumerate(cited, 1):
            first = re.search(r"[.;:](?=\s|$)", c.text)
            span = [0, first.end() if first else len(c.text)]
            citations.append(
                {
                    "n": n,
                    "chunk_id": c.chunk_id,
                    "doc_id": doc.doc_id,
                    "source": doc.source,
                    "doc_title": doc.title,
                    "doc_type": doc.meta.doc_type,
                    "doc_number": doc.meta.number,
                    "doc_date": doc.meta.date,
                    "issuer": doc.meta.issuer,
                    "section": shown_section(c.section),
                    "text": c.text,
                    "quote": c.text[span[0] : span[1]],
                    "quote_spans": [span],
                    "start": c.start,
                    "end": c.end,
                    "doc_name": doc.meta.doc_type,
                    "locator": c.locator,
                }
            )
        question = QUESTION_FORMS[i % len(QUESTION_FORMS)].format(t=doc.meta.doc_type or "Văn bản", n=row["so_hieu"])
        d = build_draft(
            _answer(question, citations),
            "Các sở, ban, ngành",
            "Sở Giáo dục và Đào tạo tỉnh Hà Giang",
            documents={doc.doc_id: doc.meta},
        )
        check_sendable(_docx(d), question, citations)


def check_sendable(word, question: str, citations: list[dict]) -> None:
    """What an officer would otherwise fix by hand: the subject line is a subject, not the
    question; no index breadcrumbs (" > "); every quote whole or visibly cut (and then whole in
    the appendix); no "Căn cứ" line with an empty or doubtful reference."""
    cells = [c.text for t in word.tables for c in t.rows[0].cells]
    paragraphs = [p.text for p in word.paragraphs]
    everything = "\n".join(cells + paragraphs)
    (subject,) = [p.text for p in word.tables[0].rows[0].cells[0].paragraphs if p.text.startswith("V/v ")]
    subject = subject.removeprefix("V/v ")
    assert _norm(subject) != _norm(question) and _norm(question) not in _norm(subject), subject
    assert not QUESTION_WORDS.search(subject) and not subject.endswith("…") and len(subject.split()) >= 3, subject
    assert " > " not in everything
    words = _words(everything)
    for c in citations:
        quoted = _words(re.sub(r"^\s*(?:[-–+•]|\(\w+\)|[a-zđ]\)|\d+(?:\.\d+)*\.)\s*", "", c["text"]))
        assert _contains(words, quoted), f"the paragraph of [{c['n']}] is not quoted whole anywhere"
    body = [p for p in paragraphs if p.startswith("- ")]
    for item in body:
        if "toàn văn tại Phụ lục" in item:
            assert "…" in item  # cut, and says so
    bases = [p for p in paragraphs if p.startswith("Căn cứ")]
    assert bases
    for b in bases:
        assert not MOTTO.search(b), b
        assert re.match(r"^Căn cứ \S.*\ssố (?:\[cần điền: số hiệu\]|\d+[\w/-]*[/-][\w/.-]+)\s", b), b
        assert re.search(r"\sngày (?:\[cần điền: ngày ban hành\]|\d{2}/\d{2}/\d{4})", b), b
        assert not re.search(r"số …|số /|tháng \d+/\d{4}|năm \d{4}(?:\s|;|$)", b.split(" về ")[0]), b


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _contains(haystack: list[str], needle: list[str]) -> bool:
    if not needle:
        return True
    first = needle[0]
    return any(haystack[i : i + len(needle)] == needle for i, w in enumerate(haystack) if w == first)


def _answer(question: str, citations: list[dict]) -> dict:
    return {
        "question": question,
        "resolved_question": question,
        "answer": "…",
        "abstained": False,
        "citations": citations,
    }


def _cite(doc_id: str, text: str, section: str, n: int = 1, spans=None) -> dict:
    return {
        "n": n,
        "chunk_id": f"{doc_id}:{n}",
        "doc_id": doc_id,
        "source": f"{doc_id}.txt",
        "doc_title": "",
        "doc_type": "",
        "doc_number": "",
        "doc_date": "",
        "issuer": "",
        "section": section,
        "text": text,
        "quote": text,
        "quote_spans": spans or [[0, len(text)]],
        "start": 0,
        "end": len(text),
        "doc_name": "",
        "locator": "",
    }


def _docx(d) -> docx.document.Document:
    return docx.Document(io.BytesIO(render_docx(d)))


def test_no_draft_without_a_basis():
    with pytest.raises(DraftError):
        build_draft({"question": "Hỏi?", "abstained": True, "citations": []})
