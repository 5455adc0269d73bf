"""Question kinds. One small strategy per kind says how to recognise the question, what kind of
statement answers it, what the answer leads with, and how many statements it takes.

``QuestionKind`` is a ``str`` enum, so a kind compares equal to its name ("list") in reports and
question files."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from assistant.core.textutil import UPPER_VI, fold, has_diacritics, words
from assistant.question import lexicon


class QuestionKind(StrEnum):
    LIST = "list"  # "gồm những gì", "những nhiệm vụ nào"
    WHEN = "when"  # "khi nào", "năm học nào", "quý mấy"
    WHERE = "where"  # "ở đâu", "địa điểm nào"
    NUMBER = "number"  # "bao nhiêu", "mấy"
    PERSON = "person"  # "ai là …", "người nào"
    WHO = "who"  # "ai", "cơ quan nào" (a body or a person)
    DOCUMENT = "document"  # "quyết định nào": the answer names a document
    SIGNER = "signer"  # "ai ký …?": the document's signature block answers it
    DEFINE = "define"  # "Mô-đun là gì?", "… được hiểu như thế nào?": "X là …"
    VERIFY = "verify"  # "…, đúng hay sai?", "có phải … không?"
    CHOICE = "choice"  # "… A. … B. … C. … D. …"
    FACT = "fact"  # anything else: one statement answers it

    def __str__(self) -> str:
        return self.value


# questions that carry their own claim (a statement, choices): verified, not answered
CLAIM_KINDS = frozenset({QuestionKind.VERIFY, QuestionKind.CHOICE})


# -- patterns of answers -----------------------------------------------------------------------
# "Quyết định số 131/QĐ-TTg", "Nghị quyết 09-NQ/TU", "Luật Giáo dục số 43/2019/QH14"
DOC_REF = re.compile(r"\b\d+[a-z]?(?:/\d{4})?[/-][A-ZĐ][\wĐđ&]*(?:[-/][A-ZĐ][\wĐđ&]*)*")
FULL_DATE = re.compile(
    r"\b\d{1,2}/\d{1,2}/\d{4}\b|\bngày \d{1,2}/\d{1,2}\b|\bngày \d{1,2} tháng \d{1,2}(?: năm \d{4})?"
)
MONTH_DATE = re.compile(r"\b(?:[Qq]uý [IV]+/\d{4}|tháng \d{1,2}/\d{4}|học kỳ [IV]+|\d{1,2}/\d{4})\b")
DATE_EXPR = re.compile(
    r"(?:trước |từ |đến |sau |trong )?(?:ngày \d{1,2} tháng \d{1,2}(?: hằng năm| năm \d{4})?|sau \d+ ngày"
    r"|ngày \d{1,2}/\d{1,2}(?:/\d{4})?|\d{1,2}/\d{1,2}/\d{4}|tháng \d{1,2}/\d{4}"
    r"|[Qq]uý [IV]+/\d{4}|học kỳ [IV]+ năm học \d{4}\s*-\s*\d{4}|năm học \d{4}\s*-\s*\d{4}"
    r"|\d{1,2}h\d{2} ngày \d{1,2}/\d{1,2}/\d{4}|năm \d{4})"
)
# a count with what it counts; not a date ("30/4"), a symbol ("38-CT/TU") or part of a word
NUMBER_EXPR = re.compile(
    r"(?<![\w/.,-])\d+(?:[.,]\d+)?(?![/-]?[\dA-Za-zĐđ])\s*(?:%|đại biểu|người|trường|đơn vị|ngày làm việc|ngày|tháng|"
    r"năm học|năm|tuổi|giờ|lần|buổi|phân hệ|quan điểm|nội dung|học sinh|lớp|tiết|tín chỉ)?"
)
# units a quantity is counted in (verdict.py compares quantities unit by unit): lexicon/units.toml
UNITS = lexicon.UNITS
_UNIT_RE = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
DIGIT_QUANTITY = re.compile(r"(?<![\w/.,-])(\d+(?:[.,]\d+)?)\s*(" + _UNIT_RE + r")(?!\w)", re.I)
WORD_QUANTITY = re.compile(
    r"\b((?:(?:một|hai|ba|bốn|tư|năm|sáu|bảy|tám|chín|mười|mươi|lăm|mốt)\s+){1,3})(" + _UNIT_RE + r")(?!\w)", re.I
)
FRACTION = re.compile(r"\b(?:một|hai|ba|bốn) phần (?:hai|ba|tư|năm|mười)\b|\bmột nửa\b", re.I)
# what "bao nhiêu" counts, when the text writes it another way
_NOUN_FORMS = {
    "phan tram": ("%", "phan tram"),
    "ty le": ("%", "phan tram"),
    "nam": ("nam",),
    "tuoi": ("tuoi",),
    "dong": ("dong", "trieu", "ty", "nghin", "ngan"),
}
_SURNAMES = (
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đinh Lưu Châu Trịnh Mai Tô "
    "Hà Đào Cao Lâm Thái Trương Đoàn Lương Tạ Quách Văn Kiều Đàm Lại Triệu Vương Phùng Tăng Hứa"
).split()
PERSON = re.compile(r"\b(?:" + "|".join(_SURNAMES) + r")(?:\s+[" + UPPER_VI + r"][a-zà-ỹđ]+){1,3}\b")
ENTITY_SEQ = re.compile(r"(?:[" + UPPER_VI + r"][\wÀ-ỹ&]*)(?:\s+[" + UPPER_VI + r"][\wÀ-ỹ&]*)+|\b[A-ZĐ]{2,}[A-ZĐ&]*\b")
PLACE = re.compile(
    r"\b(?:tại|ở|địa điểm:?)\s+((?:(?:thành phố|tỉnh|huyện|thị xã|xã|phường|trụ sở|hội trường|"
    r"Hội trường|trường|Trường)\s+)?[" + UPPER_VI + r"0-9][^,.;:()\n]{1,60}?)(?=\s*[,.;:()\n]|\s+(?:vào|lúc|từ|"
    r"ngày|với|do|và|để|có|gồm)\b|$)"
)
MARKER = re.compile(r"^\s*(?:[-–+•]\s*|\((?:\d+|i\d+|[a-z])\)\s*|[a-zđ]\)\s*|\d+(?:\.\d+)*\.\s+)")
_YEAR = re.compile(r"(?:19|20)\d\d")


def body_of(text: str) -> str:
    """A unit without its list marker ("1. Giám đốc …" -> "Giám đốc …")."""
    return MARKER.sub("", text, count=1)


# "Điều 38 của Luật giáo dục", "khoản 2", "số 43": a reference, not a quantity
_REFERENCE_BEFORE = re.compile(r"\b(?:[ĐđDd]iều|[Kk]hoản|[Đđ]iểm|Chương|Mục|Phần|Phụ lục|[Ss]ố)\s+$")


def counts(text: str) -> list[re.Match[str]]:
    """Numbers that count something: not years, not list markers, not dates or symbols; also
    written in words with their unit ("mười tám tuổi", "hai nhiệm kỳ") or as fractions ("một phần ba")."""
    body = body_of(text)
    found = [
        m
        for m in NUMBER_EXPR.finditer(body)
        if not _YEAR.fullmatch(m.group().split()[0])
        and not _REFERENCE_BEFORE.search(body, max(0, m.start() - 12), m.start())
    ]
    found += list(WORD_QUANTITY.finditer(body)) + list(FRACTION.finditer(body))
    return sorted(found, key=lambda m: m.start())


_MEASURE_UNITS = lexicon.MEASURE_UNITS


def counted_noun(question: str) -> str:
    """What "bao nhiêu" / "mấy" counts, folded: "bao nhiêu học sinh" -> "hoc sinh"; "ở tuổi nào" ->
    "tuoi"; "" when the question does not say ("là bao nhiêu?")."""
    from assistant.question.lexicon import STOP_FOLDED

    if re.search(r"\b(?:how|what|which)\b", question, re.I):
        return ""  # an English question read through its glossary terms: they are not in order
    f = fold(question)
    if re.search(r"\b(?:ty le|phan tram)\b", f):
        return "phan tram"  # "tỷ lệ … bao nhiêu": a share
    if re.search(r"\b(?:kinh phi|so tien|muc phi|hoc phi|muc luong|tien luong|muc thu)\b.*\b(?:bao nhieu|may)\b", f):
        return "dong"  # an amount of money
    toks = [fold(w) for w in words(question)]
    for i, t in enumerate(toks):
        if t == "nhieu" and i and toks[i - 1] == "bao" or t == "may":
            rest = []
            for w in toks[i + 1 : i + 3]:
                if w in STOP_FOLDED or w in ("nao", "gi"):
                    break
                rest.append(w)
            if rest:
                # a unit of measure is the whole noun: "bao nhiêu ngày kể từ …" counts days
                return rest[0] if rest[0] in _MEASURE_UNITS else " ".join(rest[:2])
        if t == "tuoi" and i + 1 < len(toks) and toks[i + 1] == "nao":
            return "tuoi"
    return ""


def _spaced(text: str) -> str:
    return " " + " ".join(fold(w) for w in words(text)) + " "


@dataclass(frozen=True)
class Asked:
    """A question (or one part of it) read once for what its answer must hold: the strategies
    and the answer stage's signals read these fields instead of the question's text. Made by
    ``read_asked`` when the question is analysed (query.analyze)."""

    text: str
    spaced: str = " "  # folded words, space-padded: " ai la giam doc so "
    counted_noun: str = ""  # what "bao nhiêu" counts ("hoc sinh"), see counted_noun
    content_syllables: frozenset[str] = frozenset()  # folded syllables that are neither glue nor question words
    title: str = ""  # the title a person question asks about, folded ("giam doc"), see asked_title
    title_label: str = ""  # that title as the question writes it ("Giám đốc"); "" for an English one
    names_role: bool = False  # names a role ("Ai là Bộ trưởng …?" asks for a name, not the role)
    defined: str = ""  # the term a definition question asks about, folded and spaced ("mo dun")
    asks_day: bool = False  # "vào ngày nào": a statement precise to the day
    named_list: str = ""  # "những trường nào": the kind of name each item must carry ("trường")
    levels: frozenset[str] = frozenset()  # the school levels it names (facets.school_levels)


def read_asked(text: str) -> Asked:
    """What a question's text says its answer must hold (see Asked)."""
    from assistant.question.facets import school_levels
    from assistant.question.lexicon import QUESTION_SYLLABLES, STOP_FOLDED

    spaced = _spaced(text)
    title = asked_title(text)
    label = next((t.group() for t in TITLE.finditer(text) if fold(t.group()) == title), "") if title else ""
    named = _NAMED_LIST_Q.search(fold(text))
    return Asked(
        text=text,
        spaced=spaced,
        counted_noun=counted_noun(text),
        content_syllables=frozenset(
            w for w in spaced.split() if w not in STOP_FOLDED and w not in QUESTION_SYLLABLES and len(w) > 1
        ),
        title=title,
        title_label=label,
        names_role=bool(_ROLES.search(text)),
        defined=_spaced(defined_term(text)).strip(),
        asks_day=bool(_ASKS_DAY.search(text)),
        named_list=_NAMED_KIND[named.group(1)] if named else "",
        levels=school_levels(text),
    )


