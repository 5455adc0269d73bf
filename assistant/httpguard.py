"""One ASGI middleware in front of everything the server answers (API, pages, Gradio):

- routes: a path no route of ours serves, and that is not one of the few Gradio routes the chat
  UI needs, is answered 404 (405 for a known path with another method) in the API's error
  shape — Gradio's upload, file, proxy, streaming and editing routes are closed;
- keys: a route that depends on the API key is refused (401) before its body is read;
- size: a body over the route's limit is refused (413) from its Content-Length before it is
  read, and a body without one is counted while it streams and cut at the limit;
- headers: ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: no-referrer``,
  ``X-Frame-Options: DENY`` everywhere, and a Content-Security-Policy: the strict one unless the
  route sets its own; HTML we do not render (Gradio's page, Swagger) gets a policy that allows
  exactly its own inline scripts by hash, so injected markup cannot run script.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from typing import Any, Callable

from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

STRICT_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")
# Gradio's page: its scripts are its own files plus the inline ones of this very response (by
# hash: no 'unsafe-inline', so injected handlers and javascript: URLs do not run); its Svelte
# components set inline styles, so styles need 'unsafe-inline'.
PAGE_CSP = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'{extra_style}; "
            "img-src 'self' data: blob:{extra_img}; font-src 'self' data:; connect-src 'self'; "
            "media-src 'self' blob: data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")
SWAGGER_CDN = "https://cdn.jsdelivr.net"  # FastAPI's /docs and /redoc load their bundles from it
COMMON_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                  (b"x-frame-options", b"DENY")]
MULTIPART_OVERHEAD = 64 * 1024  # part headers and boundaries around an uploaded file

# The Gradio routes the chat UI uses (seen in Chromium); everything else Gradio offers is closed.
GRADIO_GET_EXACT = {"/", "/config", "/config/", "/theme.css", "/favicon.ico", "/manifest.json", "/robots.txt",
                    "/gradio_api/info", "/gradio_api/info/", "/gradio_api/queue/data", "/gradio_api/startup-events",
                    "/gradio_api/theme.css", "/gradio_api/app_id", "/gradio_api/app_id/", "/gradio_api/login_check",
                    "/gradio_api/login_check/", "/pwa_icon"}
GRADIO_GET_PREFIX = ("/assets/", "/static/", "/svelte/", "/gradio_api/heartbeat/", "/pwa_icon/")
GRADIO_POST_EXACT = {"/gradio_api/queue/join", "/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/reset/"}


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes its limit. An HTTPException, so
    FastAPI's body parsing passes it on unchanged to the error handler."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(413, detail=message)
        self.code = code


def error_body(status: int, code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()


def key_matches(given: str, key: str) -> bool:
    """Constant-time comparison: the time taken says nothing about how much of the key matched.
    ``given`` is a header value as ASGI servers decode it (latin-1): its bytes are compared with
    the key's UTF-8 bytes, so a key with diacritics works too."""
    return hmac.compare_digest(given.encode("latin-1", errors="replace"), key.encode("utf-8"))


def given_key(headers: dict[str, str]) -> str:
    given = headers.get("x-api-key") or ""
    auth = headers.get("authorization") or ""
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return given


def gradio_allowed(method: str, path: str) -> bool:
    if method in ("GET", "HEAD"):
        return path in GRADIO_GET_EXACT or path.startswith(GRADIO_GET_PREFIX)
    return method == "POST" and path in GRADIO_POST_EXACT


def inline_script_hashes(page: bytes) -> list[str]:
    hashes = []
    for m in re.finditer(rb"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", page, re.S | re.I):
        digest = base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    return sorted(set(hashes))


