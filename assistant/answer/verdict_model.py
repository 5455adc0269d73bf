"""The fitted decision of statements to verify and choices to make.

A statement is compared with the provision that governs it on general signals of legal writing —
how much of it the provision says (IDF-weighted words, syllables, word pairs, the longest run in
common), negation present on one side only, numbers and values that differ, the deontic class of
its verb (phải / được / không được, from ``assistant/data/legal_words.toml``), bounds, absolute
words, a value that belongs to a neighbouring case, the law named — and a logistic model fitted on
labelled statements (``assistant/data/verdict_model.json``, written by
``python -m assistant.tools.fit_verdict``) turns the signals into the probability that it is
"Đúng". A choice is the stem with that choice read as one statement, scored by a second fitted
vector (a conditional logit over the choices). Pure functions; nothing here is tuned by hand."""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.core.textutil import fold, has_diacritics, words

DATA = Path(__file__).resolve().parent.parent / "data"
WORDS_PATH = DATA / "legal_words.toml"
MODEL_PATH = DATA / "verdict_model.json"
FORMAT = 1

# name -> what it measures; the order is the order of the vector (and of the weights file)
STATEMENT_FEATURES: dict[str, str] = {
    "coverage": "IDF-weighted share of the statement's words in the governing provision, read with its "
    "headings and lead-in",
    "unit_coverage": "the same share in the provision's own unit (sentence, khoản or điểm)",
    "best_coverage": "the best such share over the units of the top articles",
    "novel": "weighted share of the statement's words that no unit of the top articles has",
    "syllable_precision": "share of the statement's syllables found in the provision (with its lead-in)",
    "syllable_recall": "share of the unit's syllables found in the statement",
    "pair_precision": "share of the statement's adjacent syllable pairs found in the provision",
    "longest_run": "the longest run of syllables the statement and the unit share, over the statement's length",
    "negation_difference": "1 when a predicate is negated on one side and not on the other (verdict.negation_differences)",
    "negation_parity": "1 when one of statement and unit holds an odd number of negations and the other not",
    "modal_added": "deontic classes (prohibition, obligation, permission) the statement has and the provision lacks",
    "modal_dropped": "deontic classes the unit has and the statement lacks",
    "value_difference": "1 when a number, date, place, title or term the statement gives is given otherwise",
    "number_unseen": "1 when the statement has a number the provision does not write",
    "bound_difference": "1 when the statement bounds a quantity the other way ('tối đa' where the law says 'tối thiểu')",
    "absolute_added": "1 when the statement has a restrictive or universal word ('chỉ', 'mọi') the provision lacks",
    "displaced": "1 when a weighty word of the statement belongs to a neighbouring unit, not the governing one",
    "law_difference": "1 when the statement names another law than the provision's",
    "actor_difference": "1 when the statement and the unit each open with an actor (the words before the first "
    "predicate) and neither actor is the other ('người lao động' for 'người sử dụng lao động')",
    "aligned": "share of the statement's syllables aligned in order with the unit (difflib)",
    "replaced": "share of the statement's syllables that replace other words of the unit between aligned stretches",
    "replacements": "how many such replaced stretches (at most 3)",
    "added": "share of the statement's syllables added between aligned stretches that the lead-in does not say",
    "swapped": "1 when a replaced stretch's words stand elsewhere in the unit (two actors exchanged)",
    "exception_dropped": "1 when the unit makes an exception ('trừ', 'ngoại trừ') the statement does not",
}
STATEMENT_NAMES = tuple(STATEMENT_FEATURES)
# a choice is read as a statement, plus what only a choice has
CHOICE_FEATURES: dict[str, str] = {
    **STATEMENT_FEATURES,
    "choice_coverage": "IDF-weighted share of the choice's own words in its best provision",
    "choice_support": "that share weighed by how much the provision is about the stem (verdict.choose)",
    "choice_aligned": "the best share of the choice's own syllables aligned in order with a unit of the top article",
    "choice_run": "the longest run of syllables the choice shares with a unit, over the choice's length",
    "choice_number_unseen": "1 when the choice has a number no unit of the top article writes",
}
CHOICE_NAMES = tuple(CHOICE_FEATURES)


