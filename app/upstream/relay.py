"""The relayed answer: upstream's response streamed back to the client, or reshaped on the way.

`RelayResponse` runs its exchange (the request, and any retry) when it is served and relays the
answer chunk by chunk. A `Reshaper` may change a 200 answer: map each SSE event as it streams,
rewrite it piece by piece (speech encoded from PCM, embeddings in base64), or collect the whole
answer into another one (an image API answer from a chat completion, one audio completion from
its stream). Errors of upstream go back as upstream sent them; upstream
unreachable or silent before the answer starts is raised (`app.upstream.failures`) for the app's
error handler to answer; a stream that upstream breaks off ends with an error event. What the
proxy holds of an answer (an event, a collected answer) has a cap (`app.upstream.caps`): over
it, the same, as a 502 `upstream_bad_answer`.
"""

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Self

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.errors import AnswerTooLarge, ProxyError
from app.ops.labels import USAGE_ROUTES
from app.ops.metrics import Note
from app.settings import Settings
from app.translate import sse
from app.translate.usage_read import UsageReader
from app.upstream.caps import Caps
from app.upstream.disconnect import WATCH_AFTER_SECONDS, DisconnectWatch
from app.upstream.failures import FAILURES, MID_ANSWER, failure_code, sse_error, unavailable
from app.upstream.headers import Headers, without_hop_by_hop
from app.upstream.interface import Answer, Run, Upstreamed
from app.upstream.reshape import Reshape

logger = logging.getLogger(__name__)

RESHAPED = frozenset({b"content-length", b"content-type", b"content-encoding"})


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for upstream's answer to start, and then for each next piece of it (None:
    the HTTP client's own read timeout watches that)."""

    first_byte: float
    idle: float | None

    @classmethod
    def of(cls, settings: Settings) -> Self:
        # The HTTP client's read timeout watches the gaps at a third of the cost of a timeout
        # per piece, but it bounds the wait for the answer's start too: used when that is no harm.
        first_byte = settings.proxy_first_byte_timeout_seconds
        idle = settings.proxy_read_timeout_seconds
        return cls(first_byte, None if idle >= first_byte else idle)


