"""The layout's rules that import-linter cannot see (ARCHITECTURE.md): `assistant ask` in a cold
process imports none of the tools (benchmarks, the attack table, evaluation, fitting), and
`python -m assistant` is the command line. The stages' layers are checked by `make lint`."""

import json
import os
import subprocess
import sys
import time

from conftest import ROOT

ASK = """
import json, sys
sys.argv = ["assistant", "ask", "--index", sys.argv[1], "Trường THCS phải báo cáo gì sau năm học 2024-2025?"]
from assistant.app.cli import main
try:
    main()
except SystemExit:
    pass
print("\\nMODULES " + json.dumps(sorted(m for m in sys.modules if m.startswith("assistant"))))
"""


def run_python(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "ASSISTANT_SERVER_URL": "off", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)


def test_ask_imports_no_tools(seed_index):
    r = run_python("-c", ASK, str(seed_index))
    assert r.returncode == 0, r.stderr
    line = next(x for x in r.stdout.splitlines() if x.startswith("MODULES "))
    modules = json.loads(line[len("MODULES ") :])
    assert "assistant.answer.extractive" in modules, "the ask path was not exercised"
    tools = [m for m in modules if m == "assistant.tools" or m.startswith("assistant.tools.")]
    assert not tools, f"`assistant ask` imported tools: {tools}"


def test_python_m_assistant_is_the_cli():
    r = run_python("-m", "assistant", "--help", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Cách dùng: assistant" in r.stdout


def test_report_cli_start_up_time():
    """Reports (does not assert) the cold start-up of the command line: the import of the CLI
    and of the ask path's modules; compare by hand before and after a change (pytest -s)."""
    t0 = time.perf_counter()
    r = run_python("-c", "import assistant.app.cli, assistant.app.service", timeout=120)
    assert r.returncode == 0, r.stderr
    print(f"\ncold import of assistant.app.cli + service: {time.perf_counter() - t0:.2f} s")


# one question of each form the question stage reads (asked over the seeds)
FORMS = [
    "Trường THCS phải báo cáo gì sau năm học 2024-2025?",
    "Chỉ thị 04 của An Giang yêu cầu phòng, chống điều gì trong trường học?",
    "Đúng hay sai: Chỉ thị 04/CT-UBND của An Giang có hiệu lực sau 10 ngày kể từ ngày ký?",
    "Theo Chỉ thị 04 của An Giang, năm học 2021-2022 có bao nhiêu tuần thực học? "
    "A. 35 tuần B. 30 tuần C. 32 tuần D. 37 tuần",
    "Sở GDĐT làm việc với huyện Bình Sơn khi nào và ai ký thông báo?",
    "Năm học nào triển khai thí điểm học bạ số?",
    "What must THCS schools report after the 2024-2025 school year?",
    "truong thcs phai bao cao gi sau nam hoc 2024-2025",
]


def test_the_question_is_segmented_once_by_the_question_stage(seed_service, monkeypatch):
    """Issue 22: the question is analysed once into AnalyzedQuery; retrieval and the answer stage
    read its words from there and never run the segmenter on the question again (they still
    segment the paragraphs they read)."""
    import inspect
    import re

    from assistant.core.segmenter import Segmenter
    from assistant.core.textutil import fold

    calls: list[tuple[str, str]] = []
    original = Segmenter.tokenize

    def spy(self, text):
        # the stage that asked: the first caller outside the segmenter, its wrapper and the
        # question's own words_of (whose callers are what this test is about)
        for frame in inspect.stack()[1:]:
            path = frame.filename.replace("\\", "/")
            if path.endswith(("core/segmenter.py", "index/sparse.py")) or frame.function == "words_of":
                continue
            calls.append((text, path.split("/assistant/")[-1]))
            break
        return original(self, text)

    monkeypatch.setattr(Segmenter, "tokenize", spy)
    for question in FORMS:
        calls.clear()
        seed_service.ask(question)
        asked = {fold(w) for w in re.findall(r"\w+", question)}
        of_question = [
            (t, who) for t, who in calls if re.search(r"\w", t) and {fold(w) for w in re.findall(r"\w+", t)} <= asked
        ]
        late = [(t, who) for t, who in of_question if not who.startswith("question/")]
        assert not late, f"{question!r} segmented again after analysis: {late}"
        texts = [t for t, _ in of_question]
        assert len(texts) == len(set(texts)), f"{question!r}: one text segmented twice: {texts}"