# The direction each signal may push: +1 towards "Đúng" (the provision says more of the statement),
# −1 towards "Sai" (a difference), 0 either way. The fit keeps each weight on its side (a
# statement set's quirks — its false statements copied word for word with one word changed —
# cannot make agreeing with the law count against a statement).
SIGNS: dict[str, int] = {
    **dict.fromkeys(
        (
            "coverage",
            "unit_coverage",
            "best_coverage",
            "syllable_precision",
            "pair_precision",
            "longest_run",
            "aligned",
        ),
        1,
    ),
    **dict.fromkeys(("choice_coverage", "choice_support", "choice_aligned", "choice_run"), 1),
    **dict.fromkeys(
        (
            "novel",
            "negation_difference",
            "negation_parity",
            "modal_added",
            "value_difference",
            "number_unseen",
            "bound_difference",
            "absolute_added",
            "displaced",
            "law_difference",
            "actor_difference",
            "replaced",
            "replacements",
            "added",
            "swapped",
            "exception_dropped",
            "choice_number_unseen",
        ),
        -1,
    ),
}


# -- word classes -----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def legal_words() -> dict[str, tuple[str, ...]]:
    """class -> its phrases, lower-cased, longest first ("modality.prohibition": ("không được phép", …))."""
    with open(WORDS_PATH, "rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, tuple[str, ...]] = {}
    for group, entries in data.items():
        for name, phrases in entries.items():
            key = group if name == "words" else f"{group}.{name}"
            found = {" ".join(words(p.lower())) for p in phrases}
            out[key] = tuple(sorted(found, key=lambda p: (-len(p.split()), p)))
    return out


# the question's texts as the question stage segmented them (AnalyzedQuery.segmented), handed
# over by the answer stage (know_segmented) so that a statement is not segmented again
_KNOWN: dict[str, tuple[str, ...]] = {}
_KNOWN_MAX = 4096


def know_segmented(segmented: Mapping[str, tuple[str, ...]]) -> None:
    """Use these segmentations (text -> the segmenter's words) instead of segmenting the text."""
    if len(_KNOWN) + len(segmented) > _KNOWN_MAX:
        _KNOWN.clear()
    _KNOWN.update(segmented)


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, bool]:
    """(" công_dân có quyền tiếp_cận … ", folded): the text's segmenter words, so that a phrase is
    matched as whole words ("chỉ" is not inside "chỉ_đạo", "cần" not "tiếp_cận"); accent-folded
    when the text is typed without diacritics."""
    from assistant.index.sparse import segment

    folded = not has_diacritics(text)
    known = _KNOWN.get(text)
    toks = [fold(t) if folded else t for t in (known if known is not None else segment(text))]
    return " " + " ".join(toks) + " ", folded


def _variants(phrase: str) -> list[str]:
    """ "có quyền" -> [" có quyền ", " có_quyền "]: a phrase the segmenter may join or not."""
    sylls = phrase.split()
    out = [sylls[0]]
    for x in sylls[1:]:
        out = [v + sep + x for v in out for sep in (" ", "_")]
    return [f" {v} " for v in out]


def classes_in(text: str, groups: tuple[str, ...]) -> dict[str, int]:
    """How many times each class of ``groups`` occurs in the text, a longer phrase first and
    hiding what it contains ("không được" is a prohibition, not a negation and a permission)."""
    lexicon = legal_words()
    spaced, folded = _tokens(text)
    phrases = sorted(((p, g) for g in groups for p in lexicon[g]), key=lambda x: -len(x[0].split()))
    counts = dict.fromkeys(groups, 0)
    for p, g in phrases:
        for v in _variants(fold(p) if folded else p):
            n = spaced.count(v)
            if n:
                counts[g] += n
                spaced = spaced.replace(v, " | ")
    return counts