# -- strategies ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class KindStrategy:
    """What a kind of question needs from its answer. The defaults fit a plain fact question."""

    kind: QuestionKind
    max_units: int = 2  # statements in the answer
    across_paragraphs: bool = False  # may the answer combine statements of several paragraphs?

    def answers(self, text: str, asked: Asked) -> bool:
        """Could this statement answer the question at all (a date for "khi nào", …)?"""
        return True

    def strength(self, text: str, asked: Asked | None = None) -> float:
        """How clearly the statement has what this kind asks for (0 = nothing particular);
        ``asked``: the question's reading, for kinds that depend on its words."""
        return 0.0

    def lead(self, texts: list[str], asked: Asked) -> str:
        """A short first line ("Thời gian: …") from the chosen statements, best first."""
        return ""


_CITED_DATE = re.compile(DOC_REF.pattern + r"[^,;.]{0,12}\s$")


def _without_refs(text: str) -> str:
    """The text with document symbols blanked: "38/2005/QH11" is not the month 38/2005."""
    return DOC_REF.sub(" ", text)


def _without_cited_dates(text: str) -> str:
    """The text without the dates of documents cited in passing ("Chỉ thị số 800/CT-BGDĐT ngày
    24/8/2021"): they say when that document was signed, not when anything asked about happens."""
    return DATE_EXPR.sub(lambda m: " " if _CITED_DATE.search(text[: m.start()]) else m.group(), text)


