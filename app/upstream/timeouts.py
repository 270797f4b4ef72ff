"""Timeouts of upstream's answer: for its start, and for the gaps between its pieces.

Both are kept by one `Deadlines` per app, with no timer per request or per piece (aiohttp's read
timeout re-arms one at each piece, an `asyncio.timeout` arms one a request; what they cost:
bench/README.md, "Timeouts without a timer per request"). While requests wait for or read an
answer, one timer every `min(first_byte, idle) / CHECKS` seconds looks at each: one whose answer
has not started within `first_byte` seconds is cut, and so is one whose answer received no byte
for `idle` seconds of checks (aiohttp counts what each has received). A wait that is cut raises
TimeoutError where it is, as `asyncio.timeout` would, at most a check late. A client that reads
nothing holds upstream back (aiohttp stops reading once its buffer is full), and is cut the
same way.
"""

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Final, Self

from app.settings import Settings
from app.upstream.interface import Body

CHECKS: Final = 4  # checks in the shorter timeout: how late past it a wait may be cut


class Deadlines:
    """Cut each wait for an answer to start that outlives `first_byte` seconds, and each answer
    being read that receives nothing for `idle` seconds (see the module). Its timer runs only
    while something is watched."""

    def __init__(self, first_byte: float, idle: float) -> None:
        self._first_byte = first_byte
        self._idle_checks = max(CHECKS, round(CHECKS * idle / min(first_byte, idle)))
        self._every = min(first_byte, idle) / CHECKS
        self._watched: set[Watched] = set()
        self._timer: asyncio.TimerHandle | None = None

    @classmethod
    def of(cls, settings: Settings) -> Self:
        """Return the deadlines of `settings`' two timeouts."""
        return cls(settings.proxy_first_byte_timeout_seconds, settings.proxy_read_timeout_seconds)

    def starting(self, task: asyncio.Task[None]) -> "Starting":
        """Return the context in which `task` waits for an answer to start; leaving it raises
        TimeoutError when that took too long."""
        return Starting(self, task, time.monotonic() + self._first_byte)

    def reading(self, body: Body, task: asyncio.Task[None]) -> "Reading":
        """Return the context in which `task` reads `body` (its `pieces`); leaving it raises
        TimeoutError when they stopped coming."""
        return Reading(self, task, body, self._idle_checks)

    def close(self) -> None:
        """Stop the timer (the app's lifespan ends)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def add(self, watched: "Watched") -> None:
        """Watch `watched` until `discard`."""
        self._watched.add(watched)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._every, self._check)

    def discard(self, watched: "Watched") -> None:
        """Stop watching `watched`."""
        self._watched.discard(watched)

    def _check(self) -> None:
        """Check each wait (as many as requests in flight: a bounded few µs)."""
        now = time.monotonic()
        for watched in self._watched:
            watched.check(now)
        self._timer = None
        if self._watched:
            self._timer = asyncio.get_running_loop().call_later(self._every, self._check)


class Watched(ABC):
    """One wait of `task`, watched: a context manager that cuts it by cancelling `task` when
    `check` finds it too long, and on leaving raises TimeoutError for that cancellation, and for
    no other (as `asyncio.Timeout` does; a plain `with`, so that entering and leaving cost no
    coroutine)."""

    __slots__ = ("_cancelling", "_cut", "_deadlines", "_task")

    def __init__(self, deadlines: Deadlines, task: asyncio.Task[None]) -> None:
        self._deadlines = deadlines
        self._task = task
        self._cancelling = 0  # the task's cancel requests when the wait began
        self._cut = False

    def __enter__(self) -> Self:
        self._cancelling = self._task.cancelling()
        self._deadlines.add(self)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._deadlines.discard(self)
        if self._cut:  # its cancel request is taken back whatever ended the wait
            others = self._task.uncancel() > self._cancelling
            if kind is asyncio.CancelledError and not others:
                raise TimeoutError from error

    @abstractmethod
    def check(self, now: float) -> None:
        """Cut the wait if it has lasted too long (`now`: `time.monotonic`)."""

    def cut(self) -> None:
        """Cut the wait: cancel its task, once."""
        if not self._cut:
            self._cut = True
            self._task.cancel()


class Starting(Watched):
    """A wait for an answer to start, cut at `deadline` (`time.monotonic`)."""

    __slots__ = ("_deadline",)

    def __init__(self, deadlines: Deadlines, task: asyncio.Task[None], deadline: float) -> None:
        super().__init__(deadlines, task)
        self._deadline = deadline

    def check(self, now: float) -> None:
        if now >= self._deadline:
            self.cut()


class Reading(Watched):
    """The reading of an answer's `body`, cut after `checks` checks in a row without a byte."""

    __slots__ = ("_body", "_checks", "_quiet", "_seen")

    def __init__(
        self, deadlines: Deadlines, task: asyncio.Task[None], body: Body, checks: int
    ) -> None:
        super().__init__(deadlines, task)
        self._body = body
        self._checks = checks
        self._seen = body.total_bytes  # bytes received when a check last saw some come
        self._quiet = 0  # checks in a row that saw none come

    @property
    def pieces(self) -> AsyncIterator[bytes]:
        """The body's pieces as they come."""
        return self._body.iter_any()

    def check(self, now: float) -> None:
        received = self._body.total_bytes
        if received != self._seen:
            self._seen, self._quiet = received, 0
            return
        self._quiet += 1
        if self._quiet >= self._checks:
            self.cut()
