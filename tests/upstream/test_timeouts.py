"""The timeouts of an answer (`app.upstream.timeouts.Deadlines`), on a real event loop with short
ones: a wait for a start or an answer that stops is cut with a TimeoutError, an answer that keeps
coming is not, however long, and no other cancellation is taken for a timeout."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from app.settings import Settings
from app.upstream.timeouts import CHECKS, Deadlines

IDLE = 0.2  # seconds: the watch checks every IDLE / CHECKS
LONG = 3600.0


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
        raise NotImplementedError  # the relay reads by iter_any

    def at_eof(self) -> bool:
        return False


def this_task() -> "asyncio.Task[None]":
    task = asyncio.current_task()
    assert task is not None
    return task


async def read_all(deadlines: Deadlines, body: TrickleBody) -> bytes:
    with deadlines.reading(body, this_task()) as reading:
        return b"".join([piece async for piece in reading.pieces])


def test_an_answer_that_keeps_coming_is_not_cut_however_long_it_takes() -> None:
    # 12 pieces, IDLE / 4 apart: three times IDLE in all.
    body = TrickleBody(IDLE / 4, 12)
    assert asyncio.run(read_all(Deadlines(LONG, IDLE), body)) == b"x" * 12


def test_an_answer_that_stops_coming_is_cut_with_a_timeout() -> None:
    async def main() -> None:
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(read_all(Deadlines(LONG, IDLE), TrickleBody(0, 3, True)), 5)

    asyncio.run(main())


def test_a_wait_for_the_start_is_cut_at_its_timeout_and_not_before() -> None:
    async def waited(seconds: float) -> str:
        with Deadlines(IDLE, LONG).starting(this_task()):
            await asyncio.sleep(seconds)
        return "started"

    async def main() -> None:
        assert await waited(IDLE / 4) == "started"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(waited(LONG), 5)

    asyncio.run(main())


async def checks_until_cut(received: list[int], deadlines: Deadlines | None = None) -> int | None:
    """Run a check for each count of bytes received; return after how many the answer was
    cut, or None."""
    body = TrickleBody(0, 0)
    deadlines = deadlines or Deadlines(LONG, LONG)  # no timer of their own comes in the test
    reading = deadlines.reading(body, this_task())
    done = 0
    try:
        with reading:
            for count in received:
                body.total_bytes = count
                reading.check(0)
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


@pytest.mark.parametrize(("first_byte", "idle", "checks"), [(10, 10, CHECKS), (10, 600, 240)])
def test_the_silence_is_counted_in_checks_of_the_shorter_timeout(
    first_byte: float, idle: float, checks: int
) -> None:
    assert asyncio.run(checks_until_cut([0] * 1000, Deadlines(first_byte, idle))) == checks


def test_another_cancellation_is_not_taken_for_a_timeout() -> None:
    async def main() -> None:
        deadlines = Deadlines(LONG, LONG)
        reading = asyncio.create_task(read_all(deadlines, TrickleBody(0, 1, True)))
        await asyncio.sleep(0.01)
        reading.cancel()
        with pytest.raises(asyncio.CancelledError):
            await reading

    asyncio.run(main())


def test_a_cancellation_that_comes_with_a_cut_stays_a_cancellation() -> None:
    async def main() -> None:
        async def cut_and_cancelled() -> None:
            with Deadlines(LONG, LONG).starting(this_task()) as starting:
                this_task().cancel()  # someone else's: the server's shutdown, say
                starting.cut()
                await asyncio.sleep(LONG)

        with pytest.raises(asyncio.CancelledError):
            await asyncio.create_task(cut_and_cancelled())

    asyncio.run(main())


def test_the_timer_runs_only_while_something_is_watched_and_stops_with_the_app() -> None:
    async def main() -> tuple[bool, bool, bool, bool]:
        deadlines = Deadlines(LONG, IDLE)
        idle_at_first = deadlines._timer is None
        await read_all(deadlines, TrickleBody(0, 2))
        armed_after_a_read = deadlines._timer is not None
        await asyncio.sleep(IDLE)  # a check finds nothing watched: no next one
        stopped_by_itself = deadlines._timer is None
        await read_all(deadlines, TrickleBody(0, 2))
        deadlines.close()
        return idle_at_first, armed_after_a_read, stopped_by_itself, deadlines._timer is None

    assert asyncio.run(main()) == (True, True, True, True)


def test_the_deadlines_are_the_settings_timeouts() -> None:
    settings = Settings(proxy_first_byte_timeout_seconds=10, proxy_read_timeout_seconds=600)
    # Checks every 10 / CHECKS seconds: 600 seconds of silence is 60 * CHECKS of them.
    assert asyncio.run(checks_until_cut([0] * 1000, Deadlines.of(settings))) == 60 * CHECKS
