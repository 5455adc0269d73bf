"""The evaluation runner: file format, metrics, reports, gating."""

import json

import pytest
from conftest import ROOT

from assistant.core.errors import EvalFileError
from assistant.retrieval.hybrid import HybridRetriever
from assistant.tools.evaluation import (
    EvalQuestion,
    aggregate,
    check,
    contains,
    load_questions,
    run_eval_command,
    score_row,
)

DEV = ROOT / "eval" / "dev.jsonl"
THRESHOLDS = ROOT / "eval" / "thresholds.toml"


def test_dev_set_is_well_formed():
    qs = load_questions(DEV)
    assert len(qs) >= 60
    assert sum(not q.answerable for q in qs) >= 10
    kinds = {q.kind for q in qs}
    assert {"list", "when", "number", "english", "no-diacritics", "follow-up", "unanswerable"} <= kinds
    assert all(q.evidence and q.facts for q in qs if q.answerable)
    assert load_questions(ROOT / "eval" / "laws.jsonl")


@pytest.mark.parametrize(
    "line,message",
    [
        ("{not json", "JSON không hợp lệ"),
        ('{"id": "a"}', "thiếu trường 'question'"),
        ('{"question": "q", "facts": ["x"]}', "'facts' phải là danh sách các danh sách"),
    ],
)
def test_bad_question_files_name_the_line(tmp_path, line, message):
    f = tmp_path / "q.jsonl"
    f.write_text('{"id": "ok", "question": "Hỏi?"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(EvalFileError) as e:
        load_questions(f)
    assert f"{f}:2" in str(e.value) and message in str(e.value)


def test_matching_normalisation():
    assert contains("năm học 2024 - 2025", "Năm học 2024–2025")
    assert contains("Số 3677/TB-SGDDT", "3677 / tb-sgddt")
    assert contains("học   bạ\nđiện tử", "Học bạ điện tử")
    assert not contains("học bạ số", "học bạ điện tử")


def _answer(text, cited, retrieved, abstained=False):
    return {
        "answer": text,
        "abstained": abstained,
        "citations": [{"n": i + 1, "chunk_id": f"c{i}", "text": t} for i, t in enumerate(cited)],
        "retrieved": [{"chunk_id": f"r{i}", "text": t} for i, t in enumerate(retrieved)],
    }


def test_metrics_per_question_and_aggregate():
    q = EvalQuestion("a", "Hỏi?", evidence=["học bạ điện tử"], facts=[["học bạ điện tử"], ["học kỳ II"]], kind="list")
    row = score_row(
        q,
        _answer(
            "Báo cáo học bạ điện tử [1]. Một ý khác [2].",
            ["Báo cáo học bạ điện tử.", "Đoạn không liên quan."],
            ["khác", "khác nữa", "Báo cáo học bạ điện tử."],
        ),
        12.0,
    )
    assert row["evidence_rank"] == 3 and row["hit_at_1"] == 0 and row["hit_at_5"] == 1
    assert row["mrr_at_10"] == pytest.approx(1 / 3)
    assert row["fact_recall"] == 0.5 and row["facts_all"] == 0.0 and row["missing_facts"] == ["học kỳ II"]
    assert row["citation_precision"] == 0.5 and row["citation_recall"] == 1.0
    u = EvalQuestion("u", "Không có?", answerable=False, kind="unanswerable")
    rows = [
        row,
        score_row(u, _answer("Không tìm thấy.", [], [], abstained=True), 5.0),
        score_row(EvalQuestion("b", "Hỏi?", evidence=["x"], facts=[["x"]]), _answer("", [], [], True), 7.0),
    ]
    agg = aggregate(rows)
    assert agg["abstention_recall"] == 1.0 and agg["abstention_precision"] == 0.5
    assert agg["false_abstention_rate"] == 0.5 and agg["latency_p50_ms"] == 7.0


def test_thresholds_and_regressions():
    report = {"aggregate": {"hit_at_5": 0.9, "false_abstention_rate": 0.1, "facts_all": 0.8}}
    th = {"min": {"hit_at_5": 0.95}, "max": {"false_abstention_rate": 0.05}, "regression": {"tolerance": 0.02}}
    fails = check(report, th, {"aggregate": {"facts_all": 0.9, "hit_at_5": 0.9}})
    assert any("hit_at_5" in f for f in fails) and any("false_abstention_rate" in f for f in fails)
    assert any("facts_all giảm" in f for f in fails)
    assert check({"aggregate": {"hit_at_5": 0.96}}, th, None) == []


def test_eval_passes_on_dev_set_and_writes_reports(seed_service, tmp_path):
    out = tmp_path / "report"
    code = run_eval_command(seed_service, [DEV], out, None, THRESHOLDS, as_json=True)
    report = json.loads((out / "report.json").read_text())
    assert code == 0, report["gate"]
    assert report["aggregate"]["questions"] == len(load_questions(DEV))
    assert report["rows"][0]["retrieved"] and "by_kind" in report
    assert "| hit@5 |" in (out / "report.md").read_text()
    # compare with itself as baseline: no regression
    assert run_eval_command(seed_service, [DEV], tmp_path / "again", out / "report.json", THRESHOLDS, as_json=True) == 0


class BrokenRetriever(HybridRetriever):
    """Deliberately broken: returns the least relevant candidates first."""

    def retrieve(self, query, k=8, flt=None, identity=""):
        hits = super().retrieve(query, 40, flt, identity)
        return list(reversed(hits))[:k]


def test_broken_retriever_fails_the_gate(seed_service, tmp_path):
    good = tmp_path / "good"
    assert run_eval_command(seed_service, [DEV], good, None, THRESHOLDS, as_json=True) == 0
    seed_service._retriever = BrokenRetriever(seed_service.store, seed_service.embedder)
    code = run_eval_command(seed_service, [DEV], tmp_path / "bad", good / "report.json", THRESHOLDS, as_json=True)
    report = json.loads((tmp_path / "bad" / "report.json").read_text())
    assert code == 1
    assert any("hit_at_5" in f for f in report["gate"]["failures"])
    assert any("giảm" in f for f in report["gate"]["failures"]), "regression against the baseline is reported"
    seed_service._retriever = None


def test_a_number_fact_is_a_whole_number():
    from assistant.tools.evaluation import contains

    assert not contains("Công văn số …/PGDDĐT tháng 02/2025", "5")  # "5" is not in "2025"
    assert contains("với 5 Quan điểm là", "5") and contains("trước 05 ngày", "05 ngày")
    assert not contains("trong 15 ngày", "5 ngày") and contains("ngày 01/7/2020", "01/7/2020")
    assert contains("đạt 100% vào năm 2025", "100%") and contains("Thời gian: năm học 2024 - 2025", "2024-2025")


def test_the_index_must_hold_the_sets_corpus_and_says_what_else_it_holds(seed_service, tmp_path, capsys):
    from conftest import CORPUS

    # a corpus file the index does not hold: an error naming it, before any question is asked
    extra = tmp_path / "corpus" / "khong-co.txt"
    extra.parent.mkdir()
    extra.write_text("Văn bản chưa nạp.", encoding="utf-8")
    with pytest.raises(EvalFileError) as e:
        run_eval_command(
            seed_service, [DEV], tmp_path / "r", None, None, as_json=True, corpus=[CORPUS, extra.parent], set_name="dev"
        )
    assert "thiếu 1/6 văn bản của bộ 'dev'" in str(e.value) and "khong-co.txt" in str(e.value)
    # a corpus of one seed over an index of five: it runs, and says what else the index holds
    few = tmp_path / "few.jsonl"
    few.write_text(
        '{"question": "Chỉ thị 04 của An Giang có hiệu lực khi nào?", "facts": [["10 ngày"]]}\n', encoding="utf-8"
    )
    one = CORPUS / "an-giang-2021-chi-thi-04-nhiem-vu-nam-hoc.txt"
    run_eval_command(seed_service, [few], tmp_path / "r", None, None, as_json=True, corpus=[one], set_name="một")
    err = capsys.readouterr().err
    assert "còn có 4 văn bản ngoài kho của bộ 'một'" in err and "quang-ninh-2023-thong-bao-3677" in err
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["index_check"]["missing"] == [] and len(report["index_check"]["extra"]) == 4


def test_a_set_that_scores_nothing_is_an_error(seed_service, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("// chưa có câu hỏi\n", encoding="utf-8")
    with pytest.raises(EvalFileError, match="không có câu hỏi nào"):
        run_eval_command(seed_service, [empty], tmp_path / "r", None, None, as_json=True)
    bare = tmp_path / "bare.jsonl"  # questions with nothing to score them by
    bare.write_text('{"question": "Trường THCS phải báo cáo gì?"}\n', encoding="utf-8")
    with pytest.raises(EvalFileError, match="Không chấm được câu hỏi nào"):
        run_eval_command(seed_service, [bare], tmp_path / "r", None, None, as_json=True)


def test_eval_of_a_set_whose_files_are_missing_fails_naming_them(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "sets.toml").write_text(
        '[sets.laws]\nquestions = "eval/laws.jsonl"\ncorpus = ["corpus", "../khong-co/vn-laws/*iao-duc*"]\n'
        'index = "index-laws"\n[sets.lost]\nquestions = "eval/lost.jsonl"\ncorpus = ["corpus"]\nindex = "index"\n',
        encoding="utf-8",
    )
    (tmp_path / "eval" / "laws.jsonl").write_text('{"question": "Hỏi?", "facts": [["x"]]}\n', encoding="utf-8")
    (tmp_path / "corpus").mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ASSISTANT_SERVER_URL": "off"}
    for name, missing in (("laws", "../khong-co/vn-laws/*iao-duc*"), ("lost", "eval/lost.jsonl")):
        r = subprocess.run(
            [sys.executable, "-m", "assistant", "eval", "--set", name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert r.returncode == 1, r.stdout
        assert f"Bộ '{name}' thiếu: {missing}" in r.stderr and "Đạt mọi ngưỡng" not in r.stdout
    assert not (tmp_path / "index-laws").exists()  # nothing was indexed for a set that cannot run
