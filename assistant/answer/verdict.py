"""Statements to verify and choices to make, checked against the governing provision.

The answer quotes the provision; this module says which statement or choice it supports and,
where the question and the text differ (a number, a negation, the law named), shows both side
by side. The decision is a fitted one (verdict_model.py): the differences found here are some of
its signals. It compares words, it does not reason: the quote is always shown with the verdict."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.coverage import LIGHT_WORDS, coverage, spaced_words, subject_of  # noqa: F401 (subject_of: part of this API)
from assistant.answer.verdict_model import (
    VerdictModel,
    alignment,
    first_phrase,
    has_class,
    load_verdict_model,
    longest_run,
    modal_classes,
    negations,
    numbers_unseen,
    side_by_side,
    syllables,
)
from assistant.core.textutil import UPPER_VI, as_written, fold, words
from assistant.question.forms import Choice
from assistant.question.kinds import DIGIT_QUANTITY, DOC_REF, MARKER, PERSON, TITLE, WORD_QUANTITY, titles_of
from assistant.question.lexicon import STOP_FOLDED

_DIGIT_WORDS = {
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "tư": 4,
    "năm": 5,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
}
_DIGITS, _WORDS = DIGIT_QUANTITY, WORD_QUANTITY
_NEGATION = re.compile(r"\b(?:không|chưa|chẳng|cấm|nghiêm cấm)\b", re.I)


@dataclass
class Difference:
    what: str  # "con số", "phủ định", "văn bản"
    question: str  # as the question says it
    document: str  # as the document says it


@dataclass
class Verdict:
    label: str  # "Đúng" / "Sai" for a statement, a letter for a choice
    differences: list[Difference] = field(default_factory=list)
    support: dict[str, float] = field(default_factory=dict)  # choice letter -> the fitted model's share for it
    probability: float | None = None  # a statement: the fitted probability that it is "Đúng"
    # what the decision read (the feature vectors, and the inputs they were computed from): for
    # the fitting tool (tools/fit_verdict.py), not part of the answer
    signals: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        out: dict[str, Any] = {
            "label": self.label,
            "differences": [d.__dict__ for d in self.differences],
            "support": {k: round(v, 3) for k, v in self.support.items()},
        }
        if self.probability is not None:
            out["probability"] = round(self.probability, 3)
        return out


def _word_value(text: str) -> int | None:
    """ "mười tám" -> 18, "hai mươi mốt" -> 21, "năm" -> 5."""
    value = 0
    for w in text.lower().split():
        if w == "mười":
            value += 10
        elif w == "mươi":
            value *= 10
        elif w in _DIGIT_WORDS:
            value += _DIGIT_WORDS[w]
        else:
            return None
    return value or None


def quantities(text: str) -> list[tuple[float, str, str]]:
    """(value, unit, as written) for each quantity: "02 năm" -> (2, "năm", "02 năm"); "mười tám tuổi" -> 18."""
    out: list[tuple[float, str, str]] = []
    for m in _DIGITS.finditer(text):
        out.append((float(m.group(1).replace(",", ".")), m.group(2).lower(), m.group().strip()))
    for m in _WORDS.finditer(text):
        v = _word_value(m.group(1))
        if v is not None and not (m.group(1).strip().lower() == "năm" and m.group(2).lower() == "năm học"):
            out.append((float(v), m.group(2).lower(), m.group().strip()))
    return out


def number_differences(statement: str, provision: str) -> list[Difference]:
    """A quantity of the statement whose unit the provision gives with another value."""
    said = quantities(provision)
    diffs: list[Difference] = []
    for value, unit, shown in quantities(statement):
        same_unit = [(v, s) for v, u, s in said if u == unit]
        if same_unit and all(v != value for v, _ in same_unit):
            diffs.append(Difference("con số", shown, "; ".join(dict.fromkeys(s for _, s in same_unit))))
        elif not same_unit:
            # "gia hạn thêm nhiều nhất 02 lần" where the law says "gia hạn nhiều lần"
            m = re.search(
                r"\b(?:nhiều|không hạn chế số|không giới hạn số)\s+" + re.escape(unit) + r"\b", provision, re.I
            )
            if m:
                diffs.append(Difference("con số", shown, m.group()))
    return diffs


def _tokens(text: str) -> list[str]:
    return [fold(w) for w in words(text)]


_DATE = re.compile(r"\b(?:ngày\s+)?(\d{1,2})\s*(?:tháng\s+|/)(\d{1,2})\s*(?:năm\s+|/)(\d{4})\b", re.I)


def document_date_differences(statement: str, provision: str) -> list[Difference]:
    """ "Quyết định số 1456/QĐ-TTg … ngày 01/11/2024" where the provision writes "Quyết định số
    1456/QĐ-TTg ngày 22/11/2023 và Quyết định số 1320/QĐ-TTg ngày 01/11/2024": the date that
    stands with the document's symbol is its date, not any date of the paragraph."""
    claimed = [(int(d), int(m), int(y)) for d, m, y in _DATE.findall(statement)]
    if not claimed:
        return []
    stated = _DATE.search(statement)
    assert stated is not None  # claimed is not empty
    out = []
    for sym in dict.fromkeys(DOC_REF.findall(statement)):
        at = provision.find(sym)
        if at < 0:
            continue
        m = _DATE.match(provision, at + len(sym) + 1) or _DATE.search(provision[at + len(sym) : at + len(sym) + 30])
        if m:
            own = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if own not in claimed:
                out.append(
                    Difference("ngày ban hành", f"{sym} — {stated.group().strip()}", f"{sym} {m.group().strip()}")
                )
    return out


