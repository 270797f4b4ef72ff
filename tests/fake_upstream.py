"""An in-process upstream (`app.upstream.interface.UpstreamApi`) for unit tests: canned answers
in order, every call recorded, nothing on the network."""

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from multidict import CIMultiDict
from yarl import URL

from app.errors import UpstreamUnavailable
from app.upstream.interface import Incoming
from app.upstream.sent_body import Content

Piece = bytes | BaseException  # a piece of a body, or what reading it raises


class FakeBody:
    """A body that gives `pieces` in turn, raising any exception among them when reached. They
    are drawn one ahead as they are read: a generator makes a large body without holding it."""

    def __init__(self, pieces: Iterable[Piece]) -> None:
        self._pieces = iter(pieces)
        self._next = next(self._pieces, None)
        self.total_bytes = 0

    async def iter_any(self) -> AsyncIterator[bytes]:
        while piece := await self.readany():
            yield piece

    async def readany(self) -> bytes:
        piece, self._next = self._next, next(self._pieces, None)
        if isinstance(piece, BaseException):
            raise piece
        self.total_bytes += len(piece or b"")
        return piece or b""

    def at_eof(self) -> bool:
        return self._next is None


class FakeAnswer:
    """One answer of upstream's; `released` and `closed` say what became of its connection."""

    def __init__(
        self,
        status: int = 200,
        body: bytes | Iterable[Piece] = b"{}",
        content_type: str = "application/json",
        headers: Iterable[tuple[bytes, bytes]] = (),
    ) -> None:
        self.status = status
        self.raw_headers = [(b"content-type", content_type.encode()), *headers]
        self.headers = CIMultiDict((k.decode(), v.decode()) for k, v in self.raw_headers)
        self.content_type = content_type
        self.content = FakeBody([body] if isinstance(body, bytes) else body)
        self.content_length = len(body) if isinstance(body, bytes) else None
        self.released = self.closed = False

    async def read(self) -> bytes:
        return b"".join([piece async for piece in self.content.iter_any()])

    def release(self) -> None:
        self.released = True

    def close(self) -> None:
        self.closed = True


def json_answer(status: int, document: object) -> FakeAnswer:
    return FakeAnswer(status, orjson.dumps(document))


@dataclass(frozen=True)
class Sent:
    """One call of `FakeUpstream.send`."""

    incoming: Incoming
    path: bytes
    content: bytes
    proxy_made: bool

    @property
    def payload(self) -> Any:
        return orjson.loads(self.content)


class FakeUpstream:
    """`send` gives `answers` in order (raising those that are exceptions) and records each call
    in `sent`; `download` serves `downloads` by path and query (`/api/v1/...`), else fails as an
    upstream that answered 404 does."""

    base = "http://upstream.test/api/v1"

    def __init__(self, *answers: FakeAnswer | BaseException, downloads: dict[str, bytes]) -> None:
        self.answers = list(answers)
        self.sent: list[Sent] = []
        self.downloads = downloads

    async def send(
        self,
        incoming: Incoming,
        path: bytes,
        content: Content | AsyncIterable[bytes],
        proxy_made: bool = False,
        content_type: str = "application/json",
        length: int | None = None,
    ) -> FakeAnswer:
        if isinstance(content, AsyncIterable):
            sent = b"".join([chunk async for chunk in content])
        else:
            sent = b"".join(content) if not isinstance(content, bytes) else content
        self.sent.append(Sent(incoming, path, sent, proxy_made))
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def download(self, url: URL) -> bytes:
        body = self.downloads.get(url.path_qs) or self.downloads.get(url.path)
        if body is None:
            raise UpstreamUnavailable(f"GET {url} answered 404")
        return body
