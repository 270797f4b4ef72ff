"""The relayed answer driven as an ASGI app, without servers: what the relay tests share."""

import asyncio
from typing import Any

from starlette.types import Message

from app.ops.metrics import Note
from app.settings import Settings
from app.upstream.caps import Caps
from app.upstream.interface import Upstreamed
from app.upstream.relay import RelayResponse
from app.upstream.timeouts import Deadlines
from tests.fake_upstream import FakeAnswer

DEADLINES = Deadlines(first_byte=60, idle=600)
CAPS = Caps.of(Settings())


async def served(response: RelayResponse) -> list[Message]:
    """What the client gets of `response`: every ASGI message it sends."""
    sent: list[Message] = []
    later = asyncio.Event()

    async def receive() -> Message:
        await later.wait()  # the client stays: no http.disconnect
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await response({"type": "http", "state": {}}, receive, send)
    return sent


def relay(answer: FakeAnswer, note: Note, **upstreamed: Any) -> RelayResponse:
    async def exchange() -> Upstreamed:
        return Upstreamed(answer, [(b"x-modalities", b"image")], **upstreamed)

    return RelayResponse(exchange, DEADLINES, CAPS, [(b"x-modalities", b"image")], note)


def body_of(messages: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
