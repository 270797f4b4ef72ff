"""The relay's hook for usage: what a 2xx answer says of itself, read as it passes."""

import time
from typing import Self

from app.errors import ProxyError
from app.ops.labels import USAGE_ROUTES
from app.ops.metrics import Note
from app.translate.usage_read import HELD_WINDOWS, UsageReader
from app.upstream.caps import Caps
from app.upstream.interface import Reserve, Upstreamed


class UsageWatch:
    """Read the usage of one answer as it is relayed, into the request's `note`.

    Fed every piece, it notes when a stream's first token came (`note.first_token_seconds`);
    `finish`, once the answer has ended, notes what it said of itself (`note.answer`). Not a
    byte of the answer changes (`app.translate.usage_read`)."""

    def __init__(self, reader: UsageReader, note: Note) -> None:
        self._reader = reader
        self._note = note

    @classmethod
    def of(cls, exchanged: Upstreamed, note: Note, caps: Caps) -> Self | None:
        """Return a watch of a 2xx answer of a route whose answers carry a usage, else None;
        `note.stream` says whether the answer is SSE (as the relay notes it first)."""
        answer = exchanged.answer
        if note.route not in USAGE_ROUTES or not 200 <= answer.status < 300:
            return None
        encoding = answer.headers.get("Content-Encoding", "")
        reader = UsageReader(note.stream, caps.usage, encoding, usage_only=not note.traced)
        return cls(reader, note)

    @classmethod
    async def reserved(
        cls, exchanged: Upstreamed, note: Note, caps: Caps, reserve: Reserve | None
    ) -> Self | None:
        """Return `of`'s watch, first taking with `reserve` what its reader may hold.

        Busy (503), when the memory budget has no room, is raised with the proxy's headers."""
        watch = cls.of(exchanged, note, caps)
        if watch is not None and reserve is not None:
            try:
                await reserve(HELD_WINDOWS * caps.usage)
            except ProxyError as busy:
                raise busy.with_headers(exchanged.extra_headers) from None
        return watch

    def feed(self, piece: bytes) -> None:
        """Keep `piece` for the end; note the first token of a stream relayed as one."""
        note = self._note
        if self._reader.feed(piece) and note.stream:
            note.first_token_seconds = time.perf_counter() - note.started

    def finish(self) -> None:
        """Note what the answer, read to its end, said of itself."""
        self._note.answer = self._reader.finish()
