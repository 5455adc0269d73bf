"""Candidate answer units and their named features.

A unit is a sentence or a list item inside one of the top retrieved paragraphs. Each unit gets a
fixed vector of named features (``FEATURES``); the answerer scores it as the dot product with
weights fitted by ``assistant tune`` (see answer_model.py). Nothing here is tuned: the features
measure, the weights decide."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from assistant.answer.coverage import (
    adjacent_pairs,
    coverage,
    doc_terms,
    forms,
    names_document,
    spaced_words,
    subject_of,
    title_terms,
)
from assistant.core.models import ROW_KIND, SIGNATURE_KIND, Hit, row_text
from assistant.core.textutil import UPPER_VI, split_sentences, words
from assistant.question.facets import other_level, school_levels
from assistant.question.kinds import MARKER, KindStrategy, QuestionKind
from assistant.question.query import AnalyzedQuery

# name -> what it measures. Order is the order of the vector (and of the weights file).
FEATURES: dict[str, str] = {
    "coverage": "weighted share of the question's content words in the unit (read with its lead-in "
    "sentence or heading when it is a short line or a list item)",
    "heading_coverage": "the same share in the headings above the paragraph",
    "rank": "1 / (1 + retrieval rank of the paragraph)",
    "dense": "dense similarity of the paragraph to the question, calibrated to [0, 1] per embedder",
    "kind_strength": "how clearly the unit has what the question kind asks for (a full date for 'khi nào', …)",
    "kind_mismatch": "1 when the unit cannot answer the kind at all (no number for 'bao nhiêu', …) or is about "
    "another school level than the question (facets.py)",
    "phrase": "consecutive question words that stand together in the unit too (0–3)",
    "slot": "1 when a 'which X' question's X stands with a value ('năm học 2022-2023')",
    "actor": "1 when a 'what must X do' question's X opens the item",
    "length": "log(length / 300) for units longer than 300 characters",
    "closing_formula": "1 for closing formulas ('Trên đây là Kế hoạch…')",
    "legal_basis": "1 for the legal-basis preamble ('Căn cứ…', 'Thực hiện Công văn…')",
    "named_document": "1 when the paragraph's document is one the question names without making it the source",
    "subject_opening": "share of the question's subject ('Trường mẫu giáo' in '… nhận trẻ em từ bao nhiêu tuổi') "
    "among the first words of a unit that opens its paragraph",
    "cross_reference": "1 when the unit defers to another provision ('… quy định tại điểm a và điểm b khoản 1 "
    "Điều này'): it repeats the question's words and points to the answer elsewhere",
    "states_field": "1 when the paragraph states a field of its document the question asks for (the effect "
    "clause for 'có hiệu lực từ ngày nào', the header for 'ban hành ngày nào'; marked at ingest)",
    "english_rank": "rank for an English question (its words rarely match the Vietnamese text: retrieval's "
    "cross-lingual order is its main evidence)",
    "english_dense": "dense for an English question",
}
FEATURE_NAMES = tuple(FEATURES)
# A question word of the document's subject line weighs this share in its paragraphs: it says
# which document more than which paragraph ("Chỉ thị về nhiệm vụ năm học 2021-2022 … có hiệu lực
# từ khi nào?" is answered by "Chỉ thị này có hiệu lực sau 10 ngày", not by the preamble that
# repeats the subject). Chosen on the training sets of `make tune` among 0.5 / 0.25 / 0: 0.25
# gained two questions (seeds-heldout, alqac) and lost none; 0 lost two of dev.
TITLE_WORD_WEIGHT = 0.25

_CLOSING = re.compile(
    r"^(?:Trên đây là|Đề nghị các (?:đơn vị|trường|thành viên)[^.]{0,80}(?:thực hiện|triển khai)\./\.)"
)
_BASIS = re.compile(r"^[-–(]?\s*(?:Căn cứ|Thực hiện|Để tiếp tục triển khai|Theo đề nghị)\b")
_CROSS_REFERENCE = re.compile(
    r"\b(?:quy định|nêu|ghi) tại (?:các )?(?:điểm [a-zđ]\b|khoản \d|Điều (?:\d|này)|Chương|Mục|Phụ lục)"
    r"|\btheo quy định (?:của|tại) (?:khoản|điểm|Điều) (?:\d|này)"
)
_ACTOR_Q = re.compile(
    r"^(?:theo [^,]+,\s*)?(.+?)\s+(?:có |phải |cần |chịu )?(?:trách nhiệm|nhiệm vụ|làm|thực hiện|được giao)\s+(?:gì|"
    r"những gì|việc gì|như thế nào)|(?:trách nhiệm|nhiệm vụ|việc) (?:của|giao cho) (.+?)(?:\s+(?:là|gồm|trong|theo|"
    r"khi)\b|\?|$)",
    re.I,
)
# block kinds of list items (structure.py): read with the clause that introduces them
LIST_ITEM_KINDS = frozenset({"num", "num2", "num3", "num_paren", "letter", "paren", "item", "dash", "bullet"})


@dataclass
class Unit:
    """A candidate statement: a sentence or list item inside a retrieved paragraph."""

    hit_rank: int
    start: int  # inside hit.text
    end: int
    text: str
    own: float  # the coverage feature: used by the selection rules as well as the score
    score: float = 0.0
    features: np.ndarray = field(default_factory=lambda: np.zeros(len(FEATURE_NAMES), dtype=np.float32))


# block kinds read as one statement (structure.py): the address lists, the signature block, a
# table row (its cells say one thing together: "Nhà trẻ | 5.100.000")
WHOLE_KINDS = frozenset({"recipients", "distribution", SIGNATURE_KIND, ROW_KIND})


def split_units(text: str, kind: str = "", clauses: bool = True) -> list[tuple[int, int]]:
    """Sentences of a paragraph; a list item stays whole unless it is long. ``kind``: the
    chunk's block kind; ``clauses`` false: an enumeration joined by ";" stays one unit (a list question)."""
    if kind in WHOLE_KINDS or text.startswith(("Kính gửi", "Nơi nhận")):
        return [(0, len(text))]  # a recipients list, a signature: one statement
    out: list[tuple[int, int]] = []
    pos = 0
    for para in text.split("\n\n"):
        base = pos
        pos += len(para) + 2
        if not para.strip():
            continue
        if len(para) < 420 and para.lstrip()[:1] in "-–+•(":
            out.append((base, base + len(para)))
            continue
        local: list[tuple[int, int]] = []
        for a, z in split_sentences(para, clauses):
            # glue very short fragments ("1.") to the next sentence
            if local and (local[-1][1] - local[-1][0] < 25):
                local[-1] = (local[-1][0], z)
            else:
                local.append((a, z))
        out.extend((base + a, base + z) for a, z in local)
    return out


