"""The watch for a client that leaves: started late, so that fast answers pay for no task."""

import asyncio

import pytest
from starlette.types import Message

from app.upstream.disconnect import DisconnectWatch

pytestmark = pytest.mark.anyio


async def left() -> Message:
    return {"type": "http.disconnect"}


async def test_a_client_that_left_early_is_seen_once_the_watch_starts() -> None:
    serving = asyncio.create_task(asyncio.sleep(10))
    watch = DisconnectWatch(left, serving, after=0.01)
    await asyncio.sleep(0)
    assert (serving.cancelled(), watch.saw_disconnect) == (False, False)  # not watched yet
    with pytest.raises(asyncio.CancelledError):
        await serving
    await asyncio.sleep(0)
    assert watch.saw_disconnect
    watch.stop()


async def test_an_answer_done_before_the_watch_starts_never_reads_the_client() -> None:
    reads = 0

    async def counted() -> Message:
        nonlocal reads
        reads += 1
        return await left()

    serving = asyncio.create_task(asyncio.sleep(10))
    watch = DisconnectWatch(counted, serving, after=0.01)
    watch.stop()
    await asyncio.sleep(0.05)
    assert (reads, watch.saw_disconnect, serving.cancelled()) == (0, False, False)
    serving.cancel()


async def test_messages_other_than_a_disconnect_are_not_a_leaving() -> None:
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    stays = asyncio.Event()

    async def receive() -> Message:
        if messages:
            return messages.pop()
        await stays.wait()
        return await left()

    serving = asyncio.create_task(asyncio.sleep(10))
    watch = DisconnectWatch(receive, serving, after=0)
    await asyncio.sleep(0.01)
    assert (watch.saw_disconnect, serving.done()) == (False, False)
    watch.stop()
    await asyncio.sleep(0)
    assert not watch.saw_disconnect  # stopped, not left
    serving.cancel()
