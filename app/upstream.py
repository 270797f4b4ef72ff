"""The upstream side: the pooled client, header filtering, error mapping, the relayed response."""

import logging
from collections.abc import Iterable, Sequence
from urllib.parse import unquote_to_bytes

import anyio
import httpx2
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

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


def create_client(
    settings: Settings, transport: httpx2.AsyncBaseTransport | None = None
) -> httpx2.AsyncClient:
    """The one pooled client of the app's life. Redirects are not followed: they go back as is."""
    timeout = httpx2.Timeout(
        settings.proxy_read_timeout_seconds, connect=settings.proxy_connect_timeout_seconds
    )
    limits = httpx2.Limits(
        max_connections=settings.proxy_max_connections,
        max_keepalive_connections=settings.proxy_max_connections,
    )
    return httpx2.AsyncClient(timeout=timeout, limits=limits, transport=transport)


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


def request_headers(request: Request, settings: Settings) -> Headers:
    """What goes upstream: the client's headers, its `Authorization` as it is, or the server's
    key when the client sent none."""
    headers = without_hop_by_hop(request.headers.raw, RECOMPUTED_ON_REQUEST)
    key = settings.openrouter_api_key
    if key is not None and "authorization" not in request.headers:
        headers.append((b"authorization", b"Bearer " + key.get_secret_value().encode()))
    return headers


def upstream_path(raw_path: bytes, prefix: bytes) -> bytes:
    """The part of a request path after `prefix`, still percent-encoded as the client sent it.

    Raises ProxyError for `.` and `..` segments (in any encoding): they would leave the API root.
    """
    rest = raw_path[len(prefix) :]
    if any(unquote_to_bytes(segment) in (b".", b"..") for segment in rest.split(b"/")):
        raise ProxyError(
            400, "The request path must not contain '.' or '..' segments", "invalid_path"
        )
    return rest


class Upstream:
    """Forwards requests to the upstream API root fixed by settings: a path or header can change
    the path under that root, never the host."""

    def __init__(self, client: httpx2.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._settings = settings
        self._base = httpx2.URL(settings.openrouter_base_url)

    async def forward(
        self,
        request: Request,
        path: bytes,
        content: bytes,
        extra_headers: Sequence[tuple[bytes, bytes]] = (),
    ) -> Response:
        """Send `content` to `{base}/{path}` with the request's method, query and headers, and
        relay the answer as it comes. Unreachable upstream: 502; timeout: 504."""
        query = request.scope["query_string"]
        raw_path = self._base.raw_path.rstrip(b"/") + b"/" + path + (b"?" + query if query else b"")
        outgoing = httpx2.Request(
            request.method,
            self._base.copy_with(raw_path=raw_path),
            headers=request_headers(request, self._settings),
            content=content,
        )
        try:
            response = await self._client.send(outgoing, stream=True)
        except httpx2.TimeoutException:
            return _unavailable(
                504, "OpenRouter did not answer in time", "upstream_timeout", extra_headers
            )
        except httpx2.TransportError as error:
            message = f"OpenRouter could not be reached ({type(error).__name__})"
            return _unavailable(502, message, "upstream_unavailable", extra_headers)
        headers = without_hop_by_hop(response.headers.raw, frozenset())
        return RelayResponse(response, headers + list(extra_headers))


def _unavailable(
    status: int, message: str, code: str, headers: Sequence[tuple[bytes, bytes]]
) -> Response:
    response = error_response(status, f"{message}; try again later", code, "upstream_error")
    response.raw_headers.extend(headers)
    return response


class RelayResponse(Response):
    """Streams an upstream response to the client byte-for-byte, chunk by chunk as it arrives.

    It owns the upstream response and closes it when done, when relaying fails, and at once when
    the client disconnects (noticed by listening for `http.disconnect`, not at the next write).
    """

    def __init__(self, upstream: httpx2.Response, headers: Headers) -> None:
        self.upstream = upstream
        self.status_code = upstream.status_code
        self.raw_headers = headers
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:
                group.start_soon(_cancel_on_disconnect, receive, group.cancel_scope)
                await self._relay(send)
                group.cancel_scope.cancel()
        finally:
            with anyio.CancelScope(shield=True):
                await self.upstream.aclose()

    async def _relay(self, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        try:
            async for chunk in self.upstream.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except httpx2.HTTPError as error:
            logger.warning("upstream failed mid-response: %s", type(error).__name__)
            raise
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _cancel_on_disconnect(receive: Receive, scope: anyio.CancelScope) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    scope.cancel()
