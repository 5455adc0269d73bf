"""Teachers' ratings of answers (đúng / sai / thiếu nguồn), stored as JSON Lines for evaluators.

Anyone who can use the chat may rate, so every write is bounded: the size of one record, how
many records one client may write per minute, and the size of the whole file.
"""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

_LOCK = threading.Lock()
MAX_CLIENTS_TRACKED = 10_000  # the rate limiter's memory is bounded too


class FeedbackError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


class RateLimiter:
    """At most ``per_minute`` events per key in any 60 seconds (sliding window)."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._events: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, key: str) -> int | None:
        """None when allowed (and counted); else seconds to wait."""
        now = time.monotonic()
        with self._lock:
            events = self._events.pop(key, None) or deque()
            while events and now - events[0] >= 60:
                events.popleft()
            self._events[key] = events
            if len(self._events) > MAX_CLIENTS_TRACKED:
                self._events.popitem(last=False)
            if len(events) >= self.per_minute:
                return max(1, int(60 - (now - events[0])) + 1)
            events.append(now)
            return None


class FeedbackStore:
    def __init__(self, path: Path, max_record_bytes: int, per_minute: int, max_file_bytes: int) -> None:
        self.path = path
        self.max_record_bytes = max_record_bytes
        self.max_file_bytes = max_file_bytes
        self.limiter = RateLimiter(per_minute)

    def add(self, item: dict[str, Any], client: str) -> None:
        line = json.dumps({**item, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}, ensure_ascii=False) + "\n"
        size = len(line.encode())
        if size > self.max_record_bytes:
            raise FeedbackError(413, "feedback_too_large",
                                f"Phản hồi quá dài ({size:,} byte, tối đa {self.max_record_bytes:,}: "
                                f"ASSISTANT_FEEDBACK_MAX_KB). Hãy rút gọn nhận xét.")
        wait = self.limiter.check(client)
        if wait is not None:
            raise FeedbackError(429, "too_many_requests",
                                f"Gửi phản hồi quá nhiều (tối đa {self.limiter.per_minute} lần mỗi phút). "
                                f"Hãy thử lại sau {wait} giây.", retry_after=wait)
        with _LOCK:
            current = self.path.stat().st_size if self.path.exists() else 0
            if current + size > self.max_file_bytes:
                raise FeedbackError(503, "feedback_full",
                                    "Kho phản hồi đã đầy (ASSISTANT_FEEDBACK_MAX_MB). Quản trị viên cần xuất "
                                    "(GET /v1/feedback) và lưu trữ tệp phản hồi.")
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as fh:
                fh.write(line)


def read_feedback(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def feedback_store(settings) -> FeedbackStore:
    return FeedbackStore(settings.feedback_file, int(settings.feedback_max_kb * 1024), settings.feedback_per_minute,
                         int(settings.feedback_max_mb * 1024 * 1024))
