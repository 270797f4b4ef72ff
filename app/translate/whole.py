"""Answers taken whole: the collectors that make the client's answer once all of upstream's is
in (see `app.upstream.reshape`), and those that apply a pure function to it (pure).

A collector that cannot make the answer raises a `ProxyError` rather than return an error body:
the relay raises it on, before the answer starts, so that it is answered, in the shape of the
API the request came in by, in the one place that answers errors (`app.api.error_answers`)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import orjson

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
        with _translating():
            return self._mapping(body)


class Parsed:
    """A Collector of a JSON answer that applies a function to its parsed value: what it
    returns, or `UpstreamBadAnswer` (502) when the body is not JSON, or of another shape than
    the function expects. The body's bytes are let go once parsed, before the function runs:
    a big answer (megabytes of base64 images) is held as its value and what the function makes
    of it, not as its bytes besides. The function may take the value apart as it goes (the
    value is its own), to let go of each part once it has made its own of it."""

    def __init__(self, mapping: Callable[[Any], bytes]) -> None:
        # One buffer each piece is added to (and let go), rather than pieces joined at the end:
        # the body is never held twice, nor are freed pieces the size of it left in the heap
        # (tests/stress/test_image_memory.py: peaks of up to 3.7 bytes a byte, not 4.05).
        self._body = bytearray()
        self._mapping = mapping

    def feed(self, piece: bytes) -> None:
        self._body += piece

    def result(self) -> bytes:
        with _translating():
            # Taken and parsed in one expression: nothing keeps the bytes once parsed.
            return self._mapping(orjson.loads(self._taken()))

    def _taken(self) -> bytearray:
        body, self._body = self._body, bytearray()
        return body


@contextmanager
def _translating() -> Iterator[None]:
    """Turns the errors of a translation into `UpstreamBadAnswer`."""
    try:
        yield
    # Any of these means an answer of another shape than the documented one (orjson's
    # JSONDecodeError is a ValueError).
    except (ValueError, LookupError, TypeError, AttributeError) as error:
        message = f"OpenRouter's answer could not be translated: {error}"
        raise UpstreamBadAnswer(message) from None
