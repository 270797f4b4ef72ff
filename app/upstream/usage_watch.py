"""The relay's hook for usage: what a 2xx answer says of itself, read as it passes."""

import time
from collections.abc import Callable
from typing import Self

from app.ops.labels import USAGE_ROUTES
from app.ops.metrics import Note
from app.translate.usage_read import UsageReader, reader_for
from app.upstream.caps import Caps
from app.upstream.interface import Upstreamed


class UsageWatch:
    """Read the usage of one answer as it is relayed, into the request's `note`.

    `feed` takes every piece; of a stream, it notes when the first token came
    (`note.first_token_seconds`). `finish`, once the answer has ended, notes what it said of
    itself (`note.answer`). Not a byte of the answer changes (`app.translate.usage_read`)."""

    def __init__(self, reader: UsageReader, note: Note) -> None:
        self._reader = reader
        self._note = note
        # The reader's own `feed`, once no first token is to be noted: no call of the watch's
        # own for each piece of a stream (bench/README.md, "The request path at one connection").
        self.feed: Callable[[bytes], bool] = self._until_first_token if note.stream else reader.feed

    @classmethod
    def of(cls, exchanged: Upstreamed, note: Note, caps: Caps) -> Self | None:
        """Return a watch of a 2xx answer of a route whose answers carry a usage, else None;
        `note.stream` says whether the answer is SSE (as the relay notes it first)."""
        answer = exchanged.answer
        if note.route not in USAGE_ROUTES or not 200 <= answer.status < 300:
            return None
        encoding = answer.headers.get("Content-Encoding", "")
        reader = reader_for(note.stream, caps.usage, encoding, usage_only=not note.traced)
        return cls(reader, note)

    def _until_first_token(self, piece: bytes) -> bool:
        """Feed `piece` to the reader; when it holds the stream's first token, note when it came
        and feed the reader directly from then on."""
        first = self._reader.feed(piece)
        if first:
            note = self._note
            if note.stream:  # not a stream collected into one answer (`app.upstream.collect`)
                note.first_token_seconds = time.perf_counter() - note.started
            self.feed = self._reader.feed
        return first

    def finish(self) -> None:
        """Note what the answer, read to its end, said of itself."""
        self._note.answer = self._reader.finish()
