"""Relay upstream's answer to the client as it arrives, or reshaped on the way.

`RelayResponse` runs its exchange (the request, and any retry) when it is served and relays the
answer chunk by chunk. A `Reshaper` may change a 200 answer: map each SSE event as it streams,
rewrite it piece by piece (speech encoded from PCM, embeddings in base64), or collect the whole
answer into another one (`app.upstream.collect`). Errors of upstream go back as upstream sent
them; upstream unreachable or silent before the answer starts (`app.upstream.timeouts`) is
raised (`app.upstream.failures`) for the app's error handler to answer; a stream that upstream
breaks off ends with an error event. What the proxy holds of an answer (an event, a collected
answer) has a cap (`app.upstream.caps`): over it, the same, as a 502 `upstream_bad_answer`.
"""

import asyncio
import logging
import time

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.errors import AnswerTooLarge, ProxyError
from app.ops.metrics import Note
from app.translate import sse
from app.upstream.caps import Caps
from app.upstream.collect import collected
from app.upstream.disconnect import WATCH_AFTER_SECONDS, DisconnectWatch
from app.upstream.failures import FAILURES, failure_code, sse_error, unavailable
from app.upstream.headers import Headers, relayed_headers, without_hop_by_hop
from app.upstream.interface import Reserve, Run, Upstreamed
from app.upstream.reshape import Reshape
from app.upstream.timeouts import Deadlines
from app.upstream.usage_watch import UsageWatch

logger = logging.getLogger(__name__)


class RelayResponse(Response):
    """Run `run` (the exchange with upstream) when served, and relay its answer.

    The answer goes back byte-for-byte, chunk by chunk as it arrives, unless its reshaper
    reshapes it, holding no more of it than `caps` allow, taken from the request's memory budget
    with `reserve`. `headers` go on the proxy's own 502 and 504 answers; what happens is noted in
    `note` (the request's log record), as is what a 2xx answer of a route with usage says of
    itself (`app.upstream.usage_watch`).

    The whole exchange runs under a watch for the client's `http.disconnect`: a client that goes
    away, while upstream is still at work or mid-stream, cancels the upstream request (its
    connection is closed, so upstream sees it too), at once or, in an answer's first
    `WATCH_AFTER_SECONDS`, then (`app.upstream.disconnect`).
    """

    def __init__(
        self,
        run: Run,
        deadlines: Deadlines,
        caps: Caps,
        headers: Headers,
        note: Note,
        reserve: Reserve | None = None,
    ):
        self._run = run
        self._reserve = reserve  # of the request's memory budget, for an answer collected whole
        self._deadlines = deadlines  # of the answer's start and gaps
        self._caps = caps
        self._headers_on_error = headers
        self._note = note
        self._usage: UsageWatch | None = None  # of the answer being relayed, if it has one
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # A bare task and Task.cancel, not an anyio task group: the group cost a quarter of the
        # proxy's CPU per small request (py-spy).
        serving = asyncio.current_task()
        assert serving is not None
        watch = DisconnectWatch(receive, serving, WATCH_AFTER_SECONDS)
        try:
            await self._serve(scope, receive, send, serving)
        except asyncio.CancelledError:
            if not watch.saw_disconnect:
                raise  # not the client's leaving: the server's own cancellation
            serving.uncancel()  # the client left; the upstream request is closed (`_serve`)
        finally:
            watch.stop()

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, serving: asyncio.Task[None]
    ) -> None:
        """Run the exchange, then relay its answer, or collect it into another, in `serving`
        (the task that the timeouts cut, `app.upstream.timeouts`).

        The connection goes back to the pool when all of the answer was read, and is dropped
        (upstream sees the request cancelled) when it was not."""
        sent_at = time.perf_counter()
        try:
            with self._deadlines.starting(serving):
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
        finished = False
        try:
            self._usage = UsageWatch.of(exchanged, note, self._caps)
            if reshape is not None and reshape.collect is not None:
                note.stream = False  # the client gets one answer
                held = self._caps.held(reshape.held) if reshape.held else None
                body = self._deadlines.reading(answer.content, serving)
                whole = await collected(
                    exchanged, reshape, body, held, self._usage, note, self._reserve
                )
                finished = True  # the answer was read to its end
                await whole(scope, receive, send)
            else:
                finished = await self._relay(exchanged, send, reshape, serving)
        finally:
            if finished:
                answer.release()  # the connection goes back to the pool
                if self._usage is not None:
                    self._usage.finish()
            else:
                answer.close()  # the connection is dropped: upstream sees the cancel

    async def _relay(
        self,
        exchanged: Upstreamed,
        send: Send,
        reshape: Reshape | None,
        serving: asyncio.Task[None],
    ) -> bool:
        """Relay the answer, each SSE event mapped or rewritten piece by piece if `reshape` says
        so; return True when all of it went.

        A rewritten answer starts with the rewriter's first bytes: until then, a ProxyError of
        the rewriter's, or upstream failing, is raised for the app's error handler to answer.
        When upstream fails mid-response, an SSE stream that stopped between two events ends
        with an error event (clients raise it, as for OpenRouter's own mid-stream errors); any
        other answer, or one that its rewriter gives up on, is left incomplete, so that the
        server closes the connection and the client sees it cut, not a shorter body."""
        answer = exchanged.answer
        headers = relayed_headers(answer.raw_headers, exchanged.extra_headers, reshape is not None)
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
            with self._deadlines.reading(answer.content, serving) as reading:
                async for piece in reading.pieces:
                    if usage is not None:
                        usage.feed(piece)
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
                    more = not ended
                    await send({"type": "http.response.body", "body": piece, "more_body": more})
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
    """Return what becomes of a 2xx answer on its way, or None: it goes as it came."""
    answer = exchanged.answer
    if exchanged.reshaper is None or not 200 <= answer.status < 300:
        return None  # errors go back as upstream sent them (a 202 is a video job accepted)
    return exchanged.reshaper(answer.content_type)


def relayed_as_read(exchanged: Upstreamed, body: bytes) -> Response:
    """Return an answer of upstream's that the proxy has read whole (to look into it), as it
    came, with the proxy's headers."""
    answer = exchanged.answer
    kept = without_hop_by_hop(answer.raw_headers, frozenset({b"content-length"}))
    response = Response(body, answer.status)
    response.raw_headers = [*kept, (b"content-length", b"%d" % len(body)), *exchanged.extra_headers]
    return response