def unit_view(h: Hit, a: int, z: int) -> str:
    """What a unit says, to be compared with the question: a whole table row with its column
    names ("Tên tài sản: Tác phẩm điện ảnh; Thời gian sử dụng (năm): 50; Tỷ lệ hao mòn (%): 02"),
    else its own text."""
    if h.cells and a == 0 and z >= len(h.text.rstrip()):
        return row_text(h.columns, h.cells)
    return h.text[a:z]


def calibrated_dense(score: float, lo: float, hi: float) -> float:
    """A paragraph's dense cosine similarity mapped to [0, 1] with the embedder's calibration."""
    return min(1.0, max(0.0, (score - lo) / (hi - lo))) if hi > lo else 0.0


def slot_pattern(slot: str) -> re.Pattern[str] | None:
    """ "Which X" ("năm học nào", "huyện nào") is answered by "X <value>": the pattern of that."""
    if not slot:
        return None
    return re.compile(r"(?i:" + re.escape(slot) + r")\s+(?:số\s+)?(?:\d|[" + UPPER_VI + r"])")


def actor_words(question: str, qw: dict[str, float]) -> dict[str, float]:
    """The question words naming who a "what must X do" question is about ("Giám đốc Sở GDĐT")."""
    m = _ACTOR_Q.search(question.strip())
    if not m:
        return {}
    phrase = spaced_words(m.group(1) or m.group(2))
    return {k: w for k, w in qw.items() if f" {k} " in phrase}


def opening(text: str) -> str:
    """The first words of a unit, after its list marker: where a directive names the actor."""
    return " ".join(MARKER.sub("", text, count=1).split()[:12])


def content_words(qw: dict[str, float], h: Hit) -> dict[str, float]:
    """The question words that can tell this document's paragraphs apart: words of the
    document's name are dropped, words of its subject line weigh less."""
    dt, tt = doc_terms(h), title_terms(h)
    return {
        k: (TITLE_WORD_WEIGHT * w if set(k.split()) <= tt else w) for k, w in qw.items() if not names_document(k, dt)
    } or qw


