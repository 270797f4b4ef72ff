"""What may become of a 200 answer before it reaches the client: collected whole into another
answer, or mapped event by event as it streams (see `app.upstream.relay`). Pure."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from app.errors import error_body


class Collector(Protocol):
    """Takes a whole answer, piece by piece, and makes the client's answer of it."""

    def feed(self, piece: bytes) -> None: ...

    def result(self) -> tuple[int, bytes]:
        """The status and body of the client's answer, once all pieces are in."""
        ...


class Mapped:
    """A Collector that applies a pure function to the whole body: 200 and what it returns, or
    a 502 when the body has another shape than the function expects."""

    def __init__(self, mapping: Callable[[bytes], bytes]) -> None:
        self._mapping = mapping
        self._pieces: list[bytes] = []

    def feed(self, piece: bytes) -> None:
        self._pieces.append(piece)

    def result(self) -> tuple[int, bytes]:
        body, self._pieces = b"".join(self._pieces), []
        try:
            return 200, self._mapping(body)
        # Any of these means an answer of another shape than the documented one.
        except (ValueError, LookupError, TypeError, AttributeError) as error:
            message = f"OpenRouter's answer could not be translated: {error}"
            return 502, error_body(message, "upstream_bad_answer", "upstream_error")


@dataclass(frozen=True)
class Reshape:
    """How a 200 answer changes before it reaches the client, as `content_type`: collected whole
    by a new `collect()`, whose result the client gets, or mapped event by event as it streams
    (`each_event`, an SSE event without its blank line -> what to send instead)."""

    content_type: bytes = b"application/json"
    collect: Callable[[], Collector] | None = None
    each_event: Callable[[bytes], bytes] | None = None
    prefix: bytes = b""  # sent before the answer as it streams (a WAV header before PCM)


# Picks the Reshape for a 200 answer by its content type (None: relay it as it came).
Reshaper = Callable[[str], Reshape | None]