def date_differences(statement: str, provision: str) -> list[Difference]:
    """A date of the statement ("01 tháng 01 năm 2020") where the provision gives another."""
    theirs = {
        (int(d), int(m), int(y)): g.group().strip() for g in _DATE.finditer(provision) for d, m, y in [g.groups()]
    }
    if not theirs:
        return []
    diffs = []
    for g in _DATE.finditer(statement):
        key = tuple(int(x) for x in g.groups())
        if key not in theirs:
            diffs.append(Difference("ngày", g.group().strip(), "; ".join(theirs.values())))
    return diffs


NEGATION_SPAN = 7  # words a "không"/"cấm" governs after it
# a lead-in that forbids what its list items say ("Nghiêm cấm các hành vi sau đây:")
_FORBIDDING_LEAD = re.compile(
    r"(?:^|\n|>\s*)\W*(?:nghiêm cấm|cấm)\b[^>\n]*$|\bkhông được\b[^>\n]*(?:sau đây|như sau)\W*$", re.I
)
# prohibitions written with a modal count as one word, as "cấm" does: "không được phép lợi dụng"
# = "cấm lợi dụng" (the words a negation reaches are counted from after it)
_PROHIBITION = re.compile(r"\b(?:khong duoc phep|khong duoc|nghiem cam)\b")


def _negation_tokens(text: str) -> list[str]:
    return _PROHIBITION.sub("cam", " ".join(_tokens(text))).split()