class Guard:
    """``key_level(route)`` says which key a route needs: "write", "read" or None."""

    def __init__(self, app, *, api_key: str | None, read_api_key: bool, ui: bool, request_limit: int,
                 upload_limit: int, upload_route: tuple[str, str], routes: Callable[[], list],
                 key_level: Callable[[Any], str | None], per_client: int = 0) -> None:
        self.app = app
        self.per_client = per_client  # requests of one client address answered at once (0: no limit)
        self._inflight: dict[str, int] = {}
        self.api_key = api_key
        self.read_api_key = read_api_key
        self.ui = ui
        self.request_limit = request_limit
        self.upload_limit = upload_limit
        self.upload_route = upload_route
        self._routes = routes
        self._key_level = key_level
        self._ours: list | None = None

    def ours(self) -> list:
        if self._ours is None:
            self._ours = [r for r in self._routes() if not isinstance(r, Mount)]
        return self._ours

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        route, partial = None, None
        for r in self.ours():
            match, _ = r.matches(scope)
            if match == Match.FULL:
                route = r
                break
            if match == Match.PARTIAL and partial is None:
                partial = r
        if route is None and not (self.ui and gradio_allowed(method, path)):
            if partial is not None:
                allow = ", ".join(sorted(getattr(partial, "methods", None) or []))
                return await _send_error(send, 405, "method_not_allowed",
                                         f"Phương thức {method} không dùng được cho {path} (dùng: {allow}).",
                                         [(b"allow", allow.encode())])
            return await _send_error(send, 404, "not_found",
                                     f"Không có đường dẫn {path}. Xem danh sách API tại /docs.")
        level = self._key_level(route) if route is not None else None
        if self.api_key and (level == "write" or (level == "read" and self.read_api_key)):
            if not key_matches(given_key(headers), self.api_key):
                return await _send_error(send, 401, "unauthorized", "Thiếu hoặc sai khóa API (header X-API-Key).")

        is_upload = (method, path) == self.upload_route
        limit = self.upload_limit + MULTIPART_OVERHEAD if is_upload else self.request_limit
        code = "file_too_large" if is_upload else "request_too_large"
        message = (f"Tệp vượt quá giới hạn {self.upload_limit / 1048576:g} MB (ASSISTANT_MAX_UPLOAD_MB)."
                   if is_upload else
                   f"Nội dung yêu cầu quá lớn (tối đa {self.request_limit // 1024} KB: ASSISTANT_MAX_REQUEST_KB).")
        try:
            length = int(headers.get("content-length", "0") or 0)
        except ValueError:
            return await _send_error(send, 400, "bad_request", "Header Content-Length không hợp lệ.")
        if length > limit:
            return await _send_error(send, 413, code, message)

        received = 0

        async def counted_receive():
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(code, message)
            return msg

        started = False
        held: dict[str, Any] = {}

        async def guarded_send(msg):
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
                hdrs = list(msg.get("headers", []))
                names = {k.lower() for k, _ in hdrs}
                hdrs += [(k, v) for k, v in COMMON_HEADERS if k not in names]
                ctype = next((v for k, v in hdrs if k.lower() == b"content-type"), b"")
                if b"content-security-policy" not in names:
                    if ctype.startswith(b"text/html"):
                        held["start"] = {**msg, "headers": hdrs}  # the policy depends on the page
                        held["body"] = []
                        return
                    hdrs.append((b"content-security-policy", STRICT_CSP.encode()))
                return await send({**msg, "headers": hdrs})
            if msg["type"] == "http.response.body" and "start" in held:
                held["body"].append(msg.get("body", b""))
                if msg.get("more_body"):
                    return
                page = b"".join(held["body"])
                start = held.pop("start")
                start["headers"].append((b"content-security-policy", self._page_csp(path, page).encode()))
                await send(start)
                return await send({"type": "http.response.body", "body": page, "more_body": False})
            return await send(msg)

        # one client's work at once is bounded: a few costly questions sent and dropped must not
        # queue everyone else behind them (the answer still runs after its client has gone)
        client = (scope.get("client") or ("?", 0))[0]
        counted = self.per_client > 0 and method == "POST"
        if counted and self._inflight.get(client, 0) >= self.per_client:
            return await _send_error(send, 429, "too_many_requests",
                                     f"Quá nhiều yêu cầu cùng lúc từ một địa chỉ (tối đa {self.per_client}, "
                                     "ASSISTANT_MAX_REQUESTS_PER_CLIENT): hãy chờ câu trả lời trước.",
                                     [(b"retry-after", b"1")])
        if counted:
            self._inflight[client] = self._inflight.get(client, 0) + 1
        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge as e:
            if not started:
                await _send_error(send, 413, e.code, e.detail)
        finally:
            if counted:
                left = self._inflight.get(client, 1) - 1
                if left > 0:
                    self._inflight[client] = left
                else:
                    self._inflight.pop(client, None)

    @staticmethod
    def _page_csp(path: str, page: bytes) -> str:
        hashes = " ".join(inline_script_hashes(page))
        if path in ("/docs", "/redoc"):
            return PAGE_CSP.format(hashes=f"{hashes} {SWAGGER_CDN}", extra_style=f" {SWAGGER_CDN}",
                                   extra_img=" https://fastapi.tiangolo.com")
        return PAGE_CSP.format(hashes=hashes, extra_style="", extra_img="")


async def _send_error(send, status: int, code: str, message: str, extra: list | None = None) -> None:
    body = error_body(status, code, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"content-security-policy", STRICT_CSP.encode()), *COMMON_HEADERS, *(extra or [])]
    if status in (401, 413):
        headers.append((b"connection", b"close"))  # the unread body is not worth reading
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