# A question after a day ("vào ngày nào", "which date") needs a statement precise to the day: a
# date, a time of day, or a span counted in days from an event (Vietnamese date forms per ND30/2020).
_ASKS_DAY = re.compile(r"\b(?:ngày nào|ngay nao|which date|what date|what day|on which day)\b", re.IGNORECASE)
_DAY_LEVEL = re.compile(
    FULL_DATE.pattern + r"|\bngày \d{1,2}\b|\b\d+ ngày\b|kể từ ngày|\b\d{1,2}h\d{0,2}\b"
    r"|ngay \d{1,2}\b|ke tu ngay",
    re.IGNORECASE,
)


class WhenStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        """A date or time the question did not give ("vào ngày nào trong Quý II/2023?" is not
        answered by "Quý II/2023: huyện Bình Sơn …")."""
        text = DATE_EXPR.sub(
            lambda m: " " if _spaced(m.group()).strip() in asked.spaced else m.group(),
            _without_refs(_without_cited_dates(text)),
        )
        if asked.asks_day:  # "vào ngày nào?" is not answered by "đến 2025"
            return bool(_DAY_LEVEL.search(text))
        return bool(
            DATE_EXPR.search(text)
            or FULL_DATE.search(text)
            or MONTH_DATE.search(text)
            # a year as a time ("đến năm 2030"), not as a name ("Chương trình GDPT 2018")
            or re.search(
                r"\b(?:năm|đến|từ|trước|sau|trong) (?:19|20)\d\d\b|kể từ ngày|hằng năm|hàng năm"
                r"|định kỳ|hiệu lực",
                text,
            )
        )

    def strength(self, text: str, asked: Asked | None = None) -> float:
        """The more precise the date, the better."""
        text = _without_refs(text)
        if FULL_DATE.search(text):
            return 1.0
        if MONTH_DATE.search(text):
            return 0.83
        if re.search(r"\b(?:sau|trong|trước) \d+ ngày\b|\bhiệu lực\b|năm học \d{4}\s*-\s*\d{4}", text):
            return 0.5
        return 0.13 if DATE_EXPR.search(text) else 0.0

    def lead(self, texts: list[str], asked: Asked) -> str:
        best: tuple[float, list[str]] = (0.0, [])
        for text in texts:
            # the date of a document cited in passing ("Chỉ thị số 800/CT-BGDĐT ngày 24/8/2021") is not
            # the time asked about
            found = [m.group().strip() for m in DATE_EXPR.finditer(text) if not _CITED_DATE.search(text[: m.start()])]
            found = [
                f for f in dict.fromkeys(found) if _spaced(f).strip() not in asked.spaced
            ]  # not the question's own date
            precision = max((self.strength(f) or 0.1 for f in found), default=0.0)
            if precision > best[0]:  # statements come best first: a later one only with a more precise date
                best = (precision, found)  # ("8h00 ngày 18/04/2022" over "đến năm 2030")
        return "Thời gian: " + "; ".join(best[1][:2]) + "." if best[1] else ""


class WhereStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        return any(_spaced(m.group(1)).strip() not in asked.spaced for m in PLACE.finditer(text)) or bool(
            re.search(r"\b(?:tại|ở|địa điểm|trụ sở)\b", text)
        )

    def strength(self, text: str, asked: Asked | None = None) -> float:
        return 1.0 if PLACE.search(text) else 0.0

    def lead(self, texts: list[str], asked: Asked) -> str:
        for text in texts:
            for m in PLACE.finditer(text):
                if _spaced(m.group(1)).strip() not in asked.spaced:
                    return f"Địa điểm: {m.group(1).strip()}."
        return ""


class NumberStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        """A number the question did not give, standing next to what was asked ("550 đại biểu",
        "đạt chuẩn … 91,0%"), not elsewhere in the paragraph ("2 buổi/ngày" for "bao nhiêu
        trường THPT chuyên")."""
        return self._best(text, asked)[0] > 0

    def strength(self, text: str, asked: Asked | None = None) -> float:
        return 0.4 if counts(text) else 0.0  # a number is a weaker sign than a full date (1.0)

    def lead(self, texts: list[str], asked: Asked) -> str:
        for text in texts:  # best first: the first statement with a number the question did not give
            score, value = self._best(text, asked, require_near=False)
            if value:
                return f"Con số: {value}."
        return ""

    @staticmethod
    def _best(text: str, question: Asked, require_near: bool = True) -> tuple[int, str]:
        """(how many asked words stand near it, the number) for the best number of the text. When
        the question says what it counts ("bao nhiêu học sinh"), the number must count that
        ("05 năm học" does not answer it)."""
        asked_text = question.spaced
        asked = question.content_syllables
        noun = question.counted_noun
        forms = _NOUN_FORMS.get(noun, (noun,)) if noun else ()
        body = body_of(text)
        best = (0 if require_near else -1, "")
        for m in counts(text):
            num = m.group().split()[0]
            if f" {fold(num)} " in asked_text:
                continue  # a number the question gave ("Chỉ thị 38", "02 năm") is not its answer
            if forms:
                after = _spaced(body[m.start() : m.end() + 25])
                if not any(f" {f} " in after or (f == "%" and "%" in body[m.start() : m.end() + 3]) for f in forms):
                    continue
            near = body[max(0, m.start() - 60) : m.end() + 30]
            score = len(asked & {fold(w) for w in words(near)}) + (2 if forms else 0)
            if score > best[0]:
                best = (score, m.group().strip())
        return best