def negation_differences(statement: str, provision: str, lead_in: str = "") -> list[Difference]:
    """A predicate the statement negates and the provision does not (or the reverse): the two
    words after a "không"/"cấm" on one side, found on the other side without one. ``lead_in``:
    the clause the provision is an item of — "Nghiêm cấm …:" negates every item."""
    st, pv = _negation_tokens(statement), _negation_tokens(provision)
    neg = {"khong", "chua", "chang", "cam"}
    # folded word -> as written, to show the pair with its diacritics ("dạy học", not "day hoc")
    written = {fold(w): w for w in [*words(provision), *words(statement)]}

    def negated_phrases(toks: list[str]) -> dict[tuple[str, str], None]:
        """Word pairs within the few words a negation governs ("không áp dụng hình thức dạy học
        trực tuyến": "áp dụng", "dụng hình", …), in the order they stand (an ordered set: the
        difference shown must not depend on hashing)."""
        out: dict[tuple[str, str], None] = {}
        for i, t in enumerate(toks):
            if t in neg:
                rest = [
                    x
                    for x in toks[i + 1 : i + 1 + NEGATION_SPAN]
                    if x not in neg and x not in ("duoc", "phai", "co", "the", "bi")
                ]
                out.update(dict.fromkeys(zip(rest, rest[1:], strict=False)))
        return out

    def shown(pair: tuple[str, str]) -> str:
        return " ".join(written.get(w, w) for w in pair)

    def plain_phrases(toks: list[str]) -> dict[tuple[str, str], bool]:
        """Each word pair -> whether some occurrence of it stands without a negation before it."""
        out: dict[tuple[str, str], bool] = {}
        for i in range(len(toks) - 1):
            pair = (toks[i], toks[i + 1])
            window = toks[max(0, i - NEGATION_SPAN) : i]  # as far back as a negation reaches forward
            out[pair] = out.get(pair, False) or not (set(window) & neg)
        return out

    diffs: list[Difference] = []
    pv_plain, st_plain = plain_phrases(pv), plain_phrases(st)
    st_neg, pv_neg = negated_phrases(st), negated_phrases(pv)
    if _FORBIDDING_LEAD.search(lead_in):
        # the whole item is what the lead-in forbids: a statement that forbids or denies it agrees,
        # one without any negation states the forbidden act as allowed
        if any(t in neg for t in st):
            return []
        shared = [pair for pair in st_plain if pair in pv_plain]
        return (
            [Difference("phủ định", f"{shown(shared[0])} (không phủ định)", f"cấm … {shown(shared[0])}")][:1]
            if shared
            else []
        )
    for pair in st_neg:
        if pair in pv_plain and pv_plain[pair] and pair not in pv_neg:
            diffs.append(Difference("phủ định", f"không … {shown(pair)}", f"{shown(pair)} (không phủ định)"))
    for pair in pv_neg:
        if pair in st_plain and st_plain[pair] and pair not in st_neg:
            diffs.append(Difference("phủ định", f"{shown(pair)} (không phủ định)", f"không … {shown(pair)}"))
    return diffs[:2]


@dataclass
class Provision:
    """A unit of the governing article (a sentence, a khoản, a điểm) with what it reads with."""

    text: str
    context: str  # the unit with its headings and lead-in: where numbers and names are looked up
    ref: Any = None  # what to cite (a Hit)
    span: tuple[int, int] = (0, 0)  # the unit inside the cited paragraph


# a place named with its kind: "thành phố Hạ Long", "huyện Bình Sơn và Trà Bồng"
_CAPITALISED = r"[" + UPPER_VI + r"]\w*"
_PLACE = re.compile(
    r"(?<![\wÀ-ỹ])(thành phố|tỉnh|huyện|thị xã|quận|xã|phường|thị trấn)\s+"
    r"(" + _CAPITALISED + r"(?:\s+(?:và\s+)?" + _CAPITALISED + r")*)"
)


def place_differences(statement: str, provision: str) -> list[Difference]:
    """ "… tại thành phố Cẩm Phả" where the provision says "tại thành phố Hạ Long": a place of the
    same kind that the provision does not name anywhere."""
    held: dict[str, list[str]] = {}
    for m in _PLACE.finditer(provision):
        held.setdefault(m.group(1).lower(), []).append(m.group(0))
    folded = " " + " ".join(fold(w) for w in words(provision)) + " "
    out = []
    for m in _PLACE.finditer(statement):
        kind, name = m.group(1).lower(), m.group(2)
        if kind in held and " " + " ".join(fold(w) for w in words(name)) + " " not in folded:
            out.append(Difference("địa danh", m.group(0), "; ".join(dict.fromkeys(held[kind]))))
    return out


