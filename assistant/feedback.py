"""Teachers' ratings of answers (đúng / sai / thiếu nguồn), stored as JSON Lines for evaluators."""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()


def append_feedback(path: Path, item: dict[str, Any]) -> None:
    item = {**item, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(item, ensure_ascii=False) + "\n")


def read_feedback(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""
