"""Answers taken whole: the collectors that make the client's answer once all of upstream's is
in (see `app.upstream.reshape`), and the one that applies a pure function to it (pure)."""

from collections.abc import Callable
from typing import Protocol

from app.errors import error_body


class Collector(Protocol):
    """Takes a whole answer, piece by piece, and makes the client's answer of it."""

    def feed(self, piece: bytes) -> None: ...

    def result(self) -> tuple[int, bytes]:
        """The status and body of the client's answer, once all pieces are in."""
        ...


class Whole:
    """A Collector that keeps every piece and answers for the whole body (`answer`)."""

    def __init__(self) -> None:
        self._pieces: list[bytes] = []

    def feed(self, piece: bytes) -> None:
        self._pieces.append(piece)

    def result(self) -> tuple[int, bytes]:
        body, self._pieces = b"".join(self._pieces), []
        return self.answer(body)

    def answer(self, body: bytes) -> tuple[int, bytes]:
        """The status and body of the client's answer to `body`."""
        raise NotImplementedError


class Mapped(Whole):
    """A Collector that applies a pure function to the whole body: 200 and what it returns, or
    a 502 when the body has another shape than the function expects."""

    def __init__(self, mapping: Callable[[bytes], bytes]) -> None:
        super().__init__()
        self._mapping = mapping

    def answer(self, body: bytes) -> tuple[int, bytes]:
        try:
            return 200, self._mapping(body)
        # Any of these means an answer of another shape than the documented one.
        except (ValueError, LookupError, TypeError, AttributeError) as error:
            message = f"OpenRouter's answer could not be translated: {error}"
            return 502, error_body(message, "upstream_bad_answer", "upstream_error")