def title_differences(statement: str, provision: str) -> list[Difference]:
    """ "Trịnh Đình Hải là Giám đốc Sở" where the provision makes him Phó Giám đốc."""
    out = []
    for p in PERSON.finditer(statement):
        claimed = {fold(t.group()) for t in TITLE.finditer(statement)}
        held = titles_of(provision, p.group())
        if claimed and held and not claimed & held:
            said = next(t.group() for t in TITLE.finditer(provision) if fold(t.group()) in held)
            out.append(
                Difference(
                    "chức danh",
                    f"{p.group()} — {', '.join(t.group() for t in TITLE.finditer(statement))}",
                    f"{p.group()} — {said}",
                )
            )
    return out


# Terms that exclude each other in the documents' own vocabulary: each group lists the
# alternatives, each alternative its spellings (folded). A statement naming one alternative where
# the provision names only another is "Sai" ("môn học tự chọn" where the law says "chính khóa";
# "bằng cử nhân" where it says "cao đẳng sư phạm"). Seen in held-out statements of batches 2-4.
CONTRASTS: list[list[tuple[str, ...]]] = [
    [("bat buoc",), ("tu chon",)],
    [("chinh khoa",), ("ngoai khoa",), ("tu chon",), ("long ghep",)],
    [("cong lap",), ("tu thuc", "ngoai cong lap")],
    [("hoi dong truong",), ("hoi dong quan tri",)],
    [("tam tru",), ("thuong tru",)],
    [("toi thieu", "it nhat"), ("toi da", "nhieu nhat")],
    [("trung cap",), ("cao dang",), ("dai hoc", "cu nhan"), ("thac si",), ("tien si",)],
]


def _alternatives(text: str, group: list[tuple[str, ...]]) -> dict[int, str]:
    """The alternatives of ``group`` the text names: index -> the spelling found (folded)."""
    spaced = spaced_words(text)
    # "ngoài công lập" also contains "công lập": a longer spelling hides the shorter one inside it
    found = {(i, f) for i, alt in enumerate(group) for f in alt if f" {f} " in spaced}
    longer = [f for _, f in found]
    named: dict[int, str] = {}
    for i, alt in enumerate(group):
        for f in alt:  # the first spelling of each alternative the text has, in the group's order
            if (i, f) in found and not any(f != g and f" {f} " in f" {g} " for g in longer):
                named.setdefault(i, f)
    return named


def term_differences(statement: str, provision: str) -> list[Difference]:
    """ "… là môn học tự chọn" where the provision says "môn học chính khóa" (see CONTRASTS)."""
    out = []
    for group in CONTRASTS:
        said, written = _alternatives(statement, group), _alternatives(provision, group)
        if said and written and not said.keys() & written.keys():
            out.append(
                Difference(
                    "thuật ngữ",
                    as_written(statement, ", ".join(said.values())),
                    as_written(provision, ", ".join(written.values())),
                )
            )
    return out


# how much less a unit that speaks of another case too weighs in choosing the governing one: half
# of a perfect match of the unit's own words, enough to break a tie of two sentences of one clause
MIXED_CASE_PENALTY = 0.25


