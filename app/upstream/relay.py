"""The relayed answer: upstream's response streamed back to the client, or reshaped on the way.

`RelayResponse` sends the request when it is served and relays the answer chunk by chunk. A
`Reshaper` may change a 200 answer: map each SSE event as it streams, or collect the whole answer
into another one (an image API answer from a chat completion, one audio completion from its
stream). Errors of upstream go back as upstream sent them; upstream unreachable or silent is a
502 or 504 in OpenAI's format; a stream that upstream breaks off ends with an error event.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import orjson
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.errors import error_response
from app.ops import metrics as observability
from app.translate import sse
from app.upstream.headers import Headers, without_hop_by_hop
from app.upstream.reshape import Collector, Reshape, Reshaper

logger = logging.getLogger(__name__)

RESHAPED = frozenset({b"content-length", b"content-type", b"content-encoding"})
UpstreamResponse = aiohttp.ClientResponse  # for modules that do not import aiohttp themselves


@dataclass(frozen=True)
class Upstreamed:
    """Upstream's response to relay, with the proxy's headers for the client and how to reshape
    the answer."""

    response: aiohttp.ClientResponse
    extra_headers: Headers
    reshaper: Reshaper | None = None


# Sends the request (or requests: a retry happens here, before any byte reaches the client) and
# gives upstream's response to relay, or an answer the proxy made instead.
Exchange = Callable[[], Awaitable[Upstreamed | Response]]


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for upstream's answer to start, and then for each next piece of it (None:
    the HTTP client's own read timeout watches that)."""

    first_byte: float
    idle: float | None


class RelayResponse(Response):
    """Sends a request upstream when served (`exchange`), and streams the answer back
    byte-for-byte, chunk by chunk as it arrives, unless its reshaper reshapes it. `headers` go
    on the proxy's own 502 and 504 answers.

    The whole exchange runs under a watch for the client's `http.disconnect`: a client that goes
    away, while upstream is still at work or mid-stream, cancels the upstream request at once
    (its connection is closed, so upstream sees it too).
    """

    def __init__(self, exchange: Exchange, timeouts: Timeouts, headers: Headers) -> None:
        self._exchange = exchange
        self._timeouts = timeouts
        self._headers_on_error = headers
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A bare task and Task.cancel, not an anyio task group: the group cost a quarter of the
        # proxy's CPU per small request (py-spy).
        serving = asyncio.current_task()
        assert serving is not None
        watcher = asyncio.create_task(_cancel_on_disconnect(receive, serving))
        try:
            await self._serve(scope, receive, send)
        except asyncio.CancelledError:
            if not _cancelled_by(watcher):
                raise  # not the client's leaving: the server's own cancellation
            serving.uncancel()  # the client left; the upstream request is closed (`_serve`)
        finally:
            watcher.cancel()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        note: observability.Note = scope["state"]["note"]
        sent_at = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeouts.first_byte):
                exchanged = await self._exchange()
        except (TimeoutError, aiohttp.ClientError) as error:
            await _unavailable(error, self._headers_on_error)(scope, receive, send)
            return
        if isinstance(exchanged, Response):
            await exchanged(scope, receive, send)
            return
        upstream = exchanged.response
        note.upstream_seconds = time.perf_counter() - sent_at
        note.stream = upstream.content_type == "text/event-stream"
        reshape = _reshape_for(exchanged)
        finished = False
        try:
            if reshape is not None and reshape.collect is not None:
                note.stream = False  # the client gets one answer
                answer = await self._collect(exchanged, reshape, reshape.collect(), note)
                finished = not note.failure  # the answer was read to its end
                await answer(scope, receive, send)
            else:
                finished = await self._relay(exchanged, note, send, reshape)
        finally:
            if finished:
                upstream.release()  # the connection goes back to the pool
            else:
                upstream.close()  # the connection is dropped: upstream sees the cancel

    async def _collect(
        self,
        exchanged: Upstreamed,
        reshape: Reshape,
        collector: Collector,
        note: observability.Note,
    ) -> Response:
        """The collector's answer to the whole of upstream's; 502 or 504 when upstream fails
        before its end."""
        try:
            async for piece in _pieces(exchanged.response, self._timeouts.idle):
                collector.feed(piece)
        except (aiohttp.ClientError, TimeoutError) as error:
            note.failure = _failure_code(error)
            return _unavailable(error, exchanged.extra_headers, mid_answer=True)
        status, body = collector.result()
        media_type = reshape.content_type.decode() if status == 200 else "application/json"
        answer = Response(body, status, media_type=media_type)
        answer.raw_headers.extend(_answer_headers(exchanged, reshaped=True))
        return answer

    async def _relay(
        self,
        exchanged: Upstreamed,
        note: observability.Note,
        send: Send,
        reshape: Reshape | None,
    ) -> bool:
        """Relay the answer (each SSE event mapped, if `reshape` says so); True when all of it
        went. When upstream fails mid-response, an SSE stream that stopped between two events
        ends with an error event (clients raise it, as for OpenRouter's own mid-stream errors);
        any other answer is left incomplete, so that the server closes the connection and the
        client sees it cut, not a shorter body."""
        upstream = exchanged.response
        headers = _answer_headers(exchanged, reshaped=reshape is not None)
        if reshape is not None:
            headers.append((b"content-type", reshape.content_type))
        start = {"type": "http.response.start", "status": upstream.status, "headers": headers}
        await send(start)
        if reshape is not None and reshape.prefix:
            await send({"type": "http.response.body", "body": reshape.prefix, "more_body": True})
        each_event = reshape.each_event if reshape else None
        events = sse.EventSplitter()
        last = b"\n\n"
        try:
            async for piece in _pieces(upstream, self._timeouts.idle):
                if each_event is not None:
                    piece = b"".join(map(each_event, events.feed(piece)))
                await send({"type": "http.response.body", "body": piece, "more_body": True})
                last = piece or last
        except (aiohttp.ClientError, TimeoutError) as error:
            note.failure = _failure_code(error)
            logger.warning("upstream failed mid-response: %s", type(error).__name__)
            if note.stream and last.endswith((b"\n\n", b"\r\n\r\n")):
                await send({"type": "http.response.body", "body": _sse_error(error)})
            return False
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return True