class RelayResponse(Response):
    """Runs `run` (the exchange with upstream) when served, and streams the answer back
    byte-for-byte, chunk by chunk as it arrives, unless its reshaper reshapes it, holding no
    more of it than `caps` allow. `headers` go on the proxy's own 502 and 504 answers; what
    happens is noted in `note` (the request's log record), which it reads only for the route and
    the request's start; so is what a 2xx answer of a route with usage says of itself
    (`note.answer`), read as it passes (`app.translate.usage_read`) without changing a byte of it.

    The whole exchange runs under a watch for the client's `http.disconnect`: a client that goes
    away, while upstream is still at work or mid-stream, cancels the upstream request (its
    connection is closed, so upstream sees it too), at once or, in an answer's first
    `WATCH_AFTER_SECONDS`, then (`app.upstream.disconnect`).
    """

    def __init__(self, run: Run, timeouts: Timeouts, caps: Caps, headers: Headers, note: Note):
        self._run = run
        self._timeouts = timeouts
        self._caps = caps
        self._headers_on_error = headers
        self._note = note
        self._usage: UsageReader | None = None  # of the answer being relayed, if it has one
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A bare task and Task.cancel, not an anyio task group: the group cost a quarter of the
        # proxy's CPU per small request (py-spy).
        serving = asyncio.current_task()
        assert serving is not None
        watch = DisconnectWatch(receive, serving, WATCH_AFTER_SECONDS)
        try:
            await self._serve(scope, receive, send)
        except asyncio.CancelledError:
            if not watch.saw_disconnect:
                raise  # not the client's leaving: the server's own cancellation
            serving.uncancel()  # the client left; the upstream request is closed (`_serve`)
        finally:
            watch.stop()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent_at = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeouts.first_byte):
                exchanged = await self._run()
        except FAILURES as error:
            raise unavailable(error).with_headers(self._headers_on_error) from None
        except AnswerTooLarge as error:  # an error answer read to look into it
            self._note.failure = failure_code(error)
            raise error.with_headers(self._headers_on_error) from None
        answer, note = exchanged.answer, self._note
        if exchanged.read is not None:  # an error answer, read to look into it: sent as it came
            answer.release()
            await relayed_as_read(exchanged, exchanged.read)(scope, receive, send)
            return
        note.upstream_seconds = time.perf_counter() - sent_at
        note.stream = answer.content_type == "text/event-stream"
        reshape = _reshape_for(exchanged)
        self._usage = _usage_reader(exchanged, note, self._caps)
        finished = False
        try:
            if reshape is not None and reshape.collect is not None:
                note.stream = False  # the client gets one answer
                collected = await self._collect(exchanged, reshape)
                finished = True  # the answer was read to its end
                await collected(scope, receive, send)
            else:
                finished = await self._relay(exchanged, send, reshape)
        finally:
            if finished:
                answer.release()  # the connection goes back to the pool
                if self._usage is not None:
                    note.answer = self._usage.finish()
            else:
                answer.close()  # the connection is dropped: upstream sees the cancel

    async def _collect(self, exchanged: Upstreamed, reshape: Reshape) -> Response:
        """The collector's answer to the whole of upstream's; raises the 502 or 504 when
        upstream fails before its end, the 502 when it sends more than the cap of the answer
        `reshape.held` says it is, and the collector's `ProxyError` when it makes no answer."""
        assert reshape.collect is not None
        collector = reshape.collect()
        held, size = reshape.held, 0
        limit = self._caps.held(held) if held else None
        try:
            async for piece in _pieces(exchanged.answer, self._timeouts.idle):
                size += len(piece)
                if held and limit is not None and size > limit:
                    raise AnswerTooLarge(held.value, limit)
                if self._usage is not None:
                    self._usage.feed(piece)
                collector.feed(piece)
        except MID_ANSWER as error:
            self._note.failure = failure_code(error)
            failure = unavailable(error, mid_answer=True)
            raise failure.with_headers(exchanged.extra_headers) from None
        try:
            body = collector.result()
        except ProxyError as error:
            raise error.with_headers(exchanged.extra_headers) from None
        answer = Response(body, media_type=reshape.content_type.decode())
        answer.raw_headers.extend(_answer_headers(exchanged, reshaped=True))
        return answer

    async def _relay(self, exchanged: Upstreamed, send: Send, reshape: Reshape | None) -> bool:
        """Relay the answer (each SSE event mapped, or rewritten piece by piece, if `reshape`
        says so); True when all of it went. A rewritten answer starts with the rewriter's first
        bytes: until then, a ProxyError of the rewriter's, or upstream failing, is raised for the
        app's error handler to answer. When upstream fails mid-response, an SSE stream that
        stopped between two events ends with an error event (clients raise it, as for
        OpenRouter's own mid-stream errors); any other answer, or one that its rewriter gives up
        on, is left incomplete, so that the server closes the connection and the client sees it
        cut, not a shorter body."""
        answer = exchanged.answer
        headers = _answer_headers(exchanged, reshaped=reshape is not None)
        if reshape is not None:
            headers.append((b"content-type", reshape.content_type))
        start = {"type": "http.response.start", "status": answer.status, "headers": headers}
        each_event = reshape.each_event if reshape else None
        rewriter = reshape.rewrite() if reshape and reshape.rewrite else None
        started = rewriter is None
        if started:
            await send(start)
        events = sse.EventSplitter(self._caps.sse_event)
        last, ended = b"\n\n", False
        usage = self._usage
        try:
            async for piece in _pieces(answer, self._timeouts.idle):
                if usage is not None and usage.feed(piece) and self._note.stream:
                    self._note.first_token_seconds = time.perf_counter() - self._note.started
                if each_event is not None:
                    piece = b"".join(map(each_event, events.feed(piece)))
                elif rewriter is not None:
                    piece = rewriter.feed(piece)
                    if not started:
                        if not piece:
                            continue
                        await send(start)
                        started = True
                # The last piece ends the answer: one write and one `send` fewer (a small
                # answer comes whole with its headers, and is all of it).
                ended = rewriter is None and answer.content.at_eof()
                await send({"type": "http.response.body", "body": piece, "more_body": not ended})
                last = piece or last
            tail = rewriter.finish() if rewriter is not None else b""
        except (*FAILURES, ProxyError) as error:  # a ProxyError: the rewriter's, or a cap
            self._note.failure = failure_code(error)
            if not started:
                failure = error if isinstance(error, ProxyError) else unavailable(error, True)
                raise failure.with_headers(exchanged.extra_headers) from None
            logger.warning("upstream failed mid-response: %s", type(error).__name__)
            if self._note.stream and last.endswith((b"\n\n", b"\r\n\r\n")):
                await send({"type": "http.response.body", "body": sse_error(error)})
            return False
        if not started:
            await send(start)
        if not ended:
            await send({"type": "http.response.body", "body": tail, "more_body": False})
        return True


def _reshape_for(exchanged: Upstreamed) -> Reshape | None:
    answer = exchanged.answer
    if exchanged.reshaper is None or not 200 <= answer.status < 300:
        return None  # errors go back as upstream sent them (a 202 is a video job accepted)
    return exchanged.reshaper(answer.content_type)


def _usage_reader(exchanged: Upstreamed, note: Note, caps: Caps) -> UsageReader | None:
    """A reader of the usage of a 2xx answer of a route whose answers carry one."""
    answer = exchanged.answer
    if note.route not in USAGE_ROUTES or not 200 <= answer.status < 300:
        return None
    encoding = answer.headers.get("Content-Encoding", "")
    return UsageReader(answer.content_type == "text/event-stream", caps.usage, encoding)


def _answer_headers(exchanged: Upstreamed, reshaped: bool) -> Headers:
    """Upstream's headers (less those a reshaped body changes) and the proxy's own."""
    dropped = RESHAPED if reshaped else frozenset()
    return without_hop_by_hop(exchanged.answer.raw_headers, dropped) + exchanged.extra_headers


def relayed_as_read(exchanged: Upstreamed, body: bytes) -> Response:
    """An answer of upstream's that the proxy has read whole (to look into it), sent on as it
    came, with the proxy's headers."""
    answer = exchanged.answer
    kept = without_hop_by_hop(answer.raw_headers, frozenset({b"content-length"}))
    response = Response(body, answer.status)
    response.raw_headers = [*kept, (b"content-length", b"%d" % len(body)), *exchanged.extra_headers]
    return response


def _pieces(answer: Answer, idle: float | None) -> AsyncIterator[bytes]:
    """The answer's body as it arrives; TimeoutError when nothing comes for `idle` seconds (None:
    the client's own read timeout raises it)."""
    if idle is None:
        return answer.content.iter_any()  # not wrapped: a generator more per piece relayed
    return _watched(answer, idle)


async def _watched(answer: Answer, idle: float) -> AsyncIterator[bytes]:
    while True:
        async with asyncio.timeout(idle):
            piece = await answer.content.readany()
        if not piece:
            return
        yield piece
