"""What the rest of the proxy needs of upstream, as types: the seam where tests put a fake.

`Upstream` (`app.upstream.client`, over aiohttp) is the real one; `Answer` is what aiohttp's
response offers that the relay reads. Nothing here does I/O.
"""

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from yarl import URL

from app.upstream.headers import Headers
from app.upstream.reshape import Reshaper
from app.upstream.sent_body import Content

if TYPE_CHECKING:  # the OpenTelemetry SDK is imported only when tracing is on
    from app.ops.spans import RequestTrace


@dataclass(frozen=True, slots=True)
class Incoming:
    """What a call upstream takes of the client's request: its method, query string and headers
    (all of them: the client drops what does not cross), the proxy's id for it, and its spans
    (None: tracing is off)."""

    method: str
    query: bytes
    headers: Sequence[tuple[bytes, bytes]]
    request_id: str
    trace: "RequestTrace | None" = None


class Body(Protocol):
    """An answer's body as it arrives; `total_bytes` counts what has been received of it."""

    total_bytes: int

    def iter_any(self) -> AsyncIterator[bytes]:
        """Each piece as it comes, until the end."""
        ...

    async def readany(self) -> bytes:
        """The next piece; b"" at the end."""
        ...

    def at_eof(self) -> bool:
        """Whether the whole body has been read: nothing is left, and nothing more will come."""
        ...


class Answer(Protocol):
    """Upstream's response, its body not read yet. `release` returns the connection to the pool
    (the body was read to its end); `close` drops it (upstream sees the request cancelled)."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def raw_headers(self) -> Sequence[tuple[bytes, bytes]]: ...
    @property
    def content_type(self) -> str: ...
    @property
    def content_length(self) -> int | None: ...
    @property
    def content(self) -> Body: ...
    async def read(self) -> bytes: ...
    def release(self) -> object: ...
    def close(self) -> None: ...


class UpstreamApi(Protocol):
    """The upstream API root (`base`), fixed for the app's life."""

    @property
    def base(self) -> str: ...

    def send(
        self,
        incoming: Incoming,
        path: bytes,
        content: Content | AsyncIterable[bytes],
        proxy_made: bool = False,
        content_type: str = "application/json",
        length: int | None = None,
    ) -> Awaitable[Answer]:
        """Send `content` (bytes, the pieces of an edited body in order, or chunks) to
        `{base}/{path}` as the client's request says (see `Incoming`); with
        `proxy_made`, `content` is a body of `content_type` the proxy made (chunks, `length`
        bytes in all) and the answer is asked uncompressed. Raises aiohttp.ClientError or
        TimeoutError when upstream cannot be reached."""
        ...

    async def download(self, url: URL) -> bytes:
        """The body of `GET url` with the server's key; UpstreamUnavailable otherwise."""
        ...


@dataclass(frozen=True, slots=True)
class Upstreamed:
    """Upstream's answer to relay, with the proxy's headers for the client and how to reshape
    it; `read` is its body when the proxy has read it whole (to look into an error), sent on as
    it came."""

    answer: Answer
    extra_headers: Headers
    reshaper: Reshaper | None = None
    read: bytes | None = None


# Sends the request (or requests: a retry happens here, before any byte reaches the client) and
# gives upstream's answer to relay; raises ProxyError for an answer the proxy makes instead.
Run = Callable[[], Awaitable[Upstreamed]]
# Hold so many more bytes of the request's memory budget (`Reservations.memory`); Busy (503) when
# they do not come in time.
Reserve = Callable[[float], Awaitable[int]]