def governing(
    provisions: list[Provision],
    statement_words: dict[str, float],
    subject_words: dict[str, float],
    segmented: bool = True,
    symbols: tuple[str, ...] = (),
    statement: str = "",
) -> int:
    """The provision the statement is about: the one naming its subject, then covering most of it.
    Numbers do not locate it: they are what the statement claims ("03 năm học"); a document's
    symbol does ("Quyết định số 1456/QĐ-TTg … ban hành ngày …": the unit that names 1456/QĐ-TTg).
    ``statement``: its text, to prefer a unit about its case alone (CONTRASTS)."""
    statement_words = {k: w for k, w in statement_words.items() if not re.search(r"\d", k)}
    said = [_alternatives(statement, g) for g in CONTRASTS] if statement else []

    def mixed(p: Provision) -> bool:
        """The unit speaks of the statement's case and of another one ("… công lập, học sinh … tư
        thục được hỗ trợ …"): a unit about the statement's case alone is the more specific rule."""
        written = [_alternatives(p.text, g) for g in CONTRASTS]
        return any(s and s.keys() < w.keys() for s, w in zip(said, written, strict=False))

    def score(p: Provision) -> tuple[bool, float]:
        return (
            any(sym in p.text for sym in symbols),  # first: the units that name the document
            2 * coverage(subject_words, p.context, segmented)
            + coverage(statement_words, p.context, segmented)
            + 0.5 * coverage(statement_words, p.text, segmented)  # the unit itself, before what it reads with
            - (MIXED_CASE_PENALTY if said and mixed(p) else 0.0),
        )

    return max(range(len(provisions)), key=lambda i: score(provisions[i])) if provisions else -1


def displaced_words(
    statement_words: dict[str, float], g: Provision, siblings: list[Provision], segmented: bool = True
) -> list[str]:
    """Weighty statement words the governing provision lacks and a neighbouring provision has: a
    value that belongs to another case ("cao đẳng sư phạm" is the rule for mầm non, not tiểu học)."""
    if not statement_words:
        return []
    top = max(statement_words.values())
    out = []
    for k, w in statement_words.items():
        if w < 0.6 * top or k.startswith("\x00") or re.search(r"\d", k) or k in LIGHT_WORDS:
            continue  # numbers are compared as quantities; "yêu cầu", "quy định" say how, not what
        one = {k: w}
        if coverage(one, g.context, segmented) > 0:
            continue
        if any(coverage(one, p.context, segmented) > 0 for p in siblings if p is not g):
            out.append(k)
    return out


# the differences that say the statement gives a value the provision gives otherwise
VALUE_KINDS = frozenset({"con số", "ngày", "ngày ban hành", "địa danh", "chức danh", "thuật ngữ"})


def statement_differences(
    statement: str,
    g: Provision,
    siblings: list[Provision],
    statement_words: dict[str, float],
    named_laws: list[str],
    provision_law: str,
    segmented: bool = True,
    as_asked: str = "",
) -> list[Difference]:
    """What the statement says otherwise than the governing provision: a number, a date, a
    negation, a place, a title, a term, a value that belongs to another case, the law named."""
    # ``as_asked``: the statement with the document it is about (the claim has it removed)
    dates = document_date_differences(as_asked or statement, g.text) or date_differences(statement, g.context)
    # a date is not a quantity: "01 tháng 01 năm 2020" says nothing of months as a count
    lead_in = g.context.replace(g.text, "")  # the headings and the clause the unit is an item of
    diffs = (
        dates
        + ([] if dates else number_differences(statement, g.context))
        + negation_differences(statement, g.text, lead_in)
    )
    # a place is compared with the unit itself: its list's other items name the other places
    diffs += (
        title_differences(statement, g.context)
        + place_differences(statement, g.text)
        + term_differences(statement, g.text)
    )
    moved = displaced_words(statement_words, g, siblings, segmented)
    if moved and not diffs:
        diffs.append(Difference("nội dung", ", ".join(moved), _short(g.text)))
    for law in named_laws:
        if provision_law and fold(law).strip() != fold(provision_law).strip():
            diffs.append(Difference("văn bản", law, provision_law))
    return diffs


def _syllable_words(text: str) -> dict[str, float]:
    """A statement's content syllables, each weighing 1: its words when no IDF weights are given."""
    return {w: 1.0 for w in syllables(text) if w not in STOP_FOLDED and not w.isdigit()}


def _pairs(tokens: list[str]) -> set[tuple[str, str]]:
    return set(zip(tokens, tokens[1:], strict=False))


