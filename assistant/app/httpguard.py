"""One ASGI middleware in front of everything the server answers (API, pages, Gradio):

- routes: a path no route of ours serves, and that is not one of the few Gradio routes the chat
  UI needs, is answered 404 (405 for a known path with another method) in the API's error
  shape — Gradio's upload, file, proxy, streaming and editing routes are closed;
- keys: a route that depends on the API key is refused (401) before its body is read;
- size: a body over the route's limit is refused (413) from its Content-Length before it is
  read, and a body without one is counted while it streams and cut at the limit;
- where from: a ``Host`` that is not ours is refused (421: a DNS-rebinding page names its own
  host); a POST/PUT/DELETE whose ``Origin`` (or ``Referer``) is another site is refused (403)
  unless it carries the API key; forwarding headers (``X-Forwarded-*``, ``Forwarded``) are
  believed only from a trusted proxy and dropped from anyone else's request;
- how much at once: POSTs in progress and chat questions queued (per client address) share
  ``per_client``; open chat streams per client address are capped at ``per_client_streams``;
- errors an app raises become one log line (no traceback) and a JSON 500;
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
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.routing import Match, Mount

from assistant.app.front import networks, trusted

STRICT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
# Gradio's page: its scripts are its own files plus the inline ones of this very response (by
# hash: no 'unsafe-inline', so injected handlers and javascript: URLs do not run); its Svelte
# components set inline styles, so styles need 'unsafe-inline'.
PAGE_CSP = (
    "default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'{extra_style}; "
    "img-src 'self' data: blob:{extra_img}; font-src 'self' data:; connect-src 'self'; "
    "media-src 'self' blob: data:; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SWAGGER_CDN = "https://cdn.jsdelivr.net"  # FastAPI's /docs and /redoc load their bundles from it
COMMON_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
MULTIPART_OVERHEAD = 64 * 1024  # part headers and boundaries around an uploaded file

# The Gradio routes the chat UI uses (seen in Chromium); everything else Gradio offers is closed.
GRADIO_GET_EXACT = {
    "/",
    "/config",
    "/config/",
    "/theme.css",
    "/favicon.ico",
    "/manifest.json",
    "/robots.txt",
    "/gradio_api/info",
    "/gradio_api/info/",
    "/gradio_api/queue/data",
    "/gradio_api/startup-events",
    "/gradio_api/theme.css",
    "/gradio_api/app_id",
    "/gradio_api/app_id/",
    "/gradio_api/login_check",
    "/gradio_api/login_check/",
    "/pwa_icon",
}
GRADIO_GET_PREFIX = ("/assets/", "/static/", "/svelte/", "/gradio_api/heartbeat/", "/pwa_icon/")
GRADIO_POST_EXACT = {"/gradio_api/queue/join", "/gradio_api/cancel", "/gradio_api/reset", "/gradio_api/reset/"}
STREAMS = ("/gradio_api/queue/data", "/gradio_api/heartbeat/")  # held open while a chat tab is
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
FORWARDING = {
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-prefix",
    "x-real-ip",
    "forwarded",
}
log = logging.getLogger("assistant.http")


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


def split_host(value: str) -> tuple[str, str]:
    """ "Host: name:port" → (name, port), IPv6 brackets removed; lower case."""
    value = value.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name, rest.lstrip(":")
    name, _, port = value.rpartition(":") if value.count(":") == 1 else (value, "", "")
    return name, port


def is_ip(name: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Localhost names and IP literals (a rebinding page reaches us under its own *name*), and
    the configured names."""
    name, _ = split_host(host)
    return bool(name) and ("*" in allowed or name in LOCAL_NAMES or is_ip(name) or name in allowed)


