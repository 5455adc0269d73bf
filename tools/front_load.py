"""The issue's full numbers against the connection front, with the server's default settings:
1,100 connections sending a header line every 10 s and 1,000 idle chat streams, all from one
address (127.0.0.1), opened again every 10 s for ``--seconds``; meanwhile another client
(127.0.0.2) asks /healthz and /v1/ask once a second, and a third (127.0.0.3) a chat question.
Prints the figures (the bench row 19/21 use smaller numbers to stay fast).

    PYTHONPATH=. .venv/bin/python tools/front_load.py --index index --corpus corpus
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from assistant.tools import abuse
from assistant.tools.serverproc import ServerProcess


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=Path("index"))
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--slow", type=int, default=1100)
    ap.add_argument("--streams", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=30)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="front-load-"))
    shutil.copytree(a.index, work / "index")
    shutil.copytree(a.corpus, work / "corpus", ignore=shutil.ignore_patterns(".*"))
    server = ServerProcess(
        work / "index",
        work / "corpus",
        env=abuse.server_env(work, "") | {"ASSISTANT_MAX_REQUESTS_PER_CLIENT": "8"},
        ui=True,
    )
    health, ask, chats, held_slow, held_streams, refused = [], [], [], [], [], 0
    codes: set = set()
    try:
        end = time.monotonic() + a.seconds
        while time.monotonic() < end:
            streams, statuses = abuse.open_streams(server.url, uuid.uuid4().hex[:12], a.streams)
            trickle = abuse.Trickle(server.url, a.slow, 10.0).start()
            time.sleep(0.5)
            held_slow.append(len(trickle.socks))
            held_streams.append(len(streams))
            refused += trickle.refused + sum(1 for s in statuses if s != 200)
            for _ in range(9):
                p = abuse.probe(server.url)
                health.append(p["healthz_s"])
                ask.append(p["ask_s"])
                codes |= {p["healthz"], p["ask"]}
                code, seconds = abuse.chat(server.url, abuse.DEFAULT_QUESTIONS[2], "127.0.0.3")
                chats.append(seconds)
                codes.add(code)
                time.sleep(max(0.0, 1 - p["healthz_s"] - p["ask_s"] - seconds))
            trickle.stop()
            for s in streams:
                s.close()
        print(
            f"attacker 127.0.0.1: {a.slow} slow-header connections + {a.streams} streams opened every 10 s; "
            f"held at once: slow {max(held_slow)}, streams {max(held_streams)}; refused {refused}"
        )
        for name, xs in (("/healthz", health), ("/v1/ask", ask), ("chat answer", chats)):
            print(
                f"other client {name}: n={len(xs)} median {statistics.median(xs) * 1000:.0f} ms, "
                f"max {max(xs) * 1000:.0f} ms"
            )
        print(f"statuses seen by the other clients: {sorted(codes)}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
