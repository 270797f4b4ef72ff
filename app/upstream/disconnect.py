"""The watch for a client that leaves: its `http.disconnect` cancels the task serving it."""

import asyncio

from starlette.types import Receive

# The watch is a task that waits for the client's next message. Most answers of a fast upstream
# (a model list, an embedding, a cached completion) are over before a client could leave, and a
# task started and cancelled for each cost a tenth of such a request's CPU: the watch starts once
# the answer has taken this long. A client that leaves earlier is seen this much later.
WATCH_AFTER_SECONDS = 0.05


class DisconnectWatch:
    """Cancels `serving` when the client disconnects, watching from `after` seconds on (the
    client's leaving before then is seen then). `stop` it when the answer is done."""

    def __init__(self, receive: Receive, serving: asyncio.Task[None], after: float) -> None:
        self._receive = receive
        self._serving = serving
        self._watcher: asyncio.Task[None] | None = None
        self._timer = asyncio.get_running_loop().call_later(after, self._start)

    def _start(self) -> None:
        self._watcher = asyncio.create_task(self._cancel_on_disconnect())

    async def _cancel_on_disconnect(self) -> None:
        message = await self._receive()
        while message["type"] != "http.disconnect":  # a body the handler left unread
            message = await self._receive()
        self._serving.cancel()

    @property
    def saw_disconnect(self) -> bool:
        """Whether the client left (and so `serving` was cancelled by this watch)."""
        watcher = self._watcher
        return (
            watcher is not None
            and watcher.done()
            and not watcher.cancelled()
            and watcher.exception() is None
        )

    def stop(self) -> None:
        self._timer.cancel()
        if self._watcher is not None:
            self._watcher.cancel()
