"""Server-sent events, split out of a byte stream that arrives in arbitrary pieces."""

from collections.abc import Iterable, Iterator

import orjson

from app.errors import AnswerTooLarge


class EventSplitter:
    """Splits a byte stream fed in chunks into its events, keeping an unfinished one until the rest.

    An event is the bytes before a blank line, without it. Lines end in `\n` or `\r\n`
    (OpenRouter and OpenAI send `\n`); a lone `\r` is not taken as a line end. An event longer
    than `limit` bytes raises AnswerTooLarge as soon as that many of it are in (None: no bound of
    its own, for a stream bounded as a whole), so that it holds about `limit` bytes, and a chunk,
    at most.
    """

    def __init__(self, limit: int | None = None) -> None:
        self._pieces: list[bytes] = []  # of the unfinished event: joined once it is complete
        self._size = 0  # of those pieces
        self._tail = b""  # the last 3 bytes seen, for a separator split between two chunks
        self._limit = limit

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """Yield each event that `chunk` completes."""
        seen = self._tail + chunk
        self._tail = seen[-3:]
        self._pieces.append(chunk)
        self._size += len(chunk)
        if b"\n\n" not in seen and b"\n\r\n" not in seen:
            self._bound(self._size)
            return  # a multi-megabyte event in many chunks is joined once, not once a chunk
        text, self._pieces = b"".join(self._pieces), []
        if b"\r" in text:  # rare: the copy is not worth making for every event
            text = text.replace(b"\r\n", b"\n")
        *events, rest = text.split(b"\n\n")
        del text  # the events are copies: it would double what is held while they go
        self._bound(max(map(len, [*events, rest])))
        self._pieces, self._size = ([rest] if rest else []), len(rest)
        yield from (event for event in events if event)

    def _bound(self, size: int) -> None:
        if self._limit is not None and size > self._limit:
            self._pieces, self._size = [], 0
            raise AnswerTooLarge("an SSE event", self._limit)

    def finish(self) -> Iterator[bytes]:
        """Yield the last event, when the stream ended without the blank line that closes it."""
        rest, self._pieces = b"".join(self._pieces).replace(b"\r\n", b"\n").strip(b"\n"), []
        self._size = 0
        if rest:
            yield rest


def data_of(event: bytes) -> bytes | None:
    """Return the `data:` of one event (its lines joined by newlines), or None if it has none."""
    lines = [line[5:].removeprefix(b" ") for line in event.split(b"\n") if line[:5] == b"data:"]
    return b"\n".join(lines) if lines else None


def stream_of(payloads: Iterable[object]) -> bytes:
    """Return a whole stream: one `data:` event holding each of `payloads` as JSON, then `[DONE]`.

    Joined once: an event of megabytes (a base64 image) is written, then copied once, not once
    more for each piece of its frame."""
    parts: list[bytes] = []
    for payload in payloads:
        parts += (b"data: ", orjson.dumps(payload), b"\n\n")
    parts.append(DONE)
    return b"".join(parts)


DONE = b"data: [DONE]\n\n"