_ROLES = re.compile(
    r"\b(?:[Hh]iệu trưởng|[Gg]iám đốc|[Cc]hủ tịch|[Bb]ộ trưởng|[Tt]hủ tướng|[Nn]hà giáo|[Gg]iáo viên|"
    r"[Gg]iảng viên|[Nn]gười đứng đầu|[Tt]hủ trưởng|[Tt]rưởng phòng|[Tt]rưởng ban|[Cc]án bộ quản lý)\b"
)


# a title a person holds; "Phó" makes another title ("Phó Giám đốc" is not "Giám đốc")
TITLE = re.compile(
    r"(?<![\wÀ-ỹ])(?:[Pp]hó\s+)?(?:Giám đốc|Chủ tịch|Hiệu trưởng|Bộ trưởng|Thứ trưởng|Trưởng phòng|"
    r"Trưởng ban|Chánh [Vv]ăn phòng|Chánh [Tt]hanh tra|Bí thư|Trưởng [Bb]an [Cc]hỉ đạo)(?![\wÀ-ỹ])"
)
# "Phó Giám đốc Sở: Trịnh Đình Hải, Châu Hoài Thu": the names a title introduces
_NAMES_AFTER = re.compile(r"^(?:[^:;.()]{0,40}:)?\s*(?:(?:các )?đồng chí\s+|ông\s+|bà\s+)?")


@functools.lru_cache(maxsize=1)
def _english_titles() -> list[tuple[re.Pattern[str], str]]:
    """The English glossary's terms that translate to a title, longest first ("deputy director"
    before "director"), with the title folded as TITLE's: the one list of English titles."""
    from assistant.question.lexicon import GLOSSARY

    title = re.compile(TITLE.pattern, re.IGNORECASE)
    found = [(en, m) for en, vi in GLOSSARY if (m := title.search(vi))]
    return [
        (re.compile(rf"\b{re.escape(en)}s?\b"), fold(m.group())) for en, m in sorted(found, key=lambda p: -len(p[0]))
    ]


def asked_title(question: str) -> str:
    """The title a person question asks about, folded ("Ai là Giám đốc Sở …?" -> "giam doc",
    "Which deputy directors …" -> "pho giam doc"); ""."""
    m = TITLE.search(question)
    if m:
        return fold(m.group())
    low = question.lower()
    return next((vi for en, vi in _english_titles() if en.search(low)), "")


def people_with_title(text: str, title: str) -> list[str]:
    """The people a statement gives ``title`` (folded): a name followed, in the same clause, by
    the title ("Nguyễn Thị Thúy- Ủy viên …, Giám đốc Sở GDĐT"), or names the title introduces
    ("Phó Giám đốc Sở: Trịnh Đình Hải, Châu Hoài Thu")."""
    people = list(PERSON.finditer(text))
    out: list[str] = []
    for t in TITLE.finditer(text):
        if fold(t.group()) != title:
            continue
        before = [
            p
            for p in people
            if p.end() <= t.start()
            and t.start() - p.end() <= 90
            and not re.search(r"[;.:]|\bvà\b|\bcác\b", text[p.end() : t.start()])
        ]
        if before:
            out.append(before[-1].group())
        lead = _NAMES_AFTER.match(text[t.end() :])
        at = t.end() + (lead.end() if lead else 0)
        for p in people:  # a run of names right after the title, separated by commas or "và"
            if p.start() < at:
                continue
            if p.start() != at:
                break
            out.append(p.group())
            sep = re.match(r"\s*(?:,|và)\s*", text[p.end() :])
            if not sep:
                break
            at = p.end() + sep.end()
    return list(dict.fromkeys(out))


