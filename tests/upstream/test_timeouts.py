"""The watch on the gaps of an answer (`app.upstream.timeouts.StallWatch`), on a real event loop
with a short `idle`: an answer that stops is cut, one that keeps coming is not, however long."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.upstream.timeouts import CHECKS, StallWatch, Timeouts

IDLE = 0.2  # seconds: the watch checks every IDLE / CHECKS


class TrickleBody:
    """A body whose pieces come every `gap` seconds, `count` of them, then (`hang`) nothing."""

    def __init__(self, gap: float, count: int, hang: bool = False) -> None:
        self.total_bytes = 0
        self._gap, self._count, self._hang = gap, count, hang

    async def iter_any(self) -> AsyncIterator[bytes]:
        for _ in range(self._count):
            await asyncio.sleep(self._gap)
            self.total_bytes += 1
            yield b"x"
        if self._hang:
            await asyncio.Event().wait()

    async def readany(self) -> bytes:
        raise NotImplementedError  # the watch reads by iter_any

    def at_eof(self) -> bool:
        return False


async def read_all(watch: StallWatch, body: TrickleBody) -> bytes:
    async with watch.watched(body) as pieces:
        return b"".join([piece async for piece in pieces])


def test_an_answer_that_keeps_coming_is_not_cut_however_long_it_takes() -> None:
    # 12 pieces, IDLE / 4 apart: three times IDLE in all.
    body = TrickleBody(IDLE / 4, 12)
    assert asyncio.run(read_all(StallWatch(IDLE), body)) == b"x" * 12


def test_an_answer_that_stops_coming_is_cut_with_a_timeout() -> None:
    async def main() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(read_all(StallWatch(IDLE), TrickleBody(0, 3, True)), 5)

    asyncio.run(main())


async def checks_until_cut(received: list[int]) -> int | None:
    """Run a check for each count of bytes received; return after how many the answer was
    cut, or None."""
    body = TrickleBody(0, 0)
    watched = StallWatch(3600).watched(body)  # its own timer never comes: checks run here
    done = 0
    try:
        async with watched:
            for count in received:
                body.total_bytes = count
                watched.check()
                done += 1
                await asyncio.sleep(0)  # a cut cancels this task here
    except TimeoutError:
        return done
    return None


@pytest.mark.parametrize(
    ("received", "cut_at"),
    [
        ([0] * CHECKS, CHECKS),
        ([0] * (CHECKS - 1), None),
        # A byte came by the second check: CHECKS checks more without one cut it.
        ([0, 1, *[1] * CHECKS], CHECKS + 2),
        ([0, 1, *[1] * (CHECKS - 1)], None),
        (list(range(1, 3 * CHECKS)), None),
    ],
)
def test_a_silent_answer_is_cut_after_checks_in_a_row_saw_nothing_come(
    received: list[int], cut_at: int | None
) -> None:
    assert asyncio.run(checks_until_cut(received)) == cut_at


def test_another_cancellation_is_not_taken_for_a_stall() -> None:
    async def main() -> None:
        reading = asyncio.create_task(read_all(StallWatch(3600), TrickleBody(0, 1, True)))
        await asyncio.sleep(0.01)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading

    asyncio.run(main())


def test_the_timer_runs_only_while_answers_are_read_and_stops_with_the_app() -> None:
    async def main() -> tuple[bool, bool, bool]:
        watch = StallWatch(IDLE)
        idle_at_first = watch._timer is None
        await read_all(watch, TrickleBody(0, 2))
        armed_after_a_read = watch._timer is not None
        await asyncio.sleep(IDLE)  # a check finds nothing being read: no next one
        return idle_at_first, armed_after_a_read, watch._timer is None

    assert asyncio.run(main()) == (True, True, True)


def test_timeouts_come_from_the_settings_with_their_watch() -> None:
    timeouts = Timeouts(30, 120)
    assert (timeouts.first_byte, timeouts.idle) == (30, 120)
    assert isinstance(timeouts.stalls, StallWatch)
