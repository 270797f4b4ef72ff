"""What the fake's chat answers are made of: chunks, the streams of the special ``test/*``
models, and answers whose connection drops partway."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncGenerator, Callable
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.dev.emulator.audio import audio_deltas

PROCESSING = b": OPENROUTER PROCESSING\n\n"  # OpenRouter's SSE keep-alive comment
USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
# A real 1x1 RGBA PNG, so clients that decode the returned image get valid bytes.
PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)
IMAGE = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}}
RESETS = ("test/reset", "test/stream-reset", "test/audio-reset")


def sse(payload: dict[str, Any] | str) -> bytes:
    """One SSE ``data:`` event."""
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


def chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    """A ``chat.completion.chunk`` with one choice; `finish` also fills native_finish_reason."""
    native = {"stop": "STOP"}.get(finish or "", finish)
    choice = {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": native}
    return {**base, "object": "chat.completion.chunk", "choices": [choice]}


async def completion_chunks(
    base: dict[str, Any], text: str, image: bool, audio: bool = False
) -> AsyncGenerator[bytes, None]:
    """A normal stream: keep-alive, role, text in 3 pieces (with audio: the audio pieces, `text`
    as their transcript), image, stop + usage, [DONE]."""
    yield PROCESSING
    yield sse(chunk(base, {"role": "assistant", "content": ""}))
    third = len(text) // 3
    pieces = (text[:third], text[third : 2 * third], text[2 * third :])
    for delta in audio_deltas(text) if audio else [{"content": p} for p in pieces if p]:
        yield sse(chunk(base, delta))
    if image:
        yield sse(chunk(base, {"images": [IMAGE]}))
    yield sse({**chunk(base, {}, "stop"), "usage": USAGE})
    yield sse("[DONE]")


async def forever_chunks(base: dict[str, Any]) -> AsyncGenerator[bytes, None]:
    """One chunk, then keep-alive comments every 50 ms until the client goes away."""
    yield sse(chunk(base, {"role": "assistant", "content": "Hello"}))
    while True:
        await asyncio.sleep(0.05)
        yield PROCESSING


async def stall_chunks(base: dict[str, Any]) -> AsyncGenerator[bytes, None]:
    """One chunk, then silence until the client goes away (an upstream that hangs mid-stream)."""
    yield sse(chunk(base, {"role": "assistant", "content": "Hello"}))
    await asyncio.Event().wait()


TEXT_BEFORE_ERROR = ({"role": "assistant", "content": "Hello "}, {"content": "from"})
AUDIO_BEFORE_ERROR = ({"role": "assistant", "content": ""}, *audio_deltas("Hi")[:2])


async def error_chunks(
    base: dict[str, Any], deltas: tuple[dict[str, Any], ...] = TEXT_BEFORE_ERROR
) -> AsyncGenerator[bytes, None]:
    """Chunks of `deltas`, then an error chunk inside the 200, as OpenRouter does mid-stream."""
    for delta in deltas:
        yield sse(chunk(base, delta))
    metadata = {"error_type": "provider_error"}
    failure = {"code": 502, "message": "Provider returned error", "metadata": metadata}
    yield sse({"error": failure, **chunk(base, {"content": ""}, "error")})
    yield sse("[DONE]")


STREAMS: dict[str, Callable[[dict[str, Any]], AsyncGenerator[bytes, None]]] = {
    "test/stream-forever": forever_chunks,
    "test/stream-stall": stall_chunks,
    "test/stream-error": error_chunks,
    "test/audio-error": functools.partial(error_chunks, deltas=AUDIO_BEFORE_ERROR),
}


class Dropped(Response):
    """An answer whose connection drops partway: the status, headers and `sent` go out, then the
    app returns with the body unfinished, and uvicorn closes the connection."""

    def __init__(self, headers: list[tuple[bytes, bytes]], sent: bytes) -> None:
        self.status_code = 200
        self.raw_headers = headers
        self.sent = sent
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": self.sent, "more_body": True})


def dropped(model_id: str, base: dict[str, Any]) -> Dropped:
    """`test/stream-reset` and `test/audio-reset`: two SSE events, then the drop; `test/reset`: a
    JSON answer cut at a tenth of its announced Content-Length."""
    if model_id != "test/reset":
        events = sse(chunk(base, {"role": "assistant", "content": "Hello "})) + sse(
            chunk(base, {"content": "from"})
        )
        return Dropped([(b"content-type", b"text/event-stream")], events)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1000")]
    return Dropped(headers, json.dumps({"id": base["id"]}).encode()[:-1] + b', "choices": [')