def titles_of(text: str, name: str) -> set[str]:
    """The titles (folded) a statement gives a person."""
    return {fold(t.group()) for t in TITLE.finditer(text) if name in people_with_title(text, fold(t.group()))}


class PersonStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        """A person by name; or, when the question asks for a role ("Ai là người …", laws name no
        one), a role it did not name. "Ai là Bộ trưởng …?" names the role: it asks for a name."""
        if PERSON.search(text):
            return True
        if asked.names_role:
            return False
        return any(f" {_spaced(m.group()).strip()} " not in asked.spaced for m in _ROLES.finditer(text))

    def strength(self, text: str, asked: Asked | None = None) -> float:
        """A person holding the title asked about ("Ai là Giám đốc …?") is what was asked; any
        person a weaker sign."""
        title = asked.title if asked else ""
        if title and people_with_title(text, title):
            return 1.0
        return 0.4 if PERSON.search(text) else 0.0

    def lead(self, texts: list[str], asked: Asked) -> str:
        """ "Ai là Giám đốc Sở …?": the person the statement gives that title, not the first name."""
        title, label = asked.title, asked.title_label
        if not label:  # an English question's title: the lead needs it as Vietnamese writes it
            return ""
        for text in texts:
            names = people_with_title(text, title)
            if names:
                return f"{label[:1].upper()}{label[1:]}: {', '.join(names)}."
        return ""


class WhoStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        """Names someone (a body or a person) the question did not."""
        for m in ENTITY_SEQ.finditer(text):
            ent = " ".join(fold(w) for w in words(m.group()))
            if ent and f" {ent} " not in asked.spaced:
                return True
        return False


class DocumentStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        return bool(DOC_REF.search(text))

    def strength(self, text: str, asked: Asked | None = None) -> float:
        return 0.5 if DOC_REF.search(text) else 0.0

    def lead(self, texts: list[str], asked: Asked) -> str:
        for text in texts[:1]:
            m = re.search(
                r"(?:(?:Quyết định|Nghị quyết|Nghị định|Thông tư|Chỉ thị|Kế hoạch|Công văn|Luật|Thông báo)"
                r"[^\d]{0,40}?)?(?:số\s+)?" + DOC_REF.pattern[2:] + r"(?:\s+ngày\s+\d{1,2}/\d{1,2}/\d{4})?",
                text,
            )
            if m:
                return f"Văn bản: {m.group().strip()}."
        return ""


_DEFINED = re.compile(
    r"^(?:theo [^,]{3,80},\s*)?(.{2,60}?)\s+(?:là gì|là như thế nào|có nghĩa là gì|nghĩa là gì|được hiểu là gì|"
    r"được hiểu (?:như )?thế nào|được hiểu là|được (?:[\w ]{0,40}? )?định nghĩa)",
    re.I,
)


def defined_term(question: str) -> str:
    """The term a definition question asks about: "Mô-đun được định nghĩa thế nào …" -> "Mô-đun"."""
    m = _DEFINED.search(question.strip())
    return m.group(1).strip(" ,") if m else ""


class DefineStrategy(KindStrategy):
    def _at_start(self, text: str, term: str) -> bool:
        head = _spaced(body_of(text)[: len(term) + 40])
        return bool(term) and f" {term} la " in head

    def answers(self, text: str, asked: Asked) -> bool:
        """ "X là …" (or "X: …"), X near the start of the statement."""
        term = asked.defined
        return bool(term) and (self._at_start(text, term) or f" {term} " in _spaced(text[:200]))

    def strength(self, text: str, asked: Asked | None = None) -> float:
        return 0.0  # needs the question: scored through answers() and the coverage

    def lead(self, texts: list[str], asked: Asked) -> str:
        return ""


