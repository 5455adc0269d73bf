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