def first_phrase(text: str, group: str) -> str:
    """The first phrase of the class the text uses (longest first), as the word list writes it."""
    spaced, folded = _tokens(text)
    for p in legal_words()[group]:
        if any(v in spaced for v in _variants(fold(p) if folded else p)):
            return p
    return ""


MODAL = ("modality.prohibition", "modality.obligation", "modality.permission")


def modal_classes(text: str) -> set[str]:
    """The deontic classes a text uses: a prohibition hides its "được", a negated duty ("không
    phải") is no duty."""
    c = classes_in(text, MODAL)
    return {g.split(".")[1] for g, n in c.items() if n}


def negations(text: str) -> int:
    """Negation words outside prohibitions ("không được" is counted as a prohibition)."""
    return classes_in(text, ("modality.prohibition", "negation"))["negation"]


def has_class(text: str, group: str) -> bool:
    return classes_in(text, (group,))[group] > 0


# -- comparing words ------------------------------------------------------------------------------
def syllables(text: str) -> list[str]:
    return [fold(w) for w in words(text)]


def longest_run(a: list[str], b: list[str]) -> int:
    if not a or not b:
        return 0
    m = difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size


def side_by_side(statement: str, provision: str, context: str = "", limit: int = 6) -> tuple[str, str] | None:
    """The words where the statement departs from the provision, with the provision's words in
    that place: the largest stretch it replaces or adds between shared ones ("phải" / "được");
    None when it only leaves words out. Words the statement adds that the provision's ``context``
    (its lead-in and headings) says are no difference: "Cơ sở điện ảnh … có quyền thực hiện …"
    for the item "b) Thực hiện …" under "Quyền của cơ sở điện ảnh …". Shown as written."""
    sw, pw = words(statement), words(provision)
    sf, pf = [fold(w) for w in sw], [fold(w) for w in pw]
    if not sf or not pf:
        return None
    around = {fold(w) for w in words(context)}
    blocks = difflib.SequenceMatcher(None, sf, pf, autojunk=False).get_opcodes()
    best: tuple[int, tuple[str, str]] | None = None
    for n, (op, i1, i2, j1, j2) in enumerate(blocks):
        if op == "equal" or op == "insert":
            continue  # the statement leaves words out: not what it claims otherwise
        anchored = (n > 0 and blocks[n - 1][0] == "equal") or (n + 1 < len(blocks) and blocks[n + 1][0] == "equal")
        if not anchored:
            continue
        if op == "delete" and all(w in around for w in sf[i1:i2]):
            continue  # said by the lead-in or the headings
        said = " ".join(sw[i1:i2][:limit])
        written = " ".join(pw[j1:j2][:limit]) if op == "replace" else "(không có)"
        weight = (i2 - i1) + (1 if op == "replace" else 0)
        if best is None or weight > best[0]:
            best = (weight, (said, written))
    return best[1] if best else None


def alignment(statement: str, unit: str, context: str = "") -> list[float]:
    """(aligned, replaced, replacements, added, swapped) of the statement against the unit: how
    it departs from the words it shares in order with the provision (see STATEMENT_FEATURES)."""
    sf = [fold(w) for w in words(statement)]
    uf = [fold(w) for w in words(unit)]
    if not sf or not uf:
        return [0.0, 0.0, 0.0, 0.0, 0.0]
    around = {fold(w) for w in words(context)}
    blocks = difflib.SequenceMatcher(None, sf, uf, autojunk=False).get_opcodes()
    aligned = replaced = added = 0
    stretches = 0
    swapped = False
    for n, (op, i1, i2, j1, j2) in enumerate(blocks):
        if op == "equal":
            aligned += i2 - i1
            continue
        inner = 0 < n < len(blocks) - 1  # between two aligned stretches
        if op == "replace" and inner:
            replaced += i2 - i1
            stretches += 1
            rest = set(uf[:j1] + uf[j2:])
            swapped = swapped or all(w in rest for w in sf[i1:i2])
        elif op == "delete" and inner and not all(w in around for w in sf[i1:i2]):
            added += i2 - i1
    n_s = len(sf)
    return [aligned / n_s, replaced / n_s, float(min(stretches, 3)), added / n_s, float(swapped)]


