"""Files the chat UI hands to the browser (the .docx draft reply), served by our own route.

Gradio's file routes stay closed (they would serve whatever lands in its cache; see
SECURITY.md): a generated file is kept here under an unguessable token, for a few minutes, in a
bounded store, and `GET /downloads/{token}/{name}` sends it as an attachment."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

MAX_FILES = 64  # the oldest go first: a burst of drafts cannot grow the server's memory
TTL_S = 600.0


@dataclass
class Download:
    name: str
    data: bytes
    media_type: str
    created: float


class DownloadStore:
    def __init__(self, max_files: int = MAX_FILES, ttl_s: float = TTL_S) -> None:
        self._items: OrderedDict[str, Download] = OrderedDict()
        self._lock = threading.Lock()
        self.max_files = max_files
        self.ttl_s = ttl_s

    def put(self, name: str, data: bytes, media_type: str) -> str:
        """Keep a file; its URL path (``/downloads/<token>/<name>``)."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._expire()
            self._items[token] = Download(name, data, media_type, time.time())
            while len(self._items) > self.max_files:
                self._items.popitem(last=False)
        return f"/downloads/{token}/{name}"

    def get(self, token: str) -> Download | None:
        with self._lock:
            self._expire()
            return self._items.get(token)

    def _expire(self) -> None:
        now = time.time()
        for token in [t for t, d in self._items.items() if now - d.created > self.ttl_s]:
            del self._items[token]