def _reshape_for(exchanged: Upstreamed) -> Reshape | None:
    upstream = exchanged.response
    if exchanged.reshaper is None or upstream.status != 200:
        return None  # errors go back as upstream sent them
    return exchanged.reshaper(upstream.content_type)


def _answer_headers(exchanged: Upstreamed, reshaped: bool) -> Headers:
    """Upstream's headers (less those a reshaped body changes) and the proxy's own."""
    dropped = RESHAPED if reshaped else frozenset()
    return without_hop_by_hop(exchanged.response.raw_headers, dropped) + exchanged.extra_headers


def relayed_as_read(upstream: aiohttp.ClientResponse, body: bytes, headers: Headers) -> Response:
    """An answer of upstream's that the proxy has read whole (to look into it), sent on as it
    came, with the proxy's `headers`."""
    kept = without_hop_by_hop(upstream.raw_headers, frozenset({b"content-length"}))
    answer = Response(body, upstream.status)
    answer.raw_headers = [*kept, (b"content-length", b"%d" % len(body)), *headers]
    return answer


async def _pieces(upstream: aiohttp.ClientResponse, idle: float | None) -> AsyncIterator[bytes]:
    """The answer's body as it arrives; TimeoutError when nothing comes for `idle` seconds (None:
    the client's own read timeout raises it)."""
    if idle is None:
        async for piece in upstream.content.iter_any():
            yield piece
        return
    while True:
        async with asyncio.timeout(idle):
            piece = await upstream.content.readany()
        if not piece:
            return
        yield piece


def _cancelled_by(watcher: asyncio.Task[None]) -> bool:
    """Whether `watcher` (`_cancel_on_disconnect`) ran to its end: the client left."""
    return watcher.done() and not watcher.cancelled() and watcher.exception() is None


async def _cancel_on_disconnect(receive: Receive, serving: asyncio.Task[None]) -> None:
    """Cancel `serving` when the client disconnects."""
    while (await receive())["type"] != "http.disconnect":
        pass
    serving.cancel()


def _failure_code(error: Exception) -> str:
    return "upstream_timeout" if isinstance(error, TimeoutError) else "upstream_unavailable"


def _unavailable(error: Exception, headers: Headers, mid_answer: bool = False) -> Response:
    """The 504 (timeout) or 502 (anything else) for an upstream that did not answer, or that
    broke off (`mid_answer`) an answer the proxy was reading whole."""
    if mid_answer:
        status, message = _broken_off(error)
    elif isinstance(error, TimeoutError):
        status, message = 504, "OpenRouter did not answer in time"
    else:
        status, message = 502, f"OpenRouter could not be reached ({type(error).__name__})"
    code = _failure_code(error)
    response = error_response(status, f"{message}; try again later", code, "upstream_error")
    response.raw_headers.extend(headers)
    return response


def _broken_off(error: Exception) -> tuple[int, str]:
    if isinstance(error, TimeoutError):
        return 504, "OpenRouter stopped sending mid-stream (timed out)"
    return 502, f"OpenRouter broke off the stream ({type(error).__name__})"


def _sse_error(error: Exception) -> bytes:
    """The last event of a stream that upstream broke off: OpenRouter's mid-stream error chunk
    (an `error` beside a choice whose finish_reason is "error"), which SDKs raise as an error."""
    status, message = _broken_off(error)
    failure = {"code": status, "message": message, "type": "upstream_error"}
    choice = {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
    event = {"object": "chat.completion.chunk", "choices": [choice], "error": failure}
    return b"data: " + orjson.dumps(event) + b"\n\n"
