"""The upstream side: the pooled HTTP client, header filtering, error mapping, the relayed response.

This is the one module that knows the HTTP client library (aiohttp, chosen by measurement: see
bench/README.md); everything else calls `Upstream`.
"""

import asyncio
import functools
import logging
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, Self
from urllib.parse import unquote_to_bytes

import aiohttp
import anyio
import orjson
from multidict import CIMultiDict
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from yarl import URL

from app import observability, sse
from app.errors import ProxyError, error_response
from app.settings import Settings

logger = logging.getLogger(__name__)

Headers = list[tuple[bytes, bytes]]

# Meaningful for one connection only (RFC 9110 7.6.1), plus the ones the client recomputes.
HOP_BY_HOP = frozenset(
    b"connection keep-alive proxy-authenticate proxy-authorization proxy-connection te trailer "
    b"transfer-encoding upgrade".split()
)
RECOMPUTED_ON_REQUEST = frozenset({b"host", b"content-length"})
# aiohttp adds these unless told not to; the proxy sends only what the client sent.
NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


@dataclass(frozen=True)
class Reshape:
    """How to change a 200 answer before it reaches the client: `whole` maps the whole body (read
    into memory; a ValueError becomes a 502), `each_event` maps each SSE event of a stream as it
    completes. The answer goes out as `content_type`."""

    content_type: bytes
    whole: Callable[[bytes], bytes] | None = None
    each_event: Callable[[bytes], bytes] | None = None


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for upstream's answer to start, and then for each next piece of it."""

    first_byte: float
    idle: float


# Picks the Reshape for an answer by its content type (None: relay it as it came).
Reshaper = Callable[[str], Reshape | None]


class UpstreamError(Exception):
    """A catalog download that failed: unreachable, timed out, or not a 200."""


class Collector(Protocol):
    """Turns a streamed (SSE) answer into one answer for a client that did not ask to stream."""

    def feed(self, piece: bytes) -> None: ...

    def result(self) -> tuple[int, bytes]:
        """The status and JSON body of the answer, once the stream has ended."""
        ...


def without_hop_by_hop(headers: Iterable[tuple[bytes, bytes]], also: frozenset[bytes]) -> Headers:
    """`headers` less hop-by-hop ones, those the `Connection` header names, and `also`."""
    headers = list(headers)
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    drop = HOP_BY_HOP | also | named
    return [(name, value) for name, value in headers if name.lower() not in drop]


def egress_proxy(base_url: str) -> str | None:
    """The HTTP proxy that the environment (`HTTPS_PROXY`, `NO_PROXY`, ...) sets for the upstream
    URL, read once at start-up."""
    url = URL(base_url)
    if url.host is None or urllib.request.proxy_bypass(url.host):
        return None
    return urllib.request.getproxies().get(url.scheme)


def upstream_path(raw_path: bytes, prefix: bytes) -> bytes:
    """The part of a request path after `prefix`, still percent-encoded as the client sent it.

    Raises ProxyError for `.` and `..` segments (in any encoding): they would leave the API root.
    """
    rest = raw_path[len(prefix) :]
    if any(unquote_to_bytes(segment) in (b".", b"..") for segment in rest.split(b"/")):
        message = "The request path must not contain '.' or '..' segments"
        raise ProxyError(400, message, "invalid_path")
    return rest


