"""Teachers' ratings of answers (đúng / sai / thiếu nguồn), stored as JSON Lines for evaluators.

Anyone who can use the chat may rate, so every write is bounded: the size of one record, how
many records one client may write per minute, and the size of the whole file.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
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
    """One JSON Lines file, outside the index folder. Bounded per record, per client per minute,
    per client in all (a share of the file, so one client cannot push everyone else's ratings
    out), and in all: when the file is full its oldest records are dropped, so a full file
    never refuses everybody. Each record names its client by a short hash, never its address."""

    def __init__(
        self, path: Path, max_record_bytes: int, per_minute: int, max_file_bytes: int, client_share: float = 0.1
    ) -> None:
        self.path = path
        self.max_record_bytes = max_record_bytes
        self.max_file_bytes = max_file_bytes
        self.max_client_bytes = int(max_file_bytes * client_share)
        self.limiter = RateLimiter(per_minute)
        self._usage: dict[str, int] | None = None  # client hash -> bytes of its records in the file

    def add(self, item: dict[str, Any], client: str) -> None:
        who = hashlib.sha256(client.encode("utf-8", "replace")).hexdigest()[:12]
        line = (
            json.dumps({**item, "client": who, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}, ensure_ascii=False)
            + "\n"
        )
        size = len(line.encode())
        if size > self.max_record_bytes:
            raise FeedbackError(
                413,
                "feedback_too_large",
                f"Phản hồi quá dài ({size:,} byte, tối đa {self.max_record_bytes:,}: "
                f"ASSISTANT_FEEDBACK_MAX_KB). Hãy rút gọn nhận xét.",
            )
        wait = self.limiter.check(client)
        if wait is not None:
            raise FeedbackError(
                429,
                "too_many_requests",
                f"Gửi phản hồi quá nhiều (tối đa {self.limiter.per_minute} lần mỗi phút). Hãy thử lại sau {wait} giây.",
                retry_after=wait,
            )
        with _LOCK:
            usage = self._load_usage()
            if usage.get(who, 0) + size > self.max_client_bytes:
                raise FeedbackError(
                    429,
                    "feedback_quota",
                    f"Máy này đã gửi nhiều phản hồi (tối đa {self.max_client_bytes // 1024:,} KB mỗi "
                    "máy, để phản hồi của người khác vẫn được lưu). Hãy báo quản trị viên nếu cần "
                    "gửi thêm.",
                    retry_after=3600,
                )
            try:
                if sum(usage.values()) + size > self.max_file_bytes:
                    self._drop_oldest(self.max_file_bytes * 3 // 4 - size)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with open(self.path, "a", encoding="utf-8") as fh:
                    fh.write(line)
            except OSError as e:
                self._usage = None  # recount from the file next time
                if e.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise FeedbackError(
                        507,
                        "insufficient_storage",
                        "Ổ đĩa của máy chủ đã đầy nên chưa lưu được phản hồi. Quản trị viên cần giải "
                        "phóng dung lượng; hãy thử lại sau.",
                    ) from e
                raise
            usage[who] = usage.get(who, 0) + size

    def _records(self) -> list[tuple[str, str]]:
        """(client hash, line) of every record in the file, oldest first."""
        if not self.path.exists():
            return []
        out = []
        with open(self.path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                try:
                    who = str(json.loads(line).get("client", ""))
                except (ValueError, AttributeError):
                    who = ""
                out.append((who, line if line.endswith("\n") else line + "\n"))
        return out

    def _load_usage(self) -> dict[str, int]:
        if self._usage is None:
            self._usage = {}
            for who, line in self._records():
                self._usage[who] = self._usage.get(who, 0) + len(line.encode())
        return self._usage

    def _drop_oldest(self, keep_bytes: int) -> None:
        """Keep the newest records that fit in ``keep_bytes``: written beside, then swapped in."""
        kept: list[tuple[str, str]] = []
        total = 0
        for who, line in reversed(self._records()):
            total += len(line.encode())
            if total > keep_bytes:
                break
            kept.append((who, line))
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.writelines(line for _, line in reversed(kept))
        os.replace(tmp, self.path)
        self._usage = None
        self._load_usage()


def read_feedback(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def feedback_store(settings) -> FeedbackStore:
    return FeedbackStore(
        settings.feedback_file,
        int(settings.feedback_max_kb * 1024),
        settings.feedback_per_minute,
        int(settings.feedback_max_mb * 1024 * 1024),
        settings.feedback_client_share,
    )