def origin_matches(origin: str, host: str, allowed_origins: list[str]) -> bool:
    """Is this Origin (or Referer) URL the server's own (the same host and port as the request's
    Host), or a configured one?"""
    if origin.lower().rstrip("/") in allowed_origins:
        return True
    try:
        u = urlsplit(origin.strip())
        port = u.port
    except ValueError:
        return False
    if u.scheme not in ("http", "https") or not u.hostname:
        return False  # "null" (a sandboxed frame, a file), or garbage
    name, hport = split_host(host)
    default = "443" if u.scheme == "https" else "80"
    return u.hostname.lower() == name and str(port or default) == (hport or default)


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

    def __init__(
        self,
        app,
        *,
        api_key: str | None,
        read_api_key: bool,
        ui: bool,
        request_limit: int,
        upload_limit: int,
        upload_route: tuple[str, str],
        routes: Callable[[], list],
        key_level: Callable[[Any], str | None],
        per_client: int = 0,
        per_client_streams: int = 0,
        allowed_hosts: list[str] | None = None,
        allowed_origins: list[str] | None = None,
        trusted_proxies: list[str] | None = None,
        queued: Callable[[str], int] | None = None,
    ) -> None:
        self.app = app
        self.per_client = per_client  # requests of one client address answered at once (0: no limit)
        self.per_client_streams = per_client_streams
        self._inflight: dict[str, int] = {}
        self._streams: dict[str, int] = {}
        self.allowed_hosts = allowed_hosts or []
        self.allowed_origins = allowed_origins or []
        self.proxies = networks(trusted_proxies or [])
        self.queued = queued  # chat questions of a client address waiting or running in the UI's queue
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
        scope = self._forwarded(scope)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("x-forwarded-host", "").split(",")[0].strip() or headers.get("host", "")
        if not host_allowed(host, self.allowed_hosts):
            return await _send_error(
                send,
                421,
                "unknown_host",
                "Máy chủ không phục vụ tên miền này (Host). Người quản trị có thể thêm tên "
                "vào ASSISTANT_ALLOWED_HOSTS.",
            )
        if method not in SAFE_METHODS:
            source = headers.get("origin") or headers.get("referer")
            if (
                source is not None
                and not origin_matches(source, host, self.allowed_origins)
                and not (self.api_key and key_matches(given_key(headers), self.api_key))
            ):
                return await _send_error(
                    send,
                    403,
                    "foreign_origin",
                    "Yêu cầu thay đổi dữ liệu đến từ một trang web khác nên bị từ chối. "
                    "Hãy thao tác trên chính trang của máy chủ, hoặc gửi kèm khóa API.",
                )
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
                return await _send_error(
                    send,
                    405,
                    "method_not_allowed",
                    f"Phương thức {method} không dùng được cho {path} (dùng: {allow}).",
                    [(b"allow", allow.encode())],
                )
            return await _send_error(send, 404, "not_found", f"Không có đường dẫn {path}. Xem danh sách API tại /docs.")
        level = self._key_level(route) if route is not None else None
        if self.api_key and (level == "write" or (level == "read" and self.read_api_key)):
            if not key_matches(given_key(headers), self.api_key):
                return await _send_error(send, 401, "unauthorized", "Thiếu hoặc sai khóa API (header X-API-Key).")

        is_upload = (method, path) == self.upload_route
        limit = self.upload_limit + MULTIPART_OVERHEAD if is_upload else self.request_limit
        code = "file_too_large" if is_upload else "request_too_large"
        message = (
            f"Tệp vượt quá giới hạn {self.upload_limit / 1048576:g} MB (ASSISTANT_MAX_UPLOAD_MB)."
            if is_upload
            else f"Nội dung yêu cầu quá lớn (tối đa {self.request_limit // 1024} KB: ASSISTANT_MAX_REQUEST_KB)."
        )
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

        started = finished = False
        held: dict[str, Any] = {}

        async def guarded_send(msg):
            nonlocal started, finished
            if msg["type"] == "http.response.body" and not msg.get("more_body"):
                finished = True
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
        # queue everyone else behind them (the answer still runs after its client has gone); a chat
        # question joins the UI's queue and returns at once, so what it left queued counts too
        client = (scope.get("client") or ("?", 0))[0]
        counted = self.per_client > 0 and method == "POST"
        if counted:
            queued = self.queued(client) if self.queued and path == "/gradio_api/queue/join" else 0
            if self._inflight.get(client, 0) + queued >= self.per_client:
                return await _send_error(
                    send,
                    429,
                    "too_many_requests",
                    f"Quá nhiều yêu cầu cùng lúc từ một địa chỉ (tối đa {self.per_client}, "
                    "ASSISTANT_MAX_REQUESTS_PER_CLIENT): hãy chờ câu trả lời trước.",
                    [(b"retry-after", b"1")],
                )
        stream = self.per_client_streams > 0 and method == "GET" and path.startswith(STREAMS)
        if stream and self._streams.get(client, 0) >= self.per_client_streams:
            return await _send_error(
                send,
                429,
                "too_many_streams",
                f"Quá nhiều luồng trò chuyện đang mở từ một địa chỉ (tối đa "
                f"{self.per_client_streams}, ASSISTANT_MAX_STREAMS_PER_CLIENT): hãy đóng bớt "
                "các thẻ trình duyệt.",
                [(b"retry-after", b"5")],
            )
        counters = [c for c, on in ((self._inflight, counted), (self._streams, stream)) if on]
        for c in counters:
            c[client] = c.get(client, 0) + 1
        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge as e:
            if not started:
                await _send_error(send, 413, e.code, e.detail)
        except Exception as e:  # one line, no traceback: a malformed request must not grow the log
            log.warning("%s %s → %s: %s", method, path, type(e).__name__, str(e)[:200])
            if not started:
                await _send_error(send, 500, "internal_error", "Lỗi máy chủ khi xử lý yêu cầu này.")
            elif not finished:  # end the response that was under way
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            for c in counters:
                left = c.get(client, 1) - 1
                if left > 0:
                    c[client] = left
                else:
                    c.pop(client, None)

    def _forwarded(self, scope):
        """From a trusted proxy: the client is the last address it forwarded for (the one it saw),
        and its X-Forwarded-Host stands. From anyone else: every forwarding header is dropped, so
        nothing downstream (Gradio builds its URLs from X-Forwarded-Host) believes them."""
        peer = (scope.get("client") or ("", 0))[0]
        headers = scope.get("headers", [])
        if trusted(peer, self.proxies):
            forwarded = next((v.decode("latin-1") for k, v in headers if k.lower() == b"x-forwarded-for"), "")
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            while hops and trusted(hops[-1], self.proxies):
                hops.pop()
            proto = next((v.decode("latin-1") for k, v in headers if k.lower() == b"x-forwarded-proto"), "")
            scheme = proto.split(",")[0].strip().lower()
            return {
                **scope,
                **({"client": (hops[-1], 0)} if hops else {}),
                **({"scheme": scheme} if scheme in ("http", "https") else {}),
            }
        if any(k.lower().decode("latin-1") in FORWARDING for k, _ in headers):
            return {**scope, "headers": [(k, v) for k, v in headers if k.lower().decode("latin-1") not in FORWARDING]}
        return scope

    @staticmethod
    def _page_csp(path: str, page: bytes) -> str:
        hashes = " ".join(inline_script_hashes(page))
        if path in ("/docs", "/redoc"):
            return PAGE_CSP.format(
                hashes=f"{hashes} {SWAGGER_CDN}",
                extra_style=f" {SWAGGER_CDN}",
                extra_img=" https://fastapi.tiangolo.com",
            )
        return PAGE_CSP.format(hashes=hashes, extra_style="", extra_img="")


async def _send_error(send, status: int, code: str, message: str, extra: list | None = None) -> None:
    body = error_body(status, code, message)
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"content-security-policy", STRICT_CSP.encode()),
        *COMMON_HEADERS,
        *(extra or []),
    ]
    if status in (401, 403, 413, 421):
        headers.append((b"connection", b"close"))  # the unread body is not worth reading
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
