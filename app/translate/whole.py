"""Answers taken whole: the collectors that make the client's answer once all of upstream's is
in (see `app.upstream.reshape`), and the one that applies a pure function to it (pure).

A collector that cannot make the answer raises a `ProxyError` rather than return an error body:
the relay raises it on, before the answer starts, so that it is answered, in the shape of the
API the request came in by, in the one place that answers errors (`app.api.error_answers`)."""

from collections.abc import Callable
from typing import Protocol

from app.errors import UpstreamBadAnswer


class Collector(Protocol):
    """Takes a whole answer, piece by piece, and makes the client's answer of it."""

    def feed(self, piece: bytes) -> None: ...

    def result(self) -> bytes:
        """The body of the client's 200 answer, once all pieces are in; raises a `ProxyError`
        when there is none to make."""
        ...


class Whole:
    """A Collector that keeps every piece and answers for the whole body (`answer`)."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def feed(self, piece: bytes) -> None:
        self._pieces.append(piece)

    def result(self) -> bytes:
        body, self._pieces = b"".join(self._pieces), []
        return self.answer(body)

    def answer(self, body: bytes) -> bytes:
        """The client's answer to `body` (see `Collector.result`)."""
        raise NotImplementedError


class Mapped(Whole):
    """A Collector that applies a pure function to the whole body: what it returns, or
    `UpstreamBadAnswer` (502) when the body has another shape than the function expects."""

    def __init__(self, mapping: Callable[[bytes], bytes]) -> None:
        super().__init__()
        self._mapping = mapping

    def answer(self, body: bytes) -> bytes:
        try:
            return self._mapping(body)
        # Any of these means an answer of another shape than the documented one.
        except (ValueError, LookupError, TypeError, AttributeError) as error:
            message = f"OpenRouter's answer could not be translated: {error}"
            raise UpstreamBadAnswer(message) from None