class Upstream:
    """The pooled client of the app's life, fixed to the upstream API root of the settings: a
    request path or header can change the path under that root, never the host.

    Use as an async context manager: the connection pool is opened on entry, closed on exit.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.base = settings.openrouter_base_url
        self._session: aiohttp.ClientSession | None = None
        self._egress_proxy = egress_proxy(self.base)
        key = settings.openrouter_api_key
        self._server_auth = f"Bearer {key.get_secret_value()}" if key else None
        # Gateway mode: the client's key is the proxy's to check, never OpenRouter's to see.
        gateway = settings.proxy_api_keys or settings.proxy_api_keys_file
        # The request id replaces the client's X-Request-Id (see app.observability).
        not_forwarded = RECOMPUTED_ON_REQUEST | {observability.HEADER}
        self._not_forwarded = not_forwarded | {b"authorization"} if gateway else not_forwarded

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._settings.proxy_max_connections),
            # The first byte and the gaps after it have timeouts of their own (RelayResponse).
            timeout=aiohttp.ClientTimeout(
                sock_connect=self._settings.proxy_connect_timeout_seconds
            ),
            auto_decompress=False,  # bodies go back byte-for-byte, compressed or not
            skip_auto_headers=NO_AUTO_HEADERS,
            # trust_env would re-read the environment on every request: half the throughput.
            trust_env=False,
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None, "use Upstream as an async context manager"
        return self._session

    def request_headers(self, request: Request) -> Headers:
        """What goes upstream: the client's headers less hop-by-hop ones, with its
        `Authorization` (in gateway mode: not), or else the server's key."""
        headers = without_hop_by_hop(request.headers.raw, self._not_forwarded)
        if self._server_auth and all(name != b"authorization" for name, _ in headers):
            headers.append((b"authorization", self._server_auth.encode()))
        headers.append((observability.HEADER, request.state.note.request_id.encode()))
        return headers

    def forward(
        self,
        request: Request,
        path: bytes,
        content: bytes,
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
        reshaper: Reshaper | None = None,
        collector: Collector | None = None,
    ) -> Response:
        """A response that, when served, sends `content` to `{base}/{path}` with the request's
        method, query and headers, and relays the answer (see `RelayResponse`). With a
        `reshaper`, `content` is JSON that the proxy made, and the answer comes uncompressed, to
        be reshaped; with a `collector`, a 200 SSE answer is fed to it and the client gets its
        result instead."""
        query: bytes = request.scope["query_string"]
        target = f"{self.base}/{path.decode('latin-1')}"
        url = URL(f"{target}?{query.decode('latin-1')}" if query else target, encoded=True)
        headers = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in self.request_headers(request)
        )
        if reshaper is not None or collector is not None:
            headers.popall("Accept-Encoding", None)  # the proxy reads the answer: uncompressed
        if reshaper is not None:
            headers["Content-Type"] = "application/json"
        exchange = functools.partial(
            self.session.request,
            request.method,
            url,
            data=content,
            headers=headers,
            allow_redirects=False,
            proxy=self._egress_proxy,
        )
        timeouts = Timeouts(
            self._settings.proxy_first_byte_timeout_seconds,
            self._settings.proxy_read_timeout_seconds,
        )
        return RelayResponse(exchange, timeouts, list(extra_headers), reshaper, collector)

    async def download(self, url: URL) -> bytes:
        """The body of `GET url` with the server's key, within `proxy_catalog_timeout_seconds`,
        read in chunks that yield to the event loop in between (a megabyte already buffered
        would otherwise be read in one go). Raises UpstreamError."""
        headers = {"Authorization": self._server_auth} if self._server_auth else {}
        timeout = aiohttp.ClientTimeout(total=self._settings.proxy_catalog_timeout_seconds)
        chunks = []
        try:
            async with self.session.get(
                url,
                headers=headers,
                timeout=timeout,
                auto_decompress=True,
                proxy=self._egress_proxy,
            ) as response:
                if response.status != 200:
                    raise UpstreamError(f"GET {url} answered {response.status}")
                async for chunk in response.content.iter_any():
                    chunks.append(chunk)
                    await asyncio.sleep(0)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise UpstreamError(f"GET {url} failed: {type(error).__name__}") from None
        return b"".join(chunks)


def _failure_code(error: Exception) -> str:
    return "upstream_timeout" if isinstance(error, TimeoutError) else "upstream_unavailable"


def _unavailable(error: Exception, headers: Headers, mid_stream: bool = False) -> Response:
    """The 504 (timeout) or 502 (anything else) for an upstream that did not answer, or that
    broke off the stream (`mid_stream`) the proxy was reading to answer in one piece."""
    if mid_stream:
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


