"""Limits on client connections, enforced where uvicorn reads them (before any app code runs).

httptools has no limit on the size of the request line and headers (and joins their pieces in a
time quadratic in their size), and uvicorn no deadline for a request's head or body: one client
could hold a CPU or every file descriptor. `LimitedHttpToolsProtocol` is uvicorn's httptools
protocol with those limits and a cap on open connections; the app's lifespan publishes the
`ConnectionLimits` in its state (`STATE_KEY`), which uvicorn hands to every connection.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from app.errors import error_body

STATE_KEY = "connection_limits"
# The codes of the refusals, the metrics' label values (`app.ops.labels`).
Refusal = Literal[
    "too_many_connections",
    "send_timeout",
    "invalid_http",
    "headers_too_large",
    "header_timeout",
    "body_timeout",
]


@dataclass(frozen=True)
class ConnectionLimits:
    """What one client connection may take. `count` is called with the code of each refusal
    (for the metrics; by default nothing counts). The defaults are the settings' defaults (see
    `app.settings`)."""

    max_connections: int = 512  # open at once; more are closed as they come
    max_head_bytes: int = 65536  # the request line and headers together
    head_timeout: float = 10.0  # from connecting (or a next request's start) to its headers' end
    body_timeout: float = 60.0  # from the end of the headers to the end of the body
    send_timeout: float = 60.0  # an answer's bytes waiting for a client that reads none
    count: Callable[[Refusal], None] = lambda code: None


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a head larger than `max_head_bytes` (431), a head
    that takes longer than `head_timeout` (408) and a body that takes longer than `body_timeout`
    (408), each with an OpenAI-format error, then closing the connection; and dropping a
    connection whose client reads nothing of its answer for `send_timeout`."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.limits: ConnectionLimits = app_state.get(STATE_KEY) or ConnectionLimits()
        self._in_head = True  # reading a request line and headers (or waiting for one)
        self._head_bytes = 0  # bytes read while in the head (an upper bound of its size)
        self._deadline: asyncio.TimerHandle | None = None
        self._stalled: asyncio.TimerHandle | None = None  # the client stopped reading

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            # Closed at once: held until its head deadline, each would keep a file descriptor,
            # and a flood of them would take them all.
            self.limits.count("too_many_connections")
            transport.abort()
            return
        self._arm(self.limits.head_timeout, self._head_too_slow)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._stop_stall_timer()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        """The client reads slower than the answer comes: it has `send_timeout` to read
        again, or the connection is dropped (and with it the upstream request it holds)."""
        super().pause_writing()
        if self._stalled is None:
            self._stalled = self.loop.call_later(self.limits.send_timeout, self._not_reading)

    def resume_writing(self) -> None:
        self._stop_stall_timer()
        super().resume_writing()

    def _stop_stall_timer(self) -> None:
        if self._stalled is not None:
            self._stalled.cancel()
            self._stalled = None

    def _not_reading(self) -> None:
        self._stalled = None
        self.limits.count("send_timeout")
        self.transport.abort()  # what is buffered for it is dropped: it reads none of it

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Counted per piece read (at most 256 KiB), so the parser never holds much more.
        if self._in_head and self._head_bytes > self.limits.max_head_bytes:
            self._head_too_large()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a next request on a kept-alive connection
            self._arm(self.limits.head_timeout, self._head_too_slow)

    def on_headers_complete(self) -> None:
        self._in_head = False
        if self.transport.is_closing():
            return
        if self._head_size() > self.limits.max_head_bytes:
            self._head_too_large()
            return
        self._arm(self.limits.body_timeout, self._body_too_slow)
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.transport.is_closing():  # else refused, or answered already
            super().on_body(body)

    def on_message_complete(self) -> None:
        self._disarm()
        self._in_head, self._head_bytes = True, 0
        if not self.transport.is_closing():
            super().on_message_complete()

    def _head_size(self) -> int:
        """The request line and headers as parsed, from what uvicorn has kept of them: summed
        once, rather than counted in overrides of `on_url` and `on_header`, called for each
        header of every request."""
        lines = sum(len(name) + len(value) for name, value in self.headers)
        return len(self.url) + lines + 4 * len(self.headers)  # each with ": " and CRLF

    def _arm(self, seconds: float, then: Callable[[], None]) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, then)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to bytes that are not HTTP, as an OpenAI-format error."""
        if not self.transport.is_closing():
            self.limits.count("invalid_http")
            self.transport.write(_error_answer(400, msg, "invalid_http"))
            self.transport.close()

    def _head_too_large(self) -> None:
        message = "The request line and headers are larger than the proxy accepts"
        self._refuse(431, f"{message} ({self.limits.max_head_bytes:,} bytes)", "headers_too_large")

    def _head_too_slow(self) -> None:
        self._deadline = None
        if self.cycle is not None and not self.cycle.response_complete:
            # An answer is still being written; the next request waits its turn (pipelining).
            self._arm(self.limits.head_timeout, self._head_too_slow)
            return
        message = "The request line and headers did not arrive in time"
        self._refuse(408, message, "header_timeout", answer=self._head_bytes > 0)

    def _body_too_slow(self) -> None:
        self._deadline = None
        message = "The request body did not arrive in time"
        self._refuse(408, message, "body_timeout", answer=not self.cycle.response_started)

    def _refuse(self, status: int, message: str, code: Refusal, answer: bool = True) -> None:
        """Answer `status` (unless `answer` is false, or an answer has started) and close."""
        if self.transport.is_closing():
            return
        self.limits.count(code)
        if answer:
            self.transport.write(_error_answer(status, message, code))
        if self.cycle is not None and not self.cycle.response_complete:
            # The app, if it waits for the body, hears a disconnect; what it sends is dropped.
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()


def _error_answer(status: int, message: str, code: str) -> bytes:
    body = error_body(message, code)
    head = [
        STATUS_LINE[status],
        b"content-type: application/json\r\n",
        b"content-length: %d\r\n" % len(body),
        b"connection: close\r\n\r\n",
    ]
    return b"".join([*head, body])