def statement_features(
    statement: str,
    g: Provision,
    siblings: list[Provision],
    statement_words: dict[str, float],
    diffs: list[Difference],
    segmented: bool = True,
) -> list[float]:
    """The vector of verdict_model.STATEMENT_FEATURES: the statement against the governing unit."""
    sw = {k: w for k, w in statement_words.items() if not k.startswith("\x00")} or _syllable_words(statement)
    cov = coverage(sw, g.context, segmented)
    contexts = list(dict.fromkeys(p.context for p in siblings)) or [g.context]
    st, unit, ctx = syllables(statement), syllables(g.text), syllables(g.context)
    st_content = [w for w in st if w not in STOP_FOLDED]
    unit_content = [w for w in unit if w not in STOP_FOLDED]
    ctx_set, st_set = set(ctx), set(st)
    kinds = {d.what for d in diffs}
    st_bounds = (has_class(statement, "bounds.upper"), has_class(statement, "bounds.lower"))
    pv_bounds = (has_class(g.context, "bounds.upper"), has_class(g.context, "bounds.lower"))
    return [
        cov,
        coverage(sw, g.text, segmented),
        max(coverage(sw, c, segmented) for c in contexts),
        1.0 - coverage(sw, " ".join(contexts), segmented),
        sum(w in ctx_set for w in st_content) / len(st_content) if st_content else 0.0,
        sum(w in st_set for w in unit_content) / len(unit_content) if unit_content else 0.0,
        len(_pairs(st) & _pairs(ctx)) / max(1, len(_pairs(st))),
        longest_run(st, unit) / max(1, len(st)),
        float("phủ định" in kinds),
        float(negations(statement) % 2 != negations(g.text) % 2),
        float(len(modal_classes(statement) - modal_classes(g.context))),
        float(len(modal_classes(g.text) - modal_classes(statement))),
        float(bool(kinds & VALUE_KINDS)),
        float(numbers_unseen(statement, g.context)),
        float(
            (st_bounds[0] and pv_bounds[1] and not pv_bounds[0]) or (st_bounds[1] and pv_bounds[0] and not pv_bounds[1])
        ),
        float(has_class(statement, "absolute") and not has_class(g.context, "absolute")),
        float("nội dung" in kinds),
        float("văn bản" in kinds),
        float(actor_differs(statement, g.text)),
        *best_alignment(statement, g, siblings),
        float(has_class(g.text, "exception") and not has_class(statement, "exception")),
    ]


ACTOR_WORDS = 8  # an actor is named in a few words ("Ủy ban nhân dân cấp tỉnh", "người sử dụng lao động")


def actor_differs(statement: str, unit: str) -> bool:
    """Both open with an actor (coverage.subject_of: the words before the first predicate) and
    neither is the other, nor inside it: "Người lao động phải …" where the unit says "Người sử
    dụng lao động phải …"."""
    mine, theirs = subject_of(statement), subject_of(MARKER.sub("", unit.strip(), count=1))
    if not mine or not theirs or max(len(mine.split()), len(theirs.split())) > ACTOR_WORDS:
        return False  # a long opening is a condition or a topic, not an actor
    a, b = spaced_words(mine), spaced_words(theirs)
    return a not in b and b not in a


def best_alignment(statement: str, g: Provision, siblings: list[Provision]) -> list[float]:
    """verdict_model.alignment against the unit of the top articles the statement follows most
    closely in order (the governing one, chosen by its words, may be a neighbour of the sentence
    the statement rewrites)."""
    best: list[float] | None = None
    for p in [g, *(p for p in siblings if p is not g)]:
        a = alignment(statement, MARKER.sub("", p.text.strip(), count=1), p.context.replace(p.text, " "))
        if best is None or a[0] > best[0]:
            best = a
    return best or [0.0] * 5


