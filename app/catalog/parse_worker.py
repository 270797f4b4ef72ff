"""Catalog pages parsed in a child process, so that the event loop relaying streams never stalls.

A `GET /models` page is about a megabyte of JSON, which orjson parses holding the GIL, so a
thread would stall the event loop just as much (measured: `python -m bench.refresh_stall`, in
bench/README.md). The child (`python -m app.catalog.parse_worker`) imports only
`app.catalog.records` and lives for one refresh. Frames on its stdin and stdout are a 4-byte
big-endian length followed by the payload: a page in, a pickled `Page` or `CatalogError` out.
The listings of a refresh repeat the same models, so the child answers each model once: a page
comes back with only the models that no earlier page of this worker had, which spares the event
loop unpickling (and the heap holding) a copy of the catalog per listing.
"""

import asyncio
import contextlib
import pickle
import struct
import sys
from types import TracebackType
from typing import BinaryIO, Self

from app.catalog.records import CatalogError, Page, parse_page

_LENGTH = struct.Struct("!I")


class ParseWorker:
    """One parse child, running for as long as the async context lasts; `parse` may be called
    concurrently."""

    def __init__(self) -> None:
        self._process: asyncio.subprocess.Process | None = None
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> Self:
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None or process.stdin is None:
            return
        try:
            if kind is None:  # every answer was read: the child ends at the end of its input
                process.stdin.close()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), timeout=5)
        finally:
            # Cancelled or failed mid-exchange, the child may be blocked writing an answer
            # nobody will read: end it.
            if process.returncode is None:
                process.kill()
            # Its pipe read to the end, the child's exit can be awaited: left paused on unread
            # bytes, the pipe stays open, `wait` never returns (asyncio) or the event loop fails
            # to close when the server stops (uvloop: "Device or resource busy").
            if process.stdout is not None:
                await process.stdout.read()
            await process.wait()

    async def parse(self, body: bytes) -> Page:
        """Parse one page in the child: its models that no earlier page had, and its next link.

        Raises CatalogError for a bad page or a dead child.
        """
        assert self._process is not None, "use ParseWorker as an async context manager"
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        async with self._lock:
            try:
                stdin.write(_LENGTH.pack(len(body)) + body)
                await stdin.drain()
                (size,) = _LENGTH.unpack(await stdout.readexactly(_LENGTH.size))
                payload = await stdout.readexactly(size)
            except (OSError, asyncio.IncompleteReadError) as error:
                raise CatalogError(f"the catalog parse worker failed: {error!r}") from None
        result: Page | CatalogError = pickle.loads(payload)
        if isinstance(result, CatalogError):
            raise result
        return result


def _serve(stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Parse each page framed on `stdin`, answering on `stdout`, until `stdin` closes."""
    answered: set[str] = set()
    while header := stdin.read(_LENGTH.size):
        (size,) = _LENGTH.unpack(header)
        result: Page | CatalogError
        try:
            page = parse_page(stdin.read(size))
        except CatalogError as error:
            result = error
        else:
            new = [model for model in page.models if model.id not in answered]
            answered.update(model.id for model in new)
            result = Page(new, page.next_url)
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_LENGTH.pack(len(payload)) + payload)
        stdout.flush()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
