"""Timeouts of upstream's answer: for its start, and for each next piece of it."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Self

from app.settings import Settings
from app.upstream.interface import Answer


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds to wait for upstream's answer to start, and then for each next piece of it (None:
    the HTTP client's own read timeout watches that)."""

    first_byte: float
    idle: float | None

    @classmethod
    def of(cls, settings: Settings) -> Self:
        """Return the timeouts of `settings`, the gaps left to the HTTP client where it can.

        Its read timeout watches the gaps at a third of the cost of a timeout per piece, but it
        bounds the wait for the answer's start too: used when that is no harm."""
        first_byte = settings.proxy_first_byte_timeout_seconds
        idle = settings.proxy_read_timeout_seconds
        return cls(first_byte, None if idle >= first_byte else idle)


def pieces(answer: Answer, idle: float | None) -> AsyncIterator[bytes]:
    """Yield the answer's body as it arrives.

    Raise TimeoutError when nothing comes for `idle` seconds (None: the HTTP client's own read
    timeout raises it)."""
    if idle is None:
        return answer.content.iter_any()  # not wrapped: a generator more per piece relayed
    return _watched(answer, idle)


async def _watched(answer: Answer, idle: float) -> AsyncIterator[bytes]:
    while True:
        async with asyncio.timeout(idle):
            piece = await answer.content.readany()
        if not piece:
            return
        yield piece