# -- the model ------------------------------------------------------------------------------------
@dataclass
class Linear:
    """A logistic model on standardized features: p = σ(((x − mean) / scale) · w + bias)."""

    names: tuple[str, ...]
    weights: list[float]
    mean: list[float]
    scale: list[float]
    bias: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)  # choice: "all_of", "none_of" offsets

    def score(self, x: list[float]) -> float:
        return self.bias + sum(
            w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale, strict=True)
        )

    def probability(self, x: list[float]) -> float:
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, self.score(x)))))

    def to_dict(self) -> dict:
        return {
            "features": list(self.names),
            "weights": [round(w, 5) for w in self.weights],
            "mean": [round(v, 5) for v in self.mean],
            "scale": [round(v, 5) for v in self.scale],
            "bias": round(self.bias, 5),
            **({"extra": {k: round(v, 5) for k, v in self.extra.items()}} if self.extra else {}),
        }

    @classmethod
    def from_dict(cls, d: dict, names: tuple[str, ...]) -> Linear:
        if tuple(d["features"]) != names:
            raise ValueError(f"verdict model features {d['features']} differ from {list(names)}: refit it")
        return cls(names, list(d["weights"]), list(d["mean"]), list(d["scale"]), float(d["bias"]), d.get("extra", {}))


@dataclass
class VerdictModel:
    statement: Linear
    choice: Linear
    threshold: float = 0.5  # "Đúng" at or above this probability
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "statement": self.statement.to_dict(),
            "threshold": round(self.threshold, 4),
            "choice": self.choice.to_dict(),
            "provenance": self.provenance,
        }


def neutral_model() -> VerdictModel:
    """Before any fit: "Đúng" unless a difference was found; choices by their support."""
    s = [0.0] * len(STATEMENT_NAMES)
    s_w = list(s)
    for name in ("negation_difference", "value_difference", "law_difference", "displaced", "modal_added"):
        s_w[STATEMENT_NAMES.index(name)] = -3.0
    c_w = [0.0] * len(CHOICE_NAMES)
    c_w[CHOICE_NAMES.index("choice_support")] = 1.0
    return VerdictModel(
        Linear(STATEMENT_NAMES, s_w, s, [1.0] * len(s), 1.0),
        Linear(CHOICE_NAMES, c_w, [0.0] * len(c_w), [1.0] * len(c_w), 0.0, {"all_of": 0.0, "none_of": -1.0}),
    )


@lru_cache(maxsize=4)
def load_verdict_model(path: Path = MODEL_PATH) -> VerdictModel:
    if not path.exists():
        return neutral_model()
    d = json.loads(path.read_text(encoding="utf-8"))
    if d.get("format") != FORMAT:
        raise ValueError(f"{path}: format {d.get('format')}, expected {FORMAT}")
    return VerdictModel(
        Linear.from_dict(d["statement"], STATEMENT_NAMES),
        Linear.from_dict(d["choice"], CHOICE_NAMES),
        float(d.get("threshold", 0.5)),
        d.get("provenance", {}),
    )


_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def numbers_unseen(statement: str, provision: str) -> bool:
    """A number of the statement that the provision does not write ("05 năm" where it says "03
    năm", or a number it has no place for); leading zeros do not count ("02" is "2")."""
    theirs = {n.lstrip("0") or "0" for n in _NUMBER.findall(provision)}
    return any((n.lstrip("0") or "0") not in theirs for n in _NUMBER.findall(statement))
