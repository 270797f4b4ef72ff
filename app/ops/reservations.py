"""Reservations of bytes: what a worker's requests may hold at once, in memory and in the
temporary directory where uploads spool (`app.ops.budget` computes what the settings let them
hold, and whether that fits the pod).

A `BytePool` is an asyncio semaphore counted in bytes. A request takes what it is about to hold
(its body times the measured cost of parsing it, an upstream error it reads whole) before
reading it, and gives everything back when its answer is done (`Reservations`, one per request).
Waiting happens before the bytes are read, while they still sit in the client's socket: a
request that cannot have its bytes within the wait gets a 503 with Retry-After (`Busy`), and
the proxy is never asked to hold more than it can.
"""

import asyncio
import collections
import contextlib
import math
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from app.errors import Busy

RETRY_AFTER_SECONDS = 1  # a held body is read, parsed and sent in about a second


class BytePool:
    """`capacity` bytes, taken and given back by `Reservations`. Waiters are served in order of
    arrival, except that a request which already holds bytes of this pool (a chunked body
    growing, an upstream error read after the body) goes first: finishing what has started
    is what gives bytes back."""

    def __init__(self, name: str, capacity: int) -> None:
        self.name = name
        self.capacity = capacity
        self.free = capacity
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    def take_now(self, size: int, first: bool) -> bool:
        """Take `size` bytes if they are free and nobody waits for them first; whether it did.
        A request's bytes are mostly taken so: no coroutine of `take` for them."""
        if size <= self.free and (first or not self._waiters):
            self.free -= size
            return True
        return False

    async def take(self, size: int, first: bool, seconds: float) -> None:
        """Take `size` bytes (at most `capacity`), waiting up to `seconds` for them (`first`:
        ahead of the requests that hold nothing yet); `Busy` (503) when they do not come."""
        if self.take_now(size, first):
            return
        granted = asyncio.get_running_loop().create_future()
        waiter = (size, granted)
        if first:
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(granted), seconds)
        except TimeoutError:
            if granted.done():  # granted as the time ran out: keep it
                return
            self._waiters.remove(waiter)
            self._wake()  # a large waiter gone may let smaller ones behind it through
            raise self._busy(size, seconds) from None
        except asyncio.CancelledError:
            if granted.done():
                self.give_back(size)
            else:
                self._waiters.remove(waiter)
                self._wake()
            raise

    @contextlib.asynccontextmanager
    async def held(self, size: int, seconds: float) -> AsyncIterator[None]:
        """`size` bytes (at most `capacity`) held while inside, for background work (a catalog
        refresh), which waits behind the requests; `Busy` when they do not come in `seconds`."""
        size = min(size, self.capacity)
        await self.take(size, first=False, seconds=seconds)
        try:
            yield
        finally:
            self.give_back(size)

    def give_back(self, size: int) -> None:
        self.free += size
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self._waiters[0][0] <= self.free:
            size, granted = self._waiters.popleft()
            self.free -= size
            granted.set_result(None)

    def _busy(self, size: int, seconds: float) -> Busy:
        message = (
            f"The proxy is holding as much as its {self.name} budget allows "
            f"({self.capacity:,} bytes; this request needs {size:,}) and none came free within "
            f"{seconds:g} s; try again shortly"
        )
        return Busy(message, f"{self.name}_budget_full", RETRY_AFTER_SECONDS)


@dataclass(frozen=True)
class Pools:
    """A worker's pools: `memory`, and `tmp` for uploads spooled to the temporary directory;
    `tmp_in_memory` when that directory is a tmpfs, whose pages are memory too (a container's
    `--tmpfs /tmp`, an emptyDir of medium Memory); how long a request may wait for its bytes."""

    memory: BytePool
    tmp: BytePool
    tmp_in_memory: bool
    wait_seconds: float


def pools_of(memory: int, tmp: int, wait_seconds: float) -> Pools:
    """A worker's pools of `memory` and `tmp` bytes (PROXY_MEMORY_BUDGET_BYTES and
    PROXY_TMP_BUDGET_BYTES), uploads counted in memory too when they spool to a tmpfs."""
    return Pools(BytePool("memory", memory), BytePool("tmp", tmp), spool_is_memory(), wait_seconds)


def background_hold(pools: Pools) -> Callable[[int], AbstractAsyncContextManager[None]]:
    """Holds of `pools`' memory for background work (`app.catalog.memory.Hold`)."""
    return lambda size: pools.memory.held(size, pools.wait_seconds)


class Reservations(contextlib.AbstractAsyncContextManager["Reservations"]):
    """What one request holds of `pools`, all given back when it exits (its answer done)."""

    def __init__(self, pools: Pools) -> None:
        self.pools = pools
        self._held: dict[BytePool, int] = {}

    async def memory(self, size: float) -> int:
        """Hold `size` more bytes of memory (rounded up); the bytes taken (fewer for a request
        that would hold more than the pool); Busy (503) when they do not come."""
        return await self._take(self.pools.memory, math.ceil(size))

    def give_back_memory(self, size: int) -> None:
        """Give back `size` bytes of memory taken earlier (a body found to cost less than its
        size could have)."""
        pool = self.pools.memory
        size = min(size, self._held.get(pool, 0))
        if size > 0:
            self._held[pool] -= size
            pool.give_back(size)

    async def upload(self, size: int, memory: float) -> None:
        """Hold `size` more bytes of an upload: `memory` bytes of memory, and `size` bytes of
        the temporary directory where its files spool (of memory too when that is a tmpfs);
        Busy (503) when they do not come. Memory first, as every reservation takes it, so that
        no two requests each hold what the other waits for."""
        await self.memory(memory + size * self.pools.tmp_in_memory)
        await self._take(self.pools.tmp, size)

    async def _take(self, pool: BytePool, size: int) -> int:
        held = self._held.get(pool, 0)
        size = min(size, pool.capacity - held)  # one request larger than the pool runs alone
        if size <= 0:
            return 0
        if not pool.take_now(size, first=held > 0):
            await pool.take(size, first=held > 0, seconds=self.pools.wait_seconds)
        self._held[pool] = held + size
        return size

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for pool, size in self._held.items():
            pool.give_back(size)
        self._held.clear()


def tmp_is_memory(mountinfo: str, directory: str) -> bool:
    """Whether `directory` is on a tmpfs, from the text of /proc/self/mountinfo: the deepest
    mount point that contains it decides."""
    best, memory = "", False
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " not in line or len(fields) < 5:
            continue
        mount_point = fields[4].replace("\\040", " ")
        inside = directory == mount_point or directory.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, memory = mount_point, line.split(" - ", 1)[1].split()[0] == "tmpfs"
    return memory


def spool_is_memory() -> bool:
    """Whether uploads spool to a tmpfs (Linux; elsewhere, False)."""
    try:
        mountinfo = Path("/proc/self/mountinfo").read_text()
    except OSError:
        return False
    return tmp_is_memory(mountinfo, str(Path(tempfile.gettempdir()).resolve()))
