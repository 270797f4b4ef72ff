"""Reservations of bytes: the pool's order, its waits and refusals, and the tmpfs test."""

import asyncio

import pytest

from app.errors import Busy
from app.ops.reservations import BytePool, Pools, Reservations, background_hold, tmp_is_memory

pytestmark = pytest.mark.anyio


def pools(memory: int = 100, tmp: int = 100, tmp_in_memory: bool = False) -> Pools:
    return Pools(BytePool("memory", memory), BytePool("tmp", tmp), tmp_in_memory, 5.0)


async def test_what_fits_is_taken_at_once_and_given_back_on_exit() -> None:
    budget = pools()
    async with Reservations(budget) as held:
        await held.memory(60.5)
        assert budget.memory.free == 39  # rounded up
    assert budget.memory.free == 100


async def test_a_request_waits_until_enough_is_given_back() -> None:
    budget = pools()
    first = Reservations(budget)
    await first.memory(70)
    async with Reservations(budget) as second:
        waiting = asyncio.create_task(second.memory(50))
        await asyncio.sleep(0)
        assert not waiting.done()
        await first.__aexit__(None, None, None)
        await waiting
        assert budget.memory.free == 50


async def test_a_request_that_gets_nothing_in_time_is_a_503_and_those_behind_it_go_on() -> None:
    budget = Pools(BytePool("memory", 100), BytePool("tmp", 100), False, 0.05)
    holder, large, small = Reservations(budget), Reservations(budget), Reservations(budget)
    await holder.memory(70)
    refused = asyncio.create_task(large.memory(80))
    await asyncio.sleep(0)
    behind = asyncio.create_task(small.memory(20))  # it would fit, but waits its turn
    await asyncio.sleep(0)
    assert not behind.done()
    with pytest.raises(Busy) as busy:
        await refused
    await behind
    assert (busy.value.status, busy.value.code) == (503, "memory_budget_full")
    assert (b"retry-after", b"1") in busy.value.headers
    assert budget.memory.free == 10


async def test_background_work_holds_while_inside_and_waits_behind_requests() -> None:
    budget = Pools(BytePool("memory", 100), BytePool("tmp", 100), False, 0.05)
    hold = background_hold(budget)
    async with hold(500):  # larger than the pool: the whole pool
        assert budget.memory.free == 0
        async with Reservations(budget) as request:
            with pytest.raises(Busy):
                await request.memory(1)
    assert budget.memory.free == 100
    async with Reservations(budget) as request:
        await request.memory(60)
        with pytest.raises(Busy):
            async with hold(50):
                raise AssertionError("held 50 where 40 were left")
    assert budget.memory.free == 100


async def test_a_request_that_holds_already_goes_before_those_that_hold_nothing() -> None:
    budget = pools()
    started, waiting = Reservations(budget), Reservations(budget)
    await started.memory(60)
    other = Reservations(budget)
    await other.memory(30)
    newcomer = asyncio.create_task(waiting.memory(30))
    await asyncio.sleep(0)
    growing = asyncio.create_task(started.memory(20))  # a body of unknown length, growing
    await asyncio.sleep(0)
    await other.__aexit__(None, None, None)
    await growing
    assert not newcomer.done()
    await started.__aexit__(None, None, None)
    await newcomer


async def test_bytes_are_taken_at_once_only_when_free_and_nobody_waits_before() -> None:
    pool = BytePool("memory", 100)
    assert pool.take_now(60, first=False)
    waiting = asyncio.create_task(pool.take(60, first=False, seconds=5))
    await asyncio.sleep(0)  # it waits: 40 are free
    assert not pool.take_now(10, first=False)  # behind the one that waits
    assert pool.take_now(10, first=True)  # a request that holds some already goes first
    assert not pool.take_now(31, first=True)  # more than is free
    assert pool.free == 30
    pool.give_back(70)
    await waiting
    assert pool.free == 40


async def test_a_request_larger_than_the_pool_runs_alone() -> None:
    budget = pools(memory=100)
    async with Reservations(budget) as huge:
        await huge.memory(500)
        assert budget.memory.free == 0
        await huge.memory(10)  # it holds everything already
    assert budget.memory.free == 100


async def test_a_cancelled_wait_takes_nothing() -> None:
    budget = pools()
    holder = Reservations(budget)
    await holder.memory(90)
    waiting = asyncio.create_task(Reservations(budget).memory(50))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await holder.__aexit__(None, None, None)
    assert budget.memory.free == 100


@pytest.mark.parametrize(
    ("tmp_in_memory", "memory_free"), [(False, 100 - 10), (True, 100 - 10 - 40)]
)
async def test_an_upload_takes_memory_and_tmp_and_memory_for_a_tmpfs(
    tmp_in_memory: bool, memory_free: int
) -> None:
    budget = pools(tmp_in_memory=tmp_in_memory)
    async with Reservations(budget) as held:
        await held.upload(40, memory=10)
        assert (budget.memory.free, budget.tmp.free) == (memory_free, 60)


MOUNTS = """\
22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
30 27 0:27 / /tmp rw,nosuid - tmpfs tmpfs rw,size=16384k
31 27 0:28 / /tmp/disk rw - ext4 /dev/vdb rw
32 27 0:29 / /my\\040dir rw - tmpfs tmpfs rw
"""


@pytest.mark.parametrize(
    ("directory", "memory"),
    [
        ("/tmp", True),
        ("/tmp/a", True),
        ("/tmp/disk/a", False),  # the deepest mount decides
        ("/tmpx", False),
        ("/var/tmp", False),
        ("/my dir/x", True),
    ],
)
def test_a_tmpfs_is_found_by_the_deepest_mount_that_holds_the_directory(
    directory: str, memory: bool
) -> None:
    assert tmp_is_memory(MOUNTS, directory) is memory