@dataclass
class UnitFeaturizer:
    """Computes the feature vectors of the candidate units of one question."""

    q: AnalyzedQuery
    qw: dict[str, float]  # the question's words and their weights (coverage.question_words)
    strategies: list[KindStrategy]  # one per part of the question (usually one)
    dense_lo: float
    dense_hi: float
    preferred_docs: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.segmented = not self.q.no_diacritics
        self.slot = slot_pattern(self.q.slot)
        self.actor = actor_words(self.q.focus_text, self.qw)
        subject = spaced_words(subject_of(self.q.focus_text)) if not self.q.english else ""
        self.subject = {k: w for k, w in self.qw.items() if f" {k} " in subject}
        self.levels = self.q.reading.levels

    def units(self, rank: int, h: Hit) -> list[Unit]:
        content = content_words(self.qw, h)
        keys = list(content)
        seg = self.segmented
        head_cov = coverage(content, " ".join(h.headings), seg)
        dense = calibrated_dense(h.score, self.dense_lo, self.dense_hi)
        named = 1.0 if h.doc_id in self.preferred_docs else 0.0
        out: list[Unit] = []
        prev = ""
        for a, z in split_units(h.text, h.kind, clauses=self.q.kind != QuestionKind.LIST):
            text = h.text[a:z]
            own = coverage(content, unit_view(h, a, z), seg)
            if len(text) < 100 and prev:
                # a short line ("Thời gian vào lúc 8h00 ngày 18/04/2022") is read with the
                # sentence before it, which says what it is about
                own = max(own, 0.7 * coverage(content, text, seg, frame=prev))
            item = a == 0 and h.kind in LIST_ITEM_KINDS or MARKER.match(text)  # the parser's kind, else a merged item
            if h.headings and (item or (a == 0 and len(h.text) < 160)):
                # a list item ("a) Có bằng … đối với giáo viên mầm non;") is read with the
                # clause that introduces it; a one-line paragraph with its heading
                own = max(own, 0.85 * coverage(content, text, seg, frame=h.headings[-1]))
            prev = text
            if own <= 0:
                continue
            f = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
            f[0] = own
            f[1] = head_cov
            f[2] = 1.0 / (1 + rank)
            f[3] = dense
            said = unit_view(h, a, z)  # a row is judged with its column names
            f[4] = float(np.mean([s.strength(said, self.q.reading) for s in self.strategies]))
            f[5] = 0.0 if can_answer(h, said, self.q, self.strategies, self.levels) else 1.0
            f[6] = min(3, adjacent_pairs(keys, text))
            f[7] = 1.0 if self.slot and self.slot.search(text) else 0.0
            f[8] = 1.0 if self.actor and a == 0 and coverage(self.actor, opening(text), seg) >= 0.99 else 0.0
            f[9] = math.log(len(text) / 300) if len(text) > 300 else 0.0
            f[10] = 1.0 if _CLOSING.match(text) else 0.0
            f[11] = 1.0 if _BASIS.match(text) else 0.0
            f[12] = named
            if self.subject and a == 0:
                # a list item opens with what its lead-in clause says ("1. Trình độ chuẩn … của nhà
                # giáo được quy định như sau:" > "a) … đối với giáo viên mầm non")
                lead_in = h.headings[-1] + " " if item and h.headings else ""
                f[13] = (
                    coverage(self.subject, lead_in + opening(text), seg)
                    if lead_in
                    else coverage(self.subject, opening(text), seg)
                )
            f[14] = 1.0 if _CROSS_REFERENCE.search(text) else 0.0
            f[15] = 1.0 if self.q.fields and self.q.fields & set(h.fields) else 0.0
            if self.q.english:
                f[16], f[17] = f[2], f[3]
            out.append(Unit(rank, a, z, text, own, 0.0, f))
        return out


def can_answer(h: Hit, said: str, q: AnalyzedQuery, strategies: list[KindStrategy], levels: frozenset[str]) -> bool:
    """Could this unit (``said``: unit_view) answer the question? A table row's unit of measure
    is in its caption or column names ("Đơn vị: nghìn đồng"): a row that has what the kind asks
    for (a number, a date) can."""
    if h.kind == ROW_KIND and any(s.strength(said, q.reading) > 0 for s in strategies):
        return True
    return answers_question(said, q, strategies, levels)


def answers_question(text: str, q: AnalyzedQuery, strategies: list[KindStrategy], levels: frozenset[str]) -> bool:
    """Could this unit answer the question: what its kind asks for (kinds.py), about the school
    level it asks about (facets.py)?"""
    if not levels:
        return any(s.answers(text, q.reading) for s in strategies)
    # the clause that answers must be about the level asked: "… nâng tỷ lệ học sinh tiểu học học 2
    # buổi/ngày đạt 100%; khuyến khích … đối với trường THPT" does not give the THPT figure
    clauses = [c for c in text.split(";") if c.strip()] or [text]
    return any(
        s.answers(c, q.reading) and not other_level(levels, school_levels(c)) for c in clauses for s in strategies
    )


def similar(a: str, b: str) -> bool:
    wa, wb = set(words(a)), set(words(b))
    if not wa or not wb:
        return False
    return len(wa & wb) / min(len(wa), len(wb)) > 0.85


__all__ = ["FEATURES", "FEATURE_NAMES", "Unit", "UnitFeaturizer", "split_units", "calibrated_dense", "similar", "forms"]