def shown_difference(statement: str, g: Provision) -> Difference:
    """The words where a statement the model finds "Sai" departs from the provision, side by side,
    when no value, negation or law differs: the deontic words when their class differs ("phải" /
    "được"), else the largest stretch the statement replaces (verdict_model.side_by_side)."""
    mine, theirs = modal_classes(statement), modal_classes(g.context)
    if actor_differs(statement, g.text):
        return Difference(
            "chủ thể", subject_of(statement).strip(), subject_of(MARKER.sub("", g.text.strip(), count=1)).strip()
        )
    if mine and theirs and mine != theirs:
        return Difference(
            "tình thái", _modal_words(statement, mine - theirs), _modal_words(g.text or g.context, theirs - mine)
        )
    unit = MARKER.sub("", g.text.strip(), count=1)
    pair = side_by_side(statement, unit, g.context.replace(g.text, " "))
    if pair:
        return Difference("từ ngữ", *pair)
    return Difference("nhận định", _short(statement), _short(unit))


def _modal_words(text: str, classes: set[str]) -> str:
    for c in sorted(classes) or ["prohibition", "obligation", "permission"]:
        if p := first_phrase(text, f"modality.{c}"):
            return p
    return ""


def check_statement(
    statement: str,
    g: Provision,
    siblings: list[Provision],
    statement_words: dict[str, float],
    named_laws: list[str],
    provision_law: str,
    segmented: bool = True,
    as_asked: str = "",
    model: VerdictModel | None = None,
) -> Verdict:
    """ "Đúng" when the fitted model (verdict_model.py) finds the statement said by the governing
    provision, "Sai" with the differences — a number, a negation, a value that belongs to another
    case, the law named — or else the words where it departs from the provision, side by side."""
    model = model or load_verdict_model()
    diffs = statement_differences(
        statement, g, siblings, statement_words, named_laws, provision_law, segmented, as_asked
    )
    x = statement_features(statement, g, siblings, statement_words, diffs, segmented)
    p = model.statement.probability(x)
    at = next((i for i, p in enumerate(siblings) if p is g), -1)
    inputs = {
        "statement": statement,
        "provisions": [(p.text, p.context) for p in (siblings if at >= 0 else [g])],
        "at": max(at, 0),
        "statement_words": statement_words,
        "named_laws": named_laws,
        "provision_law": provision_law,
        "segmented": segmented,
        "as_asked": as_asked,
    }
    signals = {"features": x, "differences": len(diffs), "inputs": inputs}
    # a statement about another law than the one that governs it is not a wording to weigh: the
    # labelled statements never name a law other than their provision's, so the fit cannot learn it
    other_law = [d for d in diffs if d.what == "văn bản"]
    if p >= model.threshold and not other_law:
        return Verdict("Đúng", [], probability=p, signals=signals)
    return Verdict("Sai", diffs or [shown_difference(statement, g)], probability=p, signals=signals)


