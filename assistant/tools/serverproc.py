"""`assistant serve` as a child process on a free port: for the tests and the benchmarks that
exercise the real HTTP server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """Starts at once and waits until /healthz answers; ``kill`` is a crash (SIGKILL),
    ``stop`` a normal shutdown; ``start`` again after either (on a new port)."""

    def __init__(
        self, index: Path, corpus: Path, env: dict[str, str] | None = None, ui: bool = False, start: bool = True
    ) -> None:
        self.index, self.corpus, self.ui = index, corpus, ui
        self.env = {
            **os.environ,
            "ASSISTANT_INDEX_DIR": str(index),
            "ASSISTANT_CORPUS_DIR": str(corpus),
            "ASSISTANT_FEEDBACK_PATH": str(index.parent / "feedback" / "feedback.jsonl"),
            **(env or {}),
        }
        self.feedback = Path(self.env["ASSISTANT_FEEDBACK_PATH"])
        self.proc: subprocess.Popen | None = None
        if start:
            self.start()

    def start(self, timeout: float = 120) -> None:
        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "assistant", "serve", "--port", str(self.port)]
        if not self.ui:
            args.append("--no-ui")
        import tempfile

        self.log = tempfile.TemporaryFile()  # a pipe nobody reads would block a chatty server
        self.proc = subprocess.Popen(args, env=self.env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.output())
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("server did not start")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
