"""Timeouts of upstream's answer: for its start, and for the gaps between its pieces.

The wait for the start is one `asyncio.timeout` (`app.upstream.relay`). The gaps are watched by
`StallWatch` with no timer per piece (a timer re-armed at each piece, as aiohttp's read timeout
does, was an eighth of the proxy's CPU per SSE chunk: bench/README.md, "Gaps watched without a
timer per piece"). While answers are being read, one timer every `idle / CHECKS` seconds looks
at how many bytes each has received (aiohttp counts them): an answer that received nothing for
`CHECKS` checks in a row is cut by its `asyncio.Timeout`, which raises TimeoutError where it is
read. So an answer is cut after between `idle` and `idle * (1 + 1 / CHECKS)` seconds of silence.
A client that reads nothing holds upstream back (aiohttp stops reading once its buffer is full),
and is cut the same way: nothing the client or upstream does holds a request for longer.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final, Self

from app.settings import Settings
from app.upstream.interface import Body

CHECKS: Final = 4  # checks in `idle` seconds: how late past `idle` an answer may be cut


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for upstream's answer to start, and the watch on the gaps after that."""

    first_byte: float
    idle: float
    stalls: "StallWatch" = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "stalls", StallWatch(self.idle))

    @classmethod
    def of(cls, settings: Settings) -> Self:
        """Return the timeouts of `settings`."""
        return cls(settings.proxy_first_byte_timeout_seconds, settings.proxy_read_timeout_seconds)


class StallWatch:
    """Cut each answer being read that has received no byte for `idle` seconds (see the
    module). Its timer runs only while an answer is being read."""

    def __init__(self, idle: float) -> None:
        self._every = idle / CHECKS
        self._watched: set[Watched] = set()
        self._timer: asyncio.TimerHandle | None = None

    def watched(self, body: Body) -> "Watched":
        """Return the context in which `body` is read, watched: it gives its pieces, and raises
        TimeoutError on leaving when they stopped coming."""
        return Watched(self, body)

    def close(self) -> None:
        """Stop the timer (the app's lifespan ends)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _add(self, watched: "Watched") -> None:
        self._watched.add(watched)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._every, self._check)

    def _discard(self, watched: "Watched") -> None:
        self._watched.discard(watched)

    def _check(self) -> None:
        """Look at each answer being read (as many as requests in flight, a bounded few µs)."""
        for watched in self._watched:
            watched.check()
        self._timer = None
        if self._watched:
            self._timer = asyncio.get_running_loop().call_later(self._every, self._check)


class Watched:
    """One answer's body read under a `StallWatch`: an async context manager that gives the
    body's pieces, and raises TimeoutError on leaving if they stopped coming (`asyncio.Timeout`
    cancelled the task that read them)."""

    __slots__ = ("_body", "_deadline", "_quiet", "_seen", "_watch")

    def __init__(self, watch: StallWatch, body: Body) -> None:
        self._watch = watch
        self._body = body
        self._deadline = asyncio.timeout(None)  # set to now when the checks find it stalled
        self._seen = 0  # bytes received when a check last saw some come
        self._quiet = 0  # checks in a row that saw none come

    async def __aenter__(self) -> AsyncIterator[bytes]:
        await self._deadline.__aenter__()
        self._seen = self._body.total_bytes
        self._watch._add(self)
        return self._body.iter_any()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._watch._discard(self)
        await self._deadline.__aexit__(kind, error, tb)

    def check(self) -> None:
        """Count one more check without a byte received, and cut the answer at `CHECKS`."""
        received = self._body.total_bytes
        if received != self._seen:
            self._seen, self._quiet = received, 0
            return
        self._quiet += 1
        if self._quiet == CHECKS:  # once: the task is being cancelled
            self._deadline.reschedule(asyncio.get_running_loop().time())