# the words of "ai ký …?" (folded): they ask for the signature, not for a paragraph that says "ký"
SIGNER_WORDS = frozenset({"ky", "ki", "nguoi ky", "da ky", "ky boi", "signed", "sign", "signer", "signatory", "who"})


class SignerStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        return bool(PERSON.search(text))

    def lead(self, texts: list[str], asked: Asked) -> str:
        m = PERSON.search(texts[0]) if texts else None
        return f"Người ký: {m.group()}." if m else ""


# "những trường nào", "các huyện nào": a list of named places or schools
_NAMED_LIST_Q = re.compile(r"\b(?:nhung|cac)\s+(truong|huyen|tinh|xa|phuong|quan|thi xa|thanh pho)\s+nao\b")
_NAMED_KIND = {
    "truong": "trường",
    "huyen": "huyện",
    "tinh": "tỉnh",
    "xa": "xã",
    "phuong": "phường",
    "quan": "quận",
    "thi xa": "thị xã",
    "thanh pho": "thành phố",
}


class ListStrategy(KindStrategy):
    def answers(self, text: str, asked: Asked) -> bool:
        """ "Những trường nào …?" is answered by schools by name ("Trường THCS Lê Quý Đôn",
        "huyện Bình Sơn"), not by "… chọn trường để xây dựng làm điểm"."""
        kind = asked.named_list
        if not kind:
            return True
        return bool(re.search(r"(?i:" + re.escape(kind) + r")\s+[" + UPPER_VI + r"0-9]", text))


STRATEGIES: dict[QuestionKind, KindStrategy] = {
    QuestionKind.LIST: ListStrategy(QuestionKind.LIST, max_units=5, across_paragraphs=True),
    QuestionKind.WHEN: WhenStrategy(QuestionKind.WHEN),
    QuestionKind.WHERE: WhereStrategy(QuestionKind.WHERE),
    QuestionKind.NUMBER: NumberStrategy(QuestionKind.NUMBER),
    QuestionKind.PERSON: PersonStrategy(QuestionKind.PERSON),
    QuestionKind.WHO: WhoStrategy(QuestionKind.WHO),
    QuestionKind.DOCUMENT: DocumentStrategy(QuestionKind.DOCUMENT),
    QuestionKind.SIGNER: SignerStrategy(QuestionKind.SIGNER, max_units=1),
    QuestionKind.DEFINE: DefineStrategy(QuestionKind.DEFINE, max_units=1),
    # a statement to verify or a choice to make: the one governing provision is the answer
    QuestionKind.VERIFY: KindStrategy(QuestionKind.VERIFY, max_units=1),
    QuestionKind.CHOICE: KindStrategy(QuestionKind.CHOICE, max_units=1),
    QuestionKind.FACT: KindStrategy(QuestionKind.FACT),
}


def strategy(kind: QuestionKind) -> KindStrategy:
    return STRATEGIES[kind]


# -- detection -----------------------------------------------------------------------------------
_WHEN = re.compile(
    r"\b(khi nao|bao gio|thoi gian nao|ngay nao|ngay cu the nao|thoi diem nao|thoi han|luc nao|when|deadline|by what date|truoc ngay"
    r"|nam hoc nao|nam nao|hoc ky nao|thang nao|quy nao|which (?:school )?year|(?:which|what) (?:date|day|month)"
    r"|(?:quy|thang|ngay|nam|hoc ky) (?:may|thu may)|vao quy)\b"
)
_WHERE = re.compile(r"\b(o dau|tai dau|dia diem nao|(?<!nhung )noi nao|cho nao|where|what venue|which venue)\b")
_NUMBER = re.compile(
    r"\b(bao nhieu|bao lau|how many|how much|how long|how old|what age|ty le|so luong|may|"
    r"(?:do )?tuoi nao)\b"
)
_LIST = re.compile(r"\b(gom nhung|nhung ai|nhung gi|nhung noi dung|(?:nhung|cac) [a-z]+(?:,? [a-z]+){0,6} nao)\b")
_DOCUMENT = re.compile(
    r"(?<!nhung )(?<!cac )\b(?:van ban|quyet dinh|nghi quyet|nghi dinh|thong tu|chi thi|ke hoach|cong van|luat|de an|"
    r"chuong trinh|thong bao) (?:nao|so may|so bao nhieu)\b|\bwhich (?:decision|document|resolution|"
    r"decree|circular|directive|plan|law|regulation)\b"
)
# "Ai ký Thông báo 3677?", "người ký chỉ thị", "who signed …": matched on the lower-cased question
# (not folded: "ai kỳ vọng" is not "ai ký")
_SIGNER_Q = re.compile(
    r"\b(?:ai|người|nguoi) (?:đã |da )?(?:ký|kí|ky)\b(?! (?:vong|cuu|hop|thi|han)\b)|\bký bởi\b"
    r"|\bwho signed\b|\bsigned by\b|\bsignator(?:y|ies)\b|\bsigner\b"
)
_PERSON_Q = re.compile(r"\b(ai la|la ai|nguoi nao|ong nao|ba nao|who is|who was)\b")
_WHO_Q = re.compile(r"\b(ai|who|don vi nao|co quan nao)\b")
# "Những Phó Giám đốc Sở nào …?": people, by the title the question names
_TITLE_Q = re.compile(
    r"\b(?:giam doc|chu tich|hieu truong|bo truong|thu truong|truong phong|truong ban|bi thu)"
    r"(?:\s+\w+){0,6}\s+nao\b|\b(?:which|who (?:is|are|was|were) the) (?:deputy |vice )?"
    r"(?:directors?|chairm[ae]n|chairpersons?|principals?|rectors?|ministers?)\b"
)
_LIST2 = re.compile(r"\b(nhung gi|nhung noi dung|gom nhung|cac nhiem vu|nhung nhiem vu|gi|what|which|list|cac)\b")


