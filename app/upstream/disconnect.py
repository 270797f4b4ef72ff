"""The watch for a client that leaves: its `http.disconnect` cancels the task serving it."""

import asyncio

from starlette.types import Receive


def cancelled_by(watcher: asyncio.Task[None]) -> bool:
    """Whether `watcher` (`cancel_on_disconnect`) ran to its end: the client left."""
    return watcher.done() and not watcher.cancelled() and watcher.exception() is None


async def cancel_on_disconnect(receive: Receive, serving: asyncio.Task[None]) -> None:
    """Cancel `serving` when the client disconnects."""
    while (await receive())["type"] != "http.disconnect":
        pass
    serving.cancel()
