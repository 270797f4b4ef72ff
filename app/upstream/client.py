"""Send requests and downloads upstream on a pooled HTTP client fixed to one host.

The HTTP client library (aiohttp, chosen by measurement: see bench/README.md) is known here and
in `app.upstream.session` (the pool it sends on), `failures` (which of its errors mean upstream
failed) and `traced` (a call's span) only; everything else sees `Upstream` through
`app.upstream.interface`.
"""

import asyncio
import re
from collections.abc import AsyncIterable, Awaitable
from types import TracebackType
from typing import Self
from urllib.parse import unquote_to_bytes

import aiohttp
from multidict import CIMultiDict
from yarl import URL

from app.errors import AnswerTooLarge, ClientError, UpstreamUnavailable
from app.ops import observe
from app.settings import Settings
from app.upstream import sent_body, traced
from app.upstream.headers import RECOMPUTED_ON_REQUEST, without_hop_by_hop
from app.upstream.interface import Answer, Incoming
from app.upstream.session import egress_proxy, open_session


def upstream_path(raw_path: bytes, prefix: bytes) -> bytes:
    """Return the part of a request path after `prefix`, percent-encoded as the client sent it.

    Raise ClientError for `.` and `..` segments (in any encoding, between slashes or
    backslashes): they would leave the API root.
    """
    rest = raw_path[len(prefix) :]
    # Decoded first, then split at slashes and backslashes: `..%2f` and `..%5c` are dot
    # segments too.
    segments = re.split(rb"[/\\]", unquote_to_bytes(rest))
    if any(segment in (b".", b"..") for segment in segments):
        message = "The request path must not contain '.' or '..' segments"
        raise ClientError(message, "invalid_path")
    return rest


async def read_error(answer: Answer, limit: int) -> bytes:
    """Return the whole body of an error answer that the proxy must look into.

    Raise AnswerTooLarge (502) when it is longer than `limit` bytes (OpenRouter's errors are a
    few hundred)."""
    chunks, size = [], 0
    async for chunk in answer.content.iter_any():
        size += len(chunk)
        if size > limit:
            answer.close()
            raise AnswerTooLarge(f"a {answer.status} answer", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _header_value(value: bytes) -> str:
    """Return a header value as aiohttp takes it: it writes values as UTF-8.

    Only UTF-8 goes through byte-for-byte: raise ClientError (400) for anything else, rather
    than re-encode it."""
    try:
        return value.decode()
    except UnicodeDecodeError:
        message = "Header values must be ASCII or UTF-8"
        raise ClientError(message, "invalid_header") from None


class Upstream:
    """Send requests upstream, to the API root of the settings and no other.

    A request path or header can change the path under that root, never the host.

    Use as an async context manager: the connection pool is opened on entry, closed on exit.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.base = settings.openrouter_base_url
        self._session: aiohttp.ClientSession | None = None
        self._egress_proxy = egress_proxy(self.base)
        key = settings.openrouter_api_key
        self._server_auth = f"Bearer {key.get_secret_value()}" if key else None
        # The request id replaces the client's X-Request-Id (see app.ops.metrics).
        # Expect: 100-continue was the proxy's to answer (it read the body): upstream would wait.
        not_forwarded = RECOMPUTED_ON_REQUEST | {observe.HEADER, b"expect"}
        # Gateway mode: the client's credentials are the proxy's to check, none goes upstream.
        gateway_only = {b"authorization", b"cookie", b"x-api-key"}
        self._not_forwarded = not_forwarded | gateway_only if settings.gateway else not_forwarded

    async def __aenter__(self) -> Self:
        self._session = open_session(self._settings)
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
        """Return the open session (`app.upstream.session`)."""
        assert self._session is not None, "use Upstream as an async context manager"
        return self._session

    def send(
        self,
        incoming: Incoming,
        path: bytes,
        content: sent_body.Content | AsyncIterable[bytes],
        proxy_made: bool = False,
        content_type: str = "application/json",
        length: int | None = None,
    ) -> Awaitable[aiohttp.ClientResponse]:
        """Send `content` to `{base}/{path}`; return the awaitable of upstream's answer.

        The request has the client's method, query and headers (less hop-by-hop ones; its
        `Authorization`, or else the server's key; in gateway mode always the server's), and the
        request id. `content` is bytes, the pieces of an edited body
        (sent one after the other, see `sent_body`), or chunks sent as they come, `length` bytes
        in all. With `proxy_made`, `content` is a body of `content_type` that the proxy made,
        and the answer is asked for uncompressed, for the proxy to read. With tracing on
        (`incoming.trace`), the call is a client span of its own (`app.upstream.traced`)."""
        target = f"{self.base}/{path.decode('latin-1')}"
        query = incoming.query
        url = URL(f"{target}?{query.decode('latin-1')}" if query else target, encoded=True)
        headers = CIMultiDict(
            (name.decode("latin-1"), _header_value(value))
            for name, value in without_hop_by_hop(incoming.headers, self._not_forwarded)
        )
        if self._server_auth and "authorization" not in headers:
            headers["authorization"] = self._server_auth
        headers[observe.HEADER.decode()] = incoming.request_id
        if proxy_made:
            headers.popall("Accept-Encoding", None)
            headers["Content-Type"] = content_type
        trace = incoming.trace
        if trace is not None:
            body_field = self._settings.proxy_trace_body_field
            content = traced.call_started(trace, headers, content, body_field)
        data: bytes | AsyncIterable[bytes | memoryview]
        if isinstance(content, AsyncIterable):
            data = content
        else:
            data, size = sent_body.for_aiohttp(content)
            length = length if isinstance(data, bytes) else size  # pieces: not chunked
        if length is not None:
            headers["Content-Length"] = str(length)
        sent = self.session.request(
            incoming.method,
            url,
            data=data,
            headers=headers,
            allow_redirects=False,
            proxy=self._egress_proxy,
        )
        return sent if trace is None else traced.answered(sent, trace)

    async def download(self, url: URL) -> bytes:
        """Return the body of `GET url`, sent with the server's key.

        Read within `proxy_catalog_timeout_seconds` and `proxy_max_catalog_bytes`, in chunks
        that yield to the event loop in between (a megabyte already buffered would otherwise be
        read in one go). Redirects are not followed: the key goes to the upstream host only.
        Raise UpstreamUnavailable when it fails or is over either."""
        headers = {"Authorization": self._server_auth} if self._server_auth else {}
        timeout = aiohttp.ClientTimeout(total=self._settings.proxy_catalog_timeout_seconds)
        chunks = []
        try:
            async with self.session.get(
                url,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                auto_decompress=True,
                proxy=self._egress_proxy,
            ) as response:
                if response.status != 200:
                    raise UpstreamUnavailable(f"GET {url} answered {response.status}")
                size, limit = 0, self._settings.proxy_max_catalog_bytes
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                    if size > limit:  # counted after decompression
                        message = f"GET {url} answered more than {limit:,} bytes"
                        raise UpstreamUnavailable(message)
                    chunks.append(chunk)
                    await asyncio.sleep(0)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise UpstreamUnavailable(f"GET {url} failed: {type(error).__name__}") from None
        return b"".join(chunks)