# the words that give a plain question its kind, tried in this order (folded text)
# ("công văn số mấy" asks for a document, not a count: before _NUMBER)
_SIGNS = [
    (_WHEN, QuestionKind.WHEN),
    (_WHERE, QuestionKind.WHERE),
    (_DOCUMENT, QuestionKind.DOCUMENT),
    (_NUMBER, QuestionKind.NUMBER),
    (_TITLE_Q, QuestionKind.PERSON),
    (_LIST, QuestionKind.LIST),
    (_PERSON_Q, QuestionKind.PERSON),
    (_WHO_Q, QuestionKind.WHO),
]


# Question words whose folded syllable is shared by everyday words: "tái đầu tư" folds to "tai
# dau tu" ("tại đâu"?), "máy tính" to "may tinh" ("mấy"?). In a question typed with diacritics
# such a syllable is a question word only in its own spelling.
_QUESTION_SPELLINGS = {"dau": "đâu", "tai": "tại", "may": "mấy", "o": "ở", "cho": "chỗ", "noi": "nơi"}


def fold_question(text: str) -> str:
    """The question folded for the kind patterns; with diacritics, a syllable that only folds to
    a question word ("tái", "đầu", "máy") is kept apart."""
    if not has_diacritics(text):
        return fold(text)
    out = []
    for w in re.findall(r"\w+|\W+", text.lower()):
        f = fold(w)
        out.append(f + "_" if f in _QUESTION_SPELLINGS and w != _QUESTION_SPELLINGS[f] else f)
    return "".join(out)


def detect_kind(text: str) -> QuestionKind:
    """The kind of a plain question (statements to verify and choices are found by the question's
    form, see forms.py). "X nào" without "những" asks for one X: a fact."""
    f = fold_question(text)
    if _SIGNER_Q.search(text.lower()):
        return QuestionKind.SIGNER
    term = defined_term(text)
    if term and len(term.split()) <= 6 and not re.search(r"\b(cua|doi voi|theo|trong|nao|gi|bao nhieu)\b", fold(term)):
        return QuestionKind.DEFINE
    if re.search(r"\b(bao lau|how long|bao nhieu (?:ngay|tuan|thang|nam|gio|phut)|may (?:ngay|tuan|thang|nam))\b", f):
        # a duration: "02 năm", "trước ngày làm việc bao nhiêu ngày" ("lúc mấy giờ" is a time)
        return QuestionKind.NUMBER
    for pattern, kind in _SIGNS:
        if pattern.search(f):
            return kind
    if re.search(r"\bla gi\b", f) and not re.search(r"\b(nhung|cac|gom)\b", f):
        return QuestionKind.FACT  # "Ngôn ngữ chính thức … là gì?": one thing
    if _LIST2.search(f):
        return QuestionKind.LIST
    return QuestionKind.FACT