def _short(text: str, limit: int = 160) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def choose(
    choices: list[Choice],
    negative: bool,
    provisions: list[Provision],
    stem_words: dict[str, float],
    choice_words,
    segmented: bool = True,
    title: str = "",
    stem: str = "",
    model: VerdictModel | None = None,
) -> tuple[Verdict, dict[str, int]]:
    """The choice the fitted model (verdict_model.py) finds the provisions support best (or, for
    "… không phải …" questions, least). Each choice is read with the stem as one statement and
    compared with its best provision: the one covering the choice, weighed by how much it is about
    the stem (the clause "không có bằng đại học luật … ít nhất 03 năm" beats the one for graduates
    in law). "Cả A, B, C đều đúng" scores as its weakest choice plus a fitted offset. Also returns,
    per choice, its best provision. ``title``: the title a "Ai là Giám đốc …?" stem asks about
    (folded); a name the provision gives another title counts half, as a number that differs."""
    model = model or load_verdict_model()
    where: dict[str, int] = {}
    scores: dict[str, float] = {}
    vectors: dict[str, list[float]] = {}
    relevance = [0.5 + 0.5 * coverage(stem_words, p.context, segmented) for p in provisions]
    for c in choices:
        if c.all_of or c.none_of:
            continue
        qw = choice_words(c.text)
        best, at = 0.0, -1
        for i, p in enumerate(provisions):
            s = coverage(qw, p.context, segmented) * relevance[i] if qw else 0.0
            s += 0.01 * coverage(qw, p.text, segmented) if s else 0.0  # ties: the unit that says it itself
            if s and number_differences(c.text, p.context):
                s *= 0.5  # "04 tháng" where this clause says "06 tháng"
            if s and title and (person := PERSON.search(c.text)):
                held = titles_of(p.context, person.group())
                if held and title not in held:
                    s *= 0.5  # "Trịnh Đình Hải" is Phó Giám đốc where the stem asks for the Giám đốc
            if s > best:
                best, at = s, i
        where[c.letter] = at
        vectors[c.letter] = choice_features(c.text, stem, provisions, at, stem_words, qw, best, segmented)
        scores[c.letter] = model.choice.score(vectors[c.letter])
    if not scores:
        return Verdict(choices[0].letter if choices else ""), where
    label, shares = pick(scores, choices, negative, model.choice.extra)
    structure = {c.letter: (c.all_of, c.none_of) for c in choices}
    inputs = {
        "choices": [(c.letter, c.text, c.all_of, c.none_of) for c in choices],
        "negative": negative,
        "provisions": [(p.text, p.context) for p in provisions],
        "stem_words": stem_words,
        "choice_words": {c.letter: choice_words(c.text) for c in choices if not (c.all_of or c.none_of)},
        "segmented": segmented,
        "title": title,
        "stem": stem,
    }
    signals = {"features": vectors, "negative": negative, "structure": structure, "inputs": inputs}
    return Verdict(label, support=shares, signals=signals), where


def choice_features(
    text: str,
    stem: str,
    provisions: list[Provision],
    at: int,
    stem_words: dict[str, float],
    qw: dict[str, float],
    support: float,
    segmented: bool = True,
) -> list[float]:
    """verdict_model.CHOICE_FEATURES: the stem and the choice as one statement against the
    choice's best provision, then the choice's own coverage and support."""
    if at < 0 or not provisions:
        from assistant.answer.verdict_model import CHOICE_NAMES

        return [0.0] * len(CHOICE_NAMES)
    g = provisions[at]
    statement = f"{stem} {text}".strip()
    words_ = {**stem_words, **qw}
    diffs = statement_differences(statement, g, provisions, words_, [], "", segmented)
    x = statement_features(statement, g, provisions, words_, diffs, segmented)
    own = syllables(text)
    units = [MARKER.sub("", p.text.strip(), count=1) for p in provisions]
    return [
        *x,
        coverage(qw, g.context, segmented) if qw else 0.0,
        support,
        max(alignment(text, u)[0] for u in units),
        max(longest_run(own, syllables(u)) for u in units) / max(1, len(own)),
        float(numbers_unseen(text, " ".join(p.context for p in provisions))),
    ]


def pick(
    scores: dict[str, float], choices: list[Choice], negative: bool, extra: dict[str, float]
) -> tuple[str, dict[str, float]]:
    """The letter with the best adjusted score and every letter's softmax share: a choice's own
    score (negated for "… không phải …" stems), "Cả A, B, C đều đúng" the lowest of its choices'
    plus the fitted ``all_of`` offset, "Cả … đều sai" minus the highest plus ``none_of``."""
    sign = -1.0 if negative else 1.0
    adjusted = {k: sign * v for k, v in scores.items()}
    for c in choices:
        if c.all_of:
            named = [adjusted[x] for x in c.all_of if x in adjusted]
            if named:
                adjusted[c.letter] = min(named) + extra.get("all_of", 0.0)
        elif c.none_of and scores:
            adjusted[c.letter] = -max(adjusted[x] for x in scores) + extra.get("none_of", 0.0)
    top = max(adjusted.values())
    exp = {k: math.exp(v - top) for k, v in adjusted.items()}
    total = sum(exp.values())
    label = max(adjusted, key=lambda k: adjusted[k])
    return label, {k: v / total for k, v in exp.items()}
