"""The per-request log lines, written to stderr in batches.

One JSON object a line, as `app.ops.observe` builds it. Not through `logging`: a record, its
handler and a write and flush per request cost a third of the proxy's CPU per small request
(py-spy under load; see bench/README.md). Lines are kept and written every `FLUSH_SECONDS`, or
as soon as `MAX_PENDING_BYTES` are waiting, in writes of whole lines of at most `PIPE_BUF` bytes:
atomic on a pipe, so the lines of several workers sharing stderr never interleave. Once the
loop has stopped (the app's shutdown), each line is written as it comes.
"""

import asyncio
import os
import select
from collections.abc import Callable

FLUSH_SECONDS = 0.5
MAX_PENDING_BYTES = 64 * 1024
STDERR = 2


class AccessLog:
    """Pending lines, and the loop that writes them (`run`, in the app's lifespan)."""

    def __init__(self, write: Callable[[bytes], object] = lambda block: os.write(STDERR, block)):
        self._write = write
        self._lines: list[bytes] = []
        self._pending = 0
        self._stopped = False

    def add(self, line: bytes) -> None:
        """Keep `line` (without its newline) for the next write; write it now once `run` has
        stopped (a request cancelled at shutdown may end after it)."""
        self._lines.append(line + b"\n")
        self._pending += len(line) + 1
        if self._pending >= MAX_PENDING_BYTES or self._stopped:
            self.flush()

    def flush(self) -> None:
        """Write the pending lines, in blocks of whole lines up to `select.PIPE_BUF` bytes."""
        lines, self._lines, self._pending = self._lines, [], 0
        block = b""
        for line in lines:
            if block and len(block) + len(line) > select.PIPE_BUF:
                self._write(block)
                block = b""
            block += line
        if block:
            self._write(block)

    async def run(self) -> None:
        """Flush every `FLUSH_SECONDS`, until cancelled; then flush once more, and write each
        later line at once."""
        try:
            while True:
                await asyncio.sleep(FLUSH_SECONDS)
                self.flush()
        finally:
            self._stopped = True
            self.flush()
