"""Keep the last bytes of an answer as they pass, to read its usage from once it has ended (pure).

OpenRouter puts `usage` at the end of an answer: last in a whole JSON answer, in its own chunk after
the finish chunk of a chat stream (with `finish_reason` null, `"stop"` again, or `"choices": []`),
in the `response.completed` event of a Responses stream, in each `image_generation.completed`
event of an image stream (docs/openrouter.md, "What real answers look like"). So `UsageReader`
keeps only the references to the last pieces of the answer that make up its last `window` bytes
(pieces the client has already been sent; up to twice that, let go of in batches), and reads them
once the answer has ended (`app.translate.usage_parse`): nothing is parsed or copied while it
passes, whatever its length. A usage not within the last `window` bytes of an answer longer than
that is `too_large`; an answer without one is `missing`, never guessed.

A compressed answer (`Content-Encoding: gzip` or `deflate`, as OpenRouter sends whole chat answers
to a client that accepts it) is inflated on the side as it passes, its output windowed the same
way, up to `INFLATED_WINDOWS` windows of output (a bomb costs no more); past that, or in another
encoding, its usage is `too_large`.
"""

import zlib
from collections import deque
from collections.abc import Iterator
from typing import Final

from app.ops.usage import AnswerFacts
from app.translate.usage_parse import facts_of

# What a reader holds at most, in windows, beyond the piece being relayed: the memory a request
# to a route with usage reserves (app.api.routes).
HELD_WINDOWS: Final = 2
INFLATED_WINDOWS: Final = 512  # of output inflated at most: 8 MiB with the default window
INFLATED: Final = frozenset({"gzip", "x-gzip", "deflate"})


def reader_for(
    stream: bool, window: int, encoding: str = "", usage_only: bool = False
) -> "UsageReader":
    """Return the reader of one 200 answer sent with `encoding` (its Content-Encoding): read as it
    comes, inflated on the side, or (in another encoding) not read at all: `too_large`."""
    if not encoding:
        return UsageReader(stream, window, usage_only)
    reader = InflatingReader(stream, window, usage_only)
    if encoding.lower() not in INFLATED:
        reader.give_up()
    return reader


class UsageReader:
    """Keep the last `window` bytes of one 200 answer (`stream`: SSE, else one JSON document),
    fed each piece as it is relayed; `finish` reads them (see the module's docstring), the
    usage alone when `usage_only`."""

    def __init__(self, stream: bool, window: int, usage_only: bool = False) -> None:
        self._stream = stream
        self._usage_only = usage_only  # see `usage_parse.facts_of`
        self._window = window
        self._last: deque[bytes] = deque()  # the last pieces, `_held` bytes in all
        self._held = 0
        self._partial = False  # `_last` is not all of the answer: pieces before it were let go
        self._first_data = not stream  # a stream's first data event is still to come
        self._seam = b""  # the end of the last piece, until then: `data:` cut between two

    def feed(self, piece: bytes) -> bool:
        """Keep `piece` in the window; return True when it holds a stream's first data event (its
        first token: a keep-alive comment is none)."""
        self._last.append(piece)
        self._held += len(piece)
        if self._held >= HELD_WINDOWS * self._window:  # let go now and then, not each time
            self._let_go()
        if self._first_data:
            return False
        seen = self._seam + piece  # copied only until the stream's first data: a few pieces
        self._seam = seen[-4:]
        self._first_data = b"data:" in seen
        return self._first_data

    def _let_go(self) -> None:
        """Drop the oldest pieces that the last `window` bytes do not need."""
        last = self._last
        while self._held - len(last[0]) >= self._window:
            self._held -= len(last.popleft())
            self._partial = True

    def finish(self) -> AnswerFacts:
        """Return what the answer, ended, says of itself (`app.translate.usage_parse`)."""
        text = b"".join(self._last)
        self._last.clear()
        return facts_of(text, self._stream, not self._partial, self._usage_only)


class InflatingReader(UsageReader):
    """The reader of a compressed answer: each piece inflated on the side, a window at a time,
    and its output kept as `UsageReader` keeps pieces, up to `INFLATED_WINDOWS` windows of
    output in all; past that, or when it cannot be inflated, nothing more is kept."""

    def __init__(self, stream: bool, window: int, usage_only: bool = False) -> None:
        super().__init__(stream, window, usage_only)
        # 32 + 15: a zlib or a gzip header, told apart by the stream's first bytes
        self._inflate: zlib._Decompress | None = zlib.decompressobj(47)
        self._inflate_left = window * INFLATED_WINDOWS

    def feed(self, piece: bytes) -> bool:
        first = False
        for inflated in self._inflated(piece):
            first = super().feed(inflated) or first
        return first

    def give_up(self) -> None:
        """Keep nothing more: the answer's usage is `too_large`."""
        self._inflate = None

    def finish(self) -> AnswerFacts:
        if self._inflate is None:  # what it kept is not the answer's end: an earlier usage
            self._last.clear()  # of an image stream, say, would be read for the last one
            return AnswerFacts(usage_state="too_large")
        return super().finish()

    def _inflated(self, piece: bytes) -> Iterator[bytes]:
        """Yield `piece` inflated a window at a time, within what may be inflated in all.

        A window at a time, so that a small piece of a bomb never becomes more than a window in
        memory at once; nothing more once it cannot be inflated (see the module)."""
        data = piece
        while data and self._inflate is not None:
            try:
                out = self._inflate.decompress(data, min(self._window, self._inflate_left))
            except zlib.error:
                self.give_up()
                return
            self._inflate_left -= len(out)
            data = self._inflate.unconsumed_tail
            if self._inflate_left <= 0 and data:
                self.give_up()  # more than it may inflate
                return
            yield out
