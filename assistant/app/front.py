"""The connection front: what a client may hold of the server before any request reaches the app.

uvicorn's h11 protocol, subclassed (``front_protocol``):

- a client address may hold at most ``max_connections_per_client`` connections (a trusted
  reverse proxy is not counted); one more is answered 503 and closed before it is read;
- a request line and its headers must arrive within ``header_timeout_s`` of the connection (or
  of the previous response): uvicorn itself has no such limit, so 1,100 connections sending a
  header line every 10 s held every slot and ``/healthz`` answered 503;
- a request body must bring at least ``BODY_MIN_BYTES`` per ``body_timeout_s`` while the server
  is reading it (a body the server does not read yet — flow control paused — is not judged).

Both timeouts answer 408 and close. Checks run on one timer per connection, every half timeout.

``quiet_logs`` keeps the server's log from growing with bad requests: one line per error, no
tracebacks, at most ``LOG_LINES_PER_MINUTE`` lines a minute per logger.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections import Counter

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.utils import get_remote_addr

BODY_MIN_BYTES = 1024
LOG_LINES_PER_MINUTE = 20


def networks(specs: list[str]) -> list:
    return [ipaddress.ip_network(s, strict=False) for s in specs]


def trusted(host: str | None, nets: list) -> bool:
    if not host or not nets:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(ip in n for n in nets)


def _raw_response(status: int, reason: str, code: str, message: str, extra: str = "") -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        f"connection: close\r\n{extra}\r\n"
    )
    return head.encode("latin-1") + body


TOO_MANY = _raw_response(
    503,
    "Service Unavailable",
    "too_many_connections",
    "Quá nhiều kết nối đang mở từ địa chỉ này (ASSISTANT_MAX_CONNECTIONS_PER_CLIENT): hãy đóng bớt rồi thử lại.",
    "retry-after: 5\r\n",
)
SLOW_HEADERS = _raw_response(
    408,
    "Request Timeout",
    "request_timeout",
    "Yêu cầu gửi quá chậm: phần đầu (header) phải đến trong ASSISTANT_HEADER_TIMEOUT_S giây.",
)
SLOW_BODY = _raw_response(
    408,
    "Request Timeout",
    "request_timeout",
    "Nội dung yêu cầu gửi quá chậm (ASSISTANT_BODY_TIMEOUT_S): kết nối bị đóng.",
)


def front_protocol(
    header_timeout_s: float, body_timeout_s: float, per_client: int, trusted_proxies: list[str]
) -> type[H11Protocol]:
    """An ``H11Protocol`` class with these limits; its per-address counts are its own."""
    nets = networks(trusted_proxies)
    open_per_client: Counter[str] = Counter()

    class FrontProtocol(H11Protocol):
        _peer: str | None = None
        _refused = False
        _timer = None
        _idle_since: float | None = None  # waiting for a request's headers since then
        _window_start = 0.0
        _window_bytes = 0

        def connection_made(self, transport) -> None:  # type: ignore[override]
            peer = get_remote_addr(transport)
            host = peer[0] if peer else None
            if per_client and host and not trusted(host, nets) and open_per_client[host] >= per_client:
                self._refused = True
                transport.write(TOO_MANY)
                transport.close()
                return
            self._peer = host
            if host:
                open_per_client[host] += 1
            super().connection_made(transport)
            self._idle_since = time.monotonic()
            self._schedule()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._refused:
                return
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._peer:
                open_per_client[self._peer] -= 1
                if open_per_client[self._peer] <= 0:
                    del open_per_client[self._peer]
                self._peer = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._idle_since is None and self.conn.their_state is h11.IDLE:
                self._idle_since = time.monotonic()  # the first bytes of a new request after a response
                self._window_bytes = 0
            self._window_bytes += len(data)
            super().data_received(data)
            if self.conn.their_state is not h11.IDLE:
                self._idle_since = None  # its headers are in
            if self.conn.their_state is h11.SEND_BODY and self._window_start == 0.0:
                self._window_start, self._window_bytes = time.monotonic(), 0

        def on_response_complete(self) -> None:
            self._window_start, self._window_bytes = 0.0, 0
            super().on_response_complete()
            if self.conn.their_state is h11.IDLE:
                self._idle_since = time.monotonic()

        def _schedule(self) -> None:
            self._timer = self.loop.call_later(min(header_timeout_s, body_timeout_s) / 2, self._check)

        def _check(self) -> None:
            self._timer = None
            if self.transport is None or self.transport.is_closing():
                return
            now = time.monotonic()
            state = self.conn.their_state
            if state is h11.IDLE and self._idle_since is not None and now - self._idle_since >= header_timeout_s:
                # a request begun and not finished is told why; a connection that sent nothing (a
                # browser's spare one) is closed quietly, as an idle keep-alive one is
                return self._close(SLOW_HEADERS if self._window_bytes else b"")
            if state is h11.SEND_BODY:
                if self.flow.read_paused:  # the app is not reading: not the client's fault
                    self._window_start, self._window_bytes = now, 0
                elif self._window_start and now - self._window_start >= body_timeout_s:
                    if self._window_bytes < BODY_MIN_BYTES:
                        return self._close(SLOW_BODY)
                    self._window_start, self._window_bytes = now, 0
            self._schedule()

        def _close(self, response: bytes) -> None:
            if response and (self.cycle is None or not self.cycle.response_started):
                self.transport.write(response)
            self.transport.close()

    return FrontProtocol


class _Quiet(logging.Filter):
    """One line per record (its traceback dropped), at most LOG_LINES_PER_MINUTE a minute; the
    count of those dropped is told with the next line that passes."""

    def __init__(self) -> None:
        super().__init__()
        self.window, self.count, self.dropped = 0.0, 0, 0

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        if now - self.window >= 60:
            self.window, self.count = now, 0
        self.count += 1
        if self.count > LOG_LINES_PER_MINUTE:
            self.dropped += 1
            return False
        if record.exc_info:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {str(exc)[:200]})"
            record.args, record.exc_info, record.exc_text = None, None, None
        if self.dropped:
            record.msg = f"{record.getMessage()} [{self.dropped} dòng nhật ký trước đã bị lược]"
            record.args, self.dropped = None, 0
        return True


def quiet_logs(*names: str) -> None:
    for name in names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Quiet) for f in logger.filters):
            logger.addFilter(_Quiet())
