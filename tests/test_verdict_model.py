"""The fitted verdict: statements and choices written for these tests, decided by the shipped model
(assistant/data/verdict_model.json) on general signals; the fitting tool's pure functions."""

import tomllib

import numpy as np
import pytest

from assistant.answer.verdict import Provision, check_statement, choose, pick
from assistant.answer.verdict_model import (
    CHOICE_NAMES,
    STATEMENT_NAMES,
    WORDS_PATH,
    load_verdict_model,
    modal_classes,
    negations,
    side_by_side,
)
from assistant.question.forms import parse_choices

RULE = "Người sử dụng lao động phải thông báo bằng văn bản cho người lao động trước ít nhất 30 ngày."
SECTION = "Điều 12. Thông báo chấm dứt hợp đồng"


def provision(text: str = RULE) -> Provision:
    return Provision(text, f"{SECTION} {text}")


def verdict(statement: str, text: str = RULE):
    p = provision(text)
    return check_statement(statement, p, [p], {}, [], "", segmented=False)


def test_the_shipped_model_is_fitted_with_its_provenance():
    m = load_verdict_model()
    assert m.statement.names == STATEMENT_NAMES and m.choice.names == CHOICE_NAMES
    figures = m.provenance["figures"]
    assert {"training", "cv_by_law", "cv_5fold"} <= figures.keys()
    assert "fit_verdict" in m.provenance["script"] and m.provenance["date"]


def test_the_provision_restated_is_true():
    v = verdict("Người sử dụng lao động phải thông báo bằng văn bản cho người lao động trước ít nhất 30 ngày")
    assert v.label == "Đúng" and not v.differences


def test_a_paraphrase_of_the_provision_is_true():
    v = verdict("Người sử dụng lao động phải báo trước bằng văn bản cho người lao động ít nhất 30 ngày")
    assert v.label == "Đúng"


def test_a_duty_turned_into_a_prohibition_is_false_and_shows_both_words():
    v = verdict("Người sử dụng lao động không được thông báo bằng văn bản cho người lao động trước 30 ngày")
    assert v.label == "Sai"
    shown = " ".join(f"{d.question} {d.document}" for d in v.differences)
    assert "không" in shown and "thông báo" in shown


def test_a_changed_duty_is_shown_side_by_side():
    from assistant.answer.verdict import shown_difference

    d = shown_difference(
        "Người sử dụng lao động được thông báo bằng văn bản cho người lao động trước ít nhất 30 ngày", provision()
    )
    assert (d.what, d.question, d.document) == ("tình thái", "được", "phải")


def test_a_statement_about_another_law_is_false():
    p = provision()
    v = check_statement(RULE.rstrip("."), p, [p], {}, ["Bộ luật hình sự"], "Bộ luật lao động", segmented=False)
    assert v.label == "Sai" and v.differences[0].what == "văn bản"


def test_a_changed_number_is_false_and_shows_both_numbers():
    v = verdict("Người sử dụng lao động phải thông báo bằng văn bản cho người lao động trước ít nhất 45 ngày")
    assert v.label == "Sai"
    assert ("45 ngày", "30 ngày") in [(d.question, d.document) for d in v.differences]


def test_a_negated_permission_is_false():
    text = "Người lao động được đơn phương chấm dứt hợp đồng khi không được trả đủ lương."
    assert verdict("Người lao động được đơn phương chấm dứt hợp đồng khi không được trả đủ lương", text).label == "Đúng"
    v = verdict("Người lao động không được đơn phương chấm dứt hợp đồng khi không được trả đủ lương", text)
    assert v.label == "Sai"


def test_probability_is_reported_with_the_verdict():
    v = verdict("Người sử dụng lao động phải thông báo bằng văn bản cho người lao động trước ít nhất 45 ngày")
    d = v.to_dict()
    assert 0.0 <= d["probability"] < 0.5 and d["label"] == "Sai"