class RelayResponse(Response):
    """Sends a request upstream when served, and streams the answer back byte-for-byte, chunk
    by chunk as it arrives; 504 when upstream times out, 502 when it cannot be reached.

    With a `Collector`, a 200 SSE answer is read whole and the client gets the collector's
    answer instead, or a 502 (504) when upstream breaks the stream off.

    The whole exchange runs under a watch for the client's `http.disconnect`: a client that goes
    away, while upstream is still at work or mid-stream, cancels the upstream request at once
    (its connection is closed, so upstream sees it too).
    """

    def __init__(
        self,
        exchange: Callable[[], Awaitable[aiohttp.ClientResponse]],
        timeouts: Timeouts,
        extra_headers: Headers,
        reshaper: Reshaper | None = None,
        collector: Collector | None = None,
    ) -> None:
        self._exchange = exchange
        self._timeouts = timeouts
        self._extra_headers = extra_headers
        self._reshaper = reshaper
        self._collector = collector
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
            await self._serve(scope, receive, send)
            group.cancel_scope.cancel()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        note: observability.Note = scope["state"]["note"]
        sent_at = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeouts.first_byte):
                upstream = await self._exchange()
        except (TimeoutError, aiohttp.ClientError) as error:
            await _unavailable(error, self._extra_headers)(scope, receive, send)
            return
        note.upstream_seconds = time.perf_counter() - sent_at
        note.stream = upstream.content_type == "text/event-stream"
        finished = False
        reshape = self._reshape_for(upstream)
        try:
            if self._collector and note.stream and upstream.status == 200:
                note.stream = False  # the client gets one answer
                answer = await self._collect(upstream, self._collector, note)
                finished = not note.failure  # the stream was read to its end
                await answer(scope, receive, send)
            elif reshape is not None and reshape.whole is not None:
                finished = await self._relay_whole(upstream, reshape, scope, receive, send)
            else:
                finished = await self._relay(upstream, note, send, reshape)
        finally:
            if finished:
                upstream.release()  # the connection goes back to the pool
            else:
                upstream.close()  # the connection is dropped: upstream sees the cancel

    def _reshape_for(self, upstream: aiohttp.ClientResponse) -> Reshape | None:
        if self._reshaper is None or upstream.status != 200:
            return None  # errors go back as upstream sent them
        return self._reshaper(upstream.content_type)

    def _answer_headers(self, upstream: aiohttp.ClientResponse, reshape: Reshape | None) -> Headers:
        if reshape is None:
            return without_hop_by_hop(upstream.raw_headers, frozenset()) + self._extra_headers
        changed = frozenset({b"content-length", b"content-type", b"content-encoding"})
        headers = without_hop_by_hop(upstream.raw_headers, changed) + self._extra_headers
        return [*headers, (b"content-type", reshape.content_type)]

    async def _collect(
        self, upstream: aiohttp.ClientResponse, collector: Collector, note: observability.Note
    ) -> Response:
        """The collector's answer to the whole stream; 502 or 504 when upstream fails first."""
        try:
            async for chunk in _pieces(upstream, self._timeouts.idle):
                collector.feed(chunk)
        except (aiohttp.ClientError, TimeoutError) as error:
            note.failure = _failure_code(error)
            return _unavailable(error, self._extra_headers, mid_stream=True)
        status, body = collector.result()
        answer = Response(body, status, media_type="application/json")
        answer.raw_headers.extend(self._extra_headers)
        return answer

    async def _relay(
        self,
        upstream: aiohttp.ClientResponse,
        note: observability.Note,
        send: Send,
        reshape: Reshape | None,
    ) -> bool:
        """Relay the answer (each SSE event mapped, if `reshape` says so); True when all of it
        went. When upstream fails mid-response, an SSE stream that stopped between two events
        ends with an error event (clients raise it, as for OpenRouter's own mid-stream errors);
        any other answer is left incomplete, so that the server closes the connection and the
        client sees it cut, not a shorter body."""
        start = {"type": "http.response.start", "status": upstream.status}
        await send({**start, "headers": self._answer_headers(upstream, reshape)})
        events = sse.EventSplitter() if reshape and reshape.each_event else None
        last = b"\n\n"
        try:
            async for chunk in _pieces(upstream, self._timeouts.idle):
                if events is not None and reshape and reshape.each_event:
                    chunk = b"".join(map(reshape.each_event, events.feed(chunk)))
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                last = chunk or last
        except (aiohttp.ClientError, TimeoutError) as error:
            note.failure = _failure_code(error)
            logger.warning("upstream failed mid-response: %s", type(error).__name__)
            if note.stream and last.endswith((b"\n\n", b"\r\n\r\n")):
                await send({"type": "http.response.body", "body": _sse_error(error)})
            return False
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return True

    async def _relay_whole(
        self,
        upstream: aiohttp.ClientResponse,
        reshape: Reshape,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> bool:
        """Read the whole answer, map it, and send the result; 502 if it cannot be mapped."""
        assert reshape.whole is not None
        try:
            pieces = [piece async for piece in _pieces(upstream, self._timeouts.idle)]
            body = reshape.whole(b"".join(pieces))
        except (aiohttp.ClientError, TimeoutError) as error:
            await _unavailable(error, self._extra_headers)(scope, receive, send)
            return False
        # Any of these means an answer of another shape than the documented one.
        except (ValueError, LookupError, TypeError, AttributeError) as error:
            message = f"OpenRouter's answer could not be translated: {error}"
            failed = error_response(502, message, "upstream_bad_answer", "upstream_error")
            failed.raw_headers.extend(self._extra_headers)
            await failed(scope, receive, send)
            return True
        headers = [*self._answer_headers(upstream, reshape), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return True


async def _pieces(upstream: aiohttp.ClientResponse, idle: float) -> AsyncIterator[bytes]:
    """The answer's body as it arrives; TimeoutError when nothing comes for `idle` seconds."""
    while True:
        async with asyncio.timeout(idle):
            piece = await upstream.content.readany()
        if not piece:
            return
        yield piece


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
