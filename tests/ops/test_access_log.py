"""The per-request log lines: kept, then written in whole-line blocks (app/ops/access_log.py)."""

import asyncio
import select

import pytest

from app.ops import access_log
from app.ops.access_log import AccessLog


def test_lines_wait_for_a_flush_then_go_in_blocks_of_whole_lines() -> None:
    written: list[bytes] = []
    log = AccessLog(written.append)
    line = b"x" * 999
    for _ in range(10):
        log.add(line)
    assert written == []
    log.flush()
    assert b"".join(written) == (line + b"\n") * 10
    assert all(len(block) <= select.PIPE_BUF for block in written)
    assert all(block.endswith(b"\n") for block in written)
    assert len(written) == 3  # 4 lines of 1,000 bytes a block
    log.flush()
    assert len(written) == 3  # nothing left


def test_a_line_longer_than_a_block_goes_alone() -> None:
    written: list[bytes] = []
    log = AccessLog(written.append)
    log.add(b"a")
    log.add(b"b" * select.PIPE_BUF)
    log.flush()
    assert written == [b"a\n", b"b" * select.PIPE_BUF + b"\n"]


def test_many_pending_bytes_are_written_at_once() -> None:
    written: list[bytes] = []
    log = AccessLog(written.append)
    lines = -(-access_log.MAX_PENDING_BYTES // 100)  # the first count that reaches it
    for _ in range(lines - 1):
        log.add(b"y" * 99)
    assert written == []
    log.add(b"y" * 99)  # the one that reaches MAX_PENDING_BYTES
    assert b"".join(written) == (b"y" * 99 + b"\n") * lines


@pytest.mark.anyio
async def test_run_flushes_on_its_clock_and_when_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_log, "FLUSH_SECONDS", 0.01)
    written: list[bytes] = []
    log = AccessLog(written.append)
    task = asyncio.create_task(log.run())
    log.add(b"first")
    await asyncio.sleep(0.05)
    assert written == [b"first\n"]
    log.add(b"last")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert written == [b"first\n", b"last\n"]


@pytest.mark.anyio
async def test_once_stopped_every_line_is_written_at_once() -> None:
    written: list[bytes] = []
    log = AccessLog(written.append)
    task = asyncio.create_task(log.run())
    await asyncio.sleep(0)  # the loop runs
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    log.add(b"a request that ended after the loop")  # one cancelled at shutdown, say
    assert written == [b"a request that ended after the loop\n"]