def test_modal_classes_read_the_longest_phrase_first():
    assert modal_classes("Cơ quan không được tiết lộ thông tin") == {"prohibition"}
    assert modal_classes("Công dân có quyền tiếp cận thông tin") == {"permission"}
    assert modal_classes("Cơ quan phải cung cấp thông tin") == {"obligation"}
    assert negations("Cơ quan không được tiết lộ") == 0 and negations("Cơ quan không cung cấp") == 1


def test_side_by_side_shows_the_replaced_words():
    assert side_by_side("Thời hạn là 02 năm", "Thời hạn là 03 năm.") == ("02", "03")
    assert side_by_side("Thời hạn là 02 năm", "Thời hạn là 02 năm.") is None


def test_the_word_lists_are_data_with_a_source():
    raw = WORDS_PATH.read_text(encoding="utf-8")
    assert "Sources:" in raw
    data = tomllib.loads(raw)
    modal = data["modality"]
    seen = [w for group in ("prohibition", "obligation", "permission") for w in modal[group]]
    assert len(seen) == len(set(seen))  # a phrase belongs to one class


CHOICES = (
    "Người sử dụng lao động phải thông báo cho người lao động trước ít nhất bao nhiêu ngày? "
    "A. 15 ngày B. 30 ngày C. 45 ngày D. 60 ngày"
)


def _words(text: str) -> dict[str, float]:
    return {w: 1.0 for w in text.lower().split() if len(w) > 1 or w.isdigit()}


def test_a_choice_is_the_one_the_provision_says():
    stem, choices = parse_choices(CHOICES)
    v, where = choose(choices, False, [provision()], _words(stem), _words, segmented=False, stem=stem)
    assert v.label == "B" and where["B"] == 0
    assert max(v.support, key=v.support.get) == "B"


def test_all_of_wins_when_each_of_its_choices_is_said():
    rule = "Tổ chức thanh niên gồm Đoàn Thanh niên, Hội Liên hiệp Thanh niên và Hội Sinh viên."
    stem, choices = parse_choices(
        "Tổ chức thanh niên gồm những tổ chức nào? A. Đoàn Thanh niên B. Hội Liên hiệp Thanh niên "
        "C. Hội Sinh viên D. Cả A, B, C đều đúng"
    )
    assert choices[3].all_of == ["A", "B", "C"]
    v, _ = choose(choices, False, [provision(rule)], _words(stem), _words, segmented=False, stem=stem)
    assert v.label == "D"


def test_pick_negates_for_a_negative_stem():
    _, choices = parse_choices("? A. x B. y C. z D. w")
    scores = {"A": 2.0, "B": 1.0, "C": -1.0, "D": 0.5}
    assert pick(scores, choices, False, {})[0] == "A"
    assert pick(scores, choices, True, {})[0] == "C"


# -- the fitting tool ------------------------------------------------------------------------------------
def test_statement_fit_learns_the_sign_of_a_signal():
    from assistant.tools.fit_verdict import fit_statement

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, len(STATEMENT_NAMES)))
    y = (X[:, STATEMENT_NAMES.index("coverage")] - X[:, STATEMENT_NAMES.index("negation_difference")] > 0).astype(float)
    m = fit_statement(X, y)
    assert m.weights[STATEMENT_NAMES.index("coverage")] > 1.0
    assert m.weights[STATEMENT_NAMES.index("negation_difference")] < -1.0
    assert np.mean([(m.probability(list(x)) >= 0.5) == bool(t) for x, t in zip(X, y, strict=True)]) > 0.9


@pytest.mark.parametrize("k", [3, 5])
def test_law_folds_never_split_a_law(k):
    from assistant.tools.fit_verdict import law_folds

    rows = [{"law": f"law-{i % 7}.txt"} for i in range(60)]
    folds = law_folds(rows, k)
    by_law: dict[str, set[int]] = {}
    for r, f in zip(rows, folds, strict=True):
        by_law.setdefault(r["law"], set()).add(f)
    assert all(len(f) == 1 for f in by_law.values()) and len(set(folds)) == k
