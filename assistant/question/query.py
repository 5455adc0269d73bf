"""Query understanding for this domain: abbreviations both ways, school years, English
questions, follow-ups resolved against the conversation. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.core.textutil import UPPER_VI, fold, has_diacritics
from assistant.index.sparse import segment
from assistant.question.constraints import QuestionConstraint
from assistant.question.constraints import parse as parse_constraint
from assistant.question.forms import QuestionForm, read_form
from assistant.question.kinds import Asked, QuestionKind, read_asked
from assistant.question.lexicon import (
    ABBREVIATIONS,
    ACRONYMS,
    ENGLISH_CODES,
    ENGLISH_LAW_NAMES,
    ENGLISH_TYPES,
    GLOSSARY,
    ONE_WAY_ABBREVIATIONS,
    SYNONYMS,
    VIETNAMESE_FOLDED,
)


def english_law_name(text: str) -> tuple[str, int, int] | None:
    """("Luật Giáo dục đại học", start, end) for "the (2012) Law on Higher Education" in an
    English question; None when it names no law we know by its English name."""
    low = text.lower()
    for en, vi in ENGLISH_CODES.items():
        m = re.search(r"\b(?:the\s+)?(?:\d{4}\s+)?" + en + r"\b", low)
        if m:
            return vi, m.start(), m.end()
    for en in sorted(ENGLISH_LAW_NAMES, key=len, reverse=True):
        # a known name first: "Law on Dissemination and Education of Law" has its own "of"
        m = re.search(r"\b(?:the\s+)?(?:\d{4}\s+)?law (?:on|of)\s+" + re.escape(en) + r"\b", low)
        if m:
            return ENGLISH_LAW_NAMES[en], m.start(), m.end()
    m = re.search(
        r"\b(?:the\s+)?(?:\d{4}\s+)?(?:law on|law of)\s+([a-z ,]+?)(?=\s*(?:\(|,|\?|\.|$|\s+(?:of|in|"
        r"how|what|when|which|who|does|do|is|are|must|can|should|for|to)\b))",
        low,
    )
    if m:
        name = re.sub(r"\s+", " ", m.group(1)).strip(" ,")
        for en in sorted(ENGLISH_LAW_NAMES, key=len, reverse=True):
            if name == en or name.startswith(en + " ") or name.endswith(" " + en):
                return ENGLISH_LAW_NAMES[en], m.start(), m.end()
    return None


_ENGLISH_HINT = re.compile(
    r"\b(what|which|when|who|how|must|should|does|do|did|is|are|was|were|the|of|on|in|under|for|and|to|after|before|"
    r"schools?|report|law|according|signed|directive|notice|plan|say|says|about)\b",
    re.I,
)
_YEAR_RANGE = re.compile(r"(\d{4})\s*[-–—/]\s*(\d{4})")
_FOLLOW_UP = re.compile(
    r"^(?:còn|vậy còn|thế còn|và|what about|and|how about)\b|thì sao\??$|thì thế nào\??$"
    r"|\b(?:văn bản|công văn|kế hoạch|chỉ thị|thông báo|quy định|nội dung|việc|trường hợp) (?:đó|này|ấy|trên)\b"
    # third-person anaphors (Vietnamese grammar: a kinship or person noun with "ấy"/"đó", "họ"):
    # "Số điện thoại của ông ấy là gì?" asks about the person the conversation named
    r"|\b(?:ông|bà|anh|chị|cô|người|đồng chí) (?:ấy|đó)\b|\bcủa họ\b|^họ\b"
    r"|\b(?:it|that one|this one|there)\b",
    re.I,
)
_ENGLISH_DOCUMENT = re.compile(r"\b(" + "|".join(ENGLISH_TYPES) + r")\s+(?:no\.?\s*|number\s+)?(\d+[\w/.-]*)", re.I)
_BARE_NAME = re.compile(r"(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){0,3}")
_PLACE_KINDS = frozenset({"huyện", "tỉnh", "thành phố", "thị xã", "trường"})
_ENTITY = re.compile(
    r"\b(huyện|tỉnh|thành phố|thị xã|trường|cấp|năm học|năm|học kỳ|quý|sở|phòng)\s+"
    r"((?:[" + UPPER_VI + r"0-9][\wÀ-ỹ\-–/]*\s?){1,4}|\d{4}\s*[-–]\s*\d{4}|[IVX]+(?:/\d{4})?)",
    re.U,
)


@dataclass
class AnalyzedQuery:
    original: str
    resolved: str  # after follow-up resolution
    text: str  # what is searched: resolved (a statement, or a stem with its choices) + expansions
    english: bool = False
    no_diacritics: bool = False
    kind: QuestionKind = QuestionKind.FACT
    expansions: list[str] = field(default_factory=list)
    form: QuestionForm | None = None
    constraint: QuestionConstraint = field(default_factory=QuestionConstraint)
    focus_text: str = ""  # what the answer must cover: the question without the words naming its source
    fields: frozenset[str] = frozenset()  # the document fields it asks for ("effective_date", …): asked_fields
    # the question typed without diacritics as it was understood, with them (diacritics.py); "" when
    # it was typed with them, is English, or the restoration was not confident (then no_diacritics)
    restored: str = ""
    # what its answer must hold, read once (kinds.Asked): of ``asked``, and of each of its parts
    reading: Asked = field(default_factory=lambda: Asked(""))
    part_readings: tuple[Asked, ...] = ()
    # "gửi cho ai?": who the document is sent to (its "Kính gửi"); "nơi nhận": also its distribution
    asks_recipients: bool = False
    asks_distribution: bool = False
    # "năm học nào": the noun a "which X" question asks for ("năm học"); ""
    slot: str = ""
    # the segmenter's words of each of the question's texts the later stages read (words_of)
    segmented: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.focus_text = self.focus_text or self.resolved
        if not self.reading.text:
            self.reading = read_asked(self.asked)

    def words_of(self, text: str) -> tuple[str, ...]:
        """The segmenter's words of one of the question's own texts (the searched text, the focus,
        a statement, a choice, a part, an English term), as ``analyze`` segmented them once. A text
        it did not foresee is segmented here (and kept), so a new caller costs time, not answers."""
        found = self.segmented.get(text)
        if found is None:
            from assistant.index.sparse import segment

            found = self.segmented[text] = tuple(segment(text))
        return found

    def part_reading(self, text: str) -> Asked:
        """The reading of one part of a question with several ("… khi nào, và bao nhiêu …")."""
        return next((r for r in self.part_readings if r.text == text), None) or read_asked(text)

    @property
    def asked(self) -> str:
        """The question as the answer's wording is checked against it (kinds.py): Vietnamese, so an
        English question is read through its glossary terms."""
        return " ".join([*self.expansions, self.focus_text]) if self.english else self.focus_text


def asked_fields(text: str) -> frozenset[str]:
    """The document's own fields a question asks for ("… có hiệu lực từ ngày nào?" ->
    effective_date), by the words the layout data gives each field (admin_layout.toml,
    [field_questions]); typed with or without diacritics."""
    from assistant.core.layout_words import admin_layout

    folded = " " + " ".join(re.findall(r"\w+", fold(text))) + " "
    return frozenset(
        name
        for name, phrases in admin_layout().field_questions.items()
        if any(" " + " ".join(re.findall(r"\w+", fold(p))) + " " in folded for p in phrases)
    )


def normalize_years(text: str) -> str:
    return _YEAR_RANGE.sub(r"\1 - \2", text)


# Vietnamese terms an English question quotes to be precise: "(sơ cấp)", “hội đồng trường”
_QUOTED = re.compile(r"\(([^()]{2,80})\)|[“\"]([^”\"]{2,80})[”\"]")


def quoted_vietnamese(text: str) -> list[str]:
    """The Vietnamese terms quoted inside a question ("… elementary-level (sơ cấp) training")."""
    return [t.strip() for m in _QUOTED.finditer(text) for t in m.groups() if t and has_diacritics(t)]


def is_english(text: str) -> bool:
    """English, though it may quote Vietnamese terms in brackets or quotation marks and name
    documents by their Vietnamese symbols ("Decision 2020/QĐ-UBND") and places ("Lào Cai")."""
    from assistant.question.kinds import DOC_REF

    text = _QUOTED.sub(lambda m: " " if has_diacritics(m.group()) else m.group(), text)
    text = DOC_REF.sub(" ", text)
    words_ = re.findall(r"[^\W\d_]+", text)
    if not words_:
        return False
    accented = sum(1 for w in words_ if has_diacritics(w))
    if accented > 0.25 * len(words_):
        return False  # Vietnamese, names of places or bodies aside
    toks = [fold(w) for w in words_]
    english = len(_ENGLISH_HINT.findall(text))
    vietnamese = sum(1 for t in toks if t in VIETNAMESE_FOLDED)
    return english >= 2 and english > vietnamese


def question_kind(text: str) -> QuestionKind:
    """The kind of a question, its form included (a statement to verify, choices A–D)."""
    return read_form(text).kind


def expand_abbreviations(text: str) -> list[str]:
    """Long forms of abbreviations in the text, and abbreviations of long forms in it; the
    documents' words for the question's ("bằng cấp" -> "bằng tốt nghiệp", SYNONYMS)."""
    out: list[str] = []
    folded = fold(text)
    for a, b in SYNONYMS:
        if re.search(r"\b" + re.escape(fold(a)) + r"\b", folded) and not re.search(
            r"\b" + re.escape(fold(b)) + r"\b", folded
        ):
            out.append(b)
    for short, long in ABBREVIATIONS.items():
        if re.search(r"(?<![\w&])" + re.escape(short) + r"(?![\w&])", text):
            out.append(long)
        elif short not in ONE_WAY_ABBREVIATIONS and fold(long) in folded:
            out.append(short)
        elif fold(short) != short.lower() or len(short) >= 3:
            # abbreviations typed without diacritics / in lower case: "gddt", "thcs"
            if re.search(r"\b" + re.escape(fold(short)) + r"\b", folded) and not re.search(
                r"(?<![\w&])" + re.escape(short) + r"(?![\w&])", text
            ):
                out.append(long)
    return list(dict.fromkeys(out))


def translate_terms(text: str) -> list[str]:
    """Vietnamese for the glossary terms of an English question, longest terms first; a matched
    term is used up ("term of office" is "nhiệm kỳ", not also "văn phòng")."""
    low = text.lower()
    out = []
    for en, vi in sorted(GLOSSARY, key=lambda t: -len(t[0])):
        pattern = r"\b" + re.escape(en) + r"(?:s|es|ed|ing)?\b"
        if re.search(pattern, low):
            out.append(vi)
            low = re.sub(pattern, " ", low)
    for en, vi in ACRONYMS:
        if re.search(r"\b" + en + r"\b", text):
            out.append(vi)
    return list(dict.fromkeys(out))


def resolve_follow_up(question: str, history: list[dict[str, str]]) -> str:
    """ "Còn huyện Tư Nghĩa thì sao?" after "Khi nào làm việc với huyện Bình Sơn?" becomes
    "Khi nào làm việc với huyện Tư Nghĩa?"."""
    previous = [m["content"] for m in history if m.get("role") == "user" and m.get("content", "").strip()]
    if not previous:
        return question
    prev = previous[-1]
    q = question.strip()
    short = len(q.split()) <= 8
    if not (_FOLLOW_UP.search(q) and short):
        return question
    core = re.sub(r"^(?:vậy còn|thế còn|còn|và|what about|and|how about)\s+", "", q, flags=re.I)
    core = re.sub(r"\s*(?:thì sao|thì thế nào)?\s*\?*$", "", core, flags=re.I).strip()
    m_new = _ENTITY.search(core)
    if m_new:
        for m_old in _ENTITY.finditer(prev):
            if m_old.group(1).lower() == m_new.group(1).lower():
                return prev[: m_old.start(2)] + m_new.group(2).strip() + " " + prev[m_old.end(2) :].lstrip()
    elif _BARE_NAME.fullmatch(core):
        # "Thế còn Minh Long?" after "… với huyện Trà Bồng …?": the name takes the last named place's
        places = [m for m in _ENTITY.finditer(prev) if m.group(1).lower() in _PLACE_KINDS and m.group(2)[:1].isupper()]
        if places:
            m_old = places[-1]
            return prev[: m_old.start(2)] + core + " " + prev[m_old.end(2) :].lstrip()
    return f"{prev.rstrip(' ?')} — {core}" if core else prev


def needs_restoration(question: str) -> bool:
    """A Vietnamese question typed without diacritics (what diacritics.Restorer is for)."""
    return bool(re.search(r"[^\W\d_]", question)) and not has_diacritics(question) and not is_english(question)


def analyze(
    question: str,
    history: list[dict[str, str]] | None = None,
    known_names: list[str] | tuple[str, ...] = (),
    restorer: Any = None,
) -> AnalyzedQuery:
    """``known_names``: the names of the indexed laws, so "theo Luật Giáo dục 2019" is read as
    naming one of them (see constraints.py). ``restorer``: a diacritics.Restorer (or anything with
    its ``restore``); a question typed without diacritics is then analysed as its confident
    restoration ("chi thi 04 co hieu luc khi nao" -> "chỉ thị 04 có hiệu lực khi nào"), else as
    typed, matched by folded words."""
    restored = ""
    asked = question
    if restorer is not None and needs_restoration(question):
        r = restorer.restore(question)
        if r.confident and r.changed:
            asked = restored = r.text
    resolved = resolve_follow_up(asked, history or [])
    text = normalize_years(resolved)
    english = is_english(text)
    form = read_form(text)
    searched_core = text
    if form.kind is QuestionKind.VERIFY:
        searched_core = form.statement  # "đúng hay sai" is not what the law says
    expansions = expand_abbreviations(searched_core)
    if english:
        expansions += quoted_vietnamese(text) + translate_terms(_QUOTED.sub(" ", text))
    constraint = parse_constraint(text, known_names, statement=form.kind is QuestionKind.VERIFY)
    if english:
        # "Under the 2012 Law on Higher Education, …": the Vietnamese name is what the index knows;
        # an English question names its law to say where the answer is
        law = english_law_name(text)
        if law and not any(m.name for m in constraint.mentions):
            named = parse_constraint(law[0], known_names, statement=False).mentions
            for m in named:
                m.text, m.start, m.end = text[law[1] : law[2]], law[1], law[2]
            constraint.mentions = sorted(constraint.mentions + named, key=lambda m: m.start)
            expansions.append(law[0])
        for m in _ENGLISH_DOCUMENT.finditer(text):
            # "notice 3677", "Directive 04/CT-UBND": the Vietnamese type the index knows
            vi = f"{ENGLISH_TYPES[m.group(1).lower()]} {m.group(2)}"
            if not any(x.start <= m.start() < x.end for x in constraint.mentions):
                for x in parse_constraint(vi, known_names, statement=False).mentions:
                    x.text, x.start, x.end = m.group(), m.start(), m.end()
                    constraint.mentions.append(x)
        constraint.mentions.sort(key=lambda x: x.start)
        for m in constraint.mentions:
            m.source = True
    if form.kind is QuestionKind.SIGNER:
        for m in constraint.mentions:
            m.source = True  # "Ai ký Thông báo 3677?": the signature of that document is the answer
    focus = constraint.strip_sources(form.focus)
    searched = " ".join([searched_core, *expansions])
    no_diacritics = not has_diacritics(text) and not english
    # the texts later stages read as words, segmented here once: the searched text (sparse
    # retrieval), and, without their empty question phrases ("điều gì"), the texts whose words
    # are weighed (coverage.question_words); a question typed without diacritics is matched by
    # folded words instead (no segmenter)
    weighed = [focus, form.focus, *(c.text for c in form.choices), *(t for _, t in form.parts), *expansions]
    texts = [searched] if not (no_diacritics or english) else []
    if not no_diacritics:
        texts += [QUESTION_PHRASE.sub(" ", t) for t in weighed if t]
    if form.statement or form.choices:
        # what a verdict compares with the provision, as written: the statement, each choice read
        # with its stem (answer/verdict.py)
        texts += [focus, *(f"{form.focus} {c.text}".strip() for c in form.choices)]
    segmented = {t: tuple(segment(t)) for t in dict.fromkeys(texts)}
    analyzed = AnalyzedQuery(
        original=question,
        resolved=resolved,
        text=searched,
        english=english,
        no_diacritics=no_diacritics,
        kind=form.kind,
        expansions=expansions,
        form=form,
        constraint=constraint,
        focus_text=focus,
        fields=asked_fields(resolved),
        restored=restored,
        part_readings=tuple(read_asked(t) for _, t in form.parts),
        asks_recipients=bool(_RECIPIENTS_Q.search(resolved)),
        asks_distribution=bool(_RECIPIENTS_Q.search(resolved) or _DISTRIBUTION_Q.search(resolved)),
        segmented=segmented,
    )
    if form.kind != QuestionKind.LIST:
        analyzed.slot = slot_word(analyzed.words_of(focus))
    return analyzed


# "điều gì", "việc nào": a question word with its empty noun ("điều" is also "article", "việc" "work")
QUESTION_PHRASE = re.compile(r"\b(?:điều|việc|cái|dieu|viec|cai)\s+(?:gì|nào|gi|nao)\b", re.I)
_RECIPIENTS_Q = re.compile(r"gửi (?:đến|cho|tới)|kính gửi|gửi ai|gui (?:den|cho|toi)|sent to|recipient", re.I)
_DISTRIBUTION_Q = re.compile(r"nơi nhận|gửi|noi nhan|gui", re.I)


# the words before "nào" that make a question word with it ("khi nào", "thế nào"), not a slot
_NOT_SLOTS = frozenset({"khi", "lúc", "thế", "như_thế", "bao", "cách", "những", "các", "nơi"})


def slot_word(tokens: tuple[str, ...]) -> str:
    """ "Which X" ("năm học nào", "huyện nào") is answered by "X <value>": X, from the question's
    segmented words; "" when it asks for no X or for one that is no slot ("điều nào")."""
    at = next((i for i, t in enumerate(tokens) if t == "nào" and i > 0), None)
    if at is None or tokens[at - 1] in _NOT_SLOTS:
        return ""
    return tokens[at - 1].replace("_", " ")
