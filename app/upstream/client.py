"""The pooled HTTP client, fixed to one host: it sends requests and downloads, nothing more.

With `app.upstream.failures` (which of its errors mean upstream failed), the only module that
knows the HTTP client library (aiohttp, chosen by measurement: see bench/README.md); everything
else sees `Upstream` through `app.upstream.interface`.
"""

import asyncio
import logging
import re
import urllib.request
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
from app.upstream.timeouts import Timeouts

logger = logging.getLogger(__name__)

# aiohttp adds these unless told not to; the proxy sends only what the client sent.
NO_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")


def egress_proxy(base_url: str) -> str | None:
    """The HTTP proxy that the environment (`HTTPS_PROXY`, `NO_PROXY`, ...) sets for the upstream
    URL, read once at start-up."""
    url = URL(base_url)
    if url.host is None or urllib.request.proxy_bypass(url.host):
        return None
    return urllib.request.getproxies().get(url.scheme)


def upstream_path(raw_path: bytes, prefix: bytes) -> bytes:
    """The part of a request path after `prefix`, still percent-encoded as the client sent it.

    Raises ClientError for `.` and `..` segments (in any encoding, between slashes or
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
    """The whole body of an error answer that the proxy must look into; AnswerTooLarge (502)
    when it is longer than `limit` bytes (OpenRouter's errors are a few hundred)."""
    chunks, size = [], 0
    async for chunk in answer.content.iter_any():
        size += len(chunk)
        if size > limit:
            answer.close()
            raise AnswerTooLarge(f"a {answer.status} answer", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _header_value(value: bytes) -> str:
    """A header value as aiohttp takes it: it writes values as UTF-8, so only UTF-8 goes
    through byte-for-byte; anything else is refused (400) rather than re-encoded."""
    try:
        return value.decode()
    except UnicodeDecodeError:
        message = "Header values must be ASCII or UTF-8"
        raise ClientError(message, "invalid_header") from None


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
        gateway = settings.gateway
        # The request id replaces the client's X-Request-Id (see app.ops.metrics).
        # Expect: 100-continue was the proxy's to answer (it read the body): upstream would wait.
        not_forwarded = RECOMPUTED_ON_REQUEST | {observe.HEADER, b"expect"}
        # Gateway mode: the client's credentials are the proxy's to check, none goes upstream.
        gateway_only = {b"authorization", b"cookie", b"x-api-key"}
        self._not_forwarded = not_forwarded | gateway_only if gateway else not_forwarded
        # aiohttp's own read timeout watches the gaps when the relay does not (see Timeouts).
        watched = Timeouts.of(settings).idle is None
        self._native_read_timeout = settings.proxy_read_timeout_seconds if watched else None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._settings.proxy_max_connections),
            timeout=aiohttp.ClientTimeout(
                sock_connect=self._settings.proxy_connect_timeout_seconds,
                sock_read=self._native_read_timeout,
            ),
            auto_decompress=False,  # bodies go back byte-for-byte, compressed or not
            # One session serves every client: a cookie upstream sets (Cloudflare's `__cf_bm`)
            # is relayed to its client, never kept and sent upstream for the next one.
            cookie_jar=aiohttp.DummyCookieJar(),
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

    def send(
        self,
        incoming: Incoming,
        path: bytes,
        content: sent_body.Content | AsyncIterable[bytes],
        proxy_made: bool = False,
        content_type: str = "application/json",
        length: int | None = None,
    ) -> Awaitable[aiohttp.ClientResponse]:
        """Send `content` to `{base}/{path}` with the client's method, query and headers (less
        hop-by-hop ones; its `Authorization`, or else the server's key; in gateway mode always
        the server's), and the request id. `content` is bytes, the pieces of an edited body
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
        """The body of `GET url` with the server's key, within `proxy_catalog_timeout_seconds`
        and `proxy_max_catalog_bytes`, read in chunks that yield to the event loop in between (a
        megabyte already buffered would otherwise be read in one go). Redirects are not
        followed: the key goes to the upstream host only. Raises UpstreamUnavailable."""
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
