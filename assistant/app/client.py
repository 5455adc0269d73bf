"""The CLI's way to a running `assistant serve`: ask it instead of opening the index.

A server that is up answers in tens of milliseconds with everything loaded, and it may hold
the embedded index (which a second process cannot open). The CLI uses it when
``ASSISTANT_SERVER_URL`` names it, or when one answers on the configured host and port within
``PROBE_TIMEOUT_S`` and serves the same index (its ``/healthz`` reports a key of its index
location; a server over another index is ignored). ``ASSISTANT_SERVER_URL=off`` never asks.
Standard library only: importing httpx would cost a one-shot command 60 ms.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from assistant.core.settings import Settings

# a server on this machine answers /healthz in ~2 ms; nothing listening is refused at once
PROBE_TIMEOUT_S = 0.25
REQUEST_TIMEOUT_S = 120.0


class ServerError(Exception):
    """The server answered with an error: its message is meant for the user."""


class Server:
    def __init__(self, url: str, api_key: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.api_key = api_key

    def _request(
        self,
        method: str,
        path: str,
        body: Any = None,
        timeout: float = REQUEST_TIMEOUT_S,
        accept: str = "application/json",
    ) -> tuple[bytes, str]:
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        headers = {"Accept": accept}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.read(), r.headers.get("content-type", "")
        except urllib.error.HTTPError as e:
            try:
                message = json.loads(e.read())["error"]["message"]
            except Exception:
                message = f"HTTP {e.code}"
            raise ServerError(message) from e
        except (urllib.error.URLError, OSError) as e:
            raise ServerError(
                f"Không kết nối được máy chủ {self.url}: {e}. "
                "Kiểm tra `assistant serve`, hoặc đặt ASSISTANT_SERVER_URL=off để dùng chỉ mục trực tiếp."
            ) from e

    def get(self, path: str, timeout: float = REQUEST_TIMEOUT_S) -> Any:
        return json.loads(self._request("GET", path, timeout=timeout)[0])

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return json.loads(self._request("POST", path, body)[0])

    def post_bytes(self, path: str, body: dict[str, Any], accept: str) -> bytes:
        return self._request("POST", path, body, accept=accept)[0]


def find_server(settings: Settings) -> Server | None:
    """The running server to use, or None (then the CLI opens the index itself)."""
    explicit = (settings.server_url or "").strip()
    if explicit.lower() in ("off", "none", "0", "false"):
        return None
    if explicit:
        return Server(explicit, settings.api_key)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    server = Server(f"http://{host}:{settings.port}", settings.api_key)
    try:
        health = server.get("/healthz", timeout=PROBE_TIMEOUT_S)
    except (ServerError, ValueError):
        return None
    if not isinstance(health, dict) or health.get("index_key") != settings.index_key:
        return None  # another index (or not our server): answer from the local one
    return server
