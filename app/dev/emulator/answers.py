"""What the fake's chat answers are made of: chunks, the streams of the special ``test/*``
models, and answers whose connection drops partway."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.dev.emulator.audio import audio_deltas
from app.dev.emulator.real import USAGE, compact

PROCESSING = b": OPENROUTER PROCESSING\n\n"  # OpenRouter's SSE keep-alive comment
# A real 1x1 RGBA PNG, so clients that decode the returned image get valid bytes.
PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
    "60e6kgAAAABJRU5ErkJggg=="
)
IMAGE = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}}
RESETS = ("test/reset", "test/stream-reset", "test/audio-reset")


def sse(payload: dict[str, Any] | str) -> bytes:
    """One SSE ``data:`` event, its JSON compact as OpenRouter's."""
    data = payload.encode() if isinstance(payload, str) else compact(payload)
    return b"data: " + data + b"\n\n"


def chunk(base: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    """A ``chat.completion.chunk`` with one choice, as recorded: every delta has `role`,
    `logprobs` is null, `finish` also fills native_finish_reason."""
    native = {"stop": "STOP"}.get(finish or "", finish)
    choice = {
        "index": 0,
        "delta": {"role": "assistant", **delta},
        "finish_reason": finish,
        "native_finish_reason": native,
        "logprobs": None,
    }
    return {**base, "object": "chat.completion.chunk", "choices": [choice]}


def usage_chunk(base: dict[str, Any], shape: str, usage: dict[str, Any] = USAGE) -> dict[str, Any]:
    """`usage` in its own chunk after the finish chunk, in the recorded shapes: `finish_reason`
    null (to 2026-02), `"stop"` again (2026-07/08), or no choices at all (2026-03)."""
    if shape == "empty":
        return {**base, "object": "chat.completion.chunk", "choices": [], "usage": usage}
    return {**chunk(base, {"content": ""}, "stop" if shape == "stop" else None), "usage": usage}


async def completion_chunks(
    base: dict[str, Any],
    text: str,
    image: bool,
    audio: bool = False,
    usage: str = "stop",
    counts: dict[str, Any] = USAGE,
) -> AsyncGenerator[bytes, None]:
    """A normal stream as recorded: keep-alive comments before the first data and between data
    chunks, the role, text in 3 pieces (with audio: the audio pieces, `text` as their
    transcript), then the finish (an image comes with it in one chunk, as Gemini's do), a
    keep-alive, `counts` in its own chunk (`usage_chunk`'s `usage` shape), [DONE]."""
    yield PROCESSING
    yield sse(chunk(base, {"content": ""}))
    yield PROCESSING
    third = len(text) // 3
    pieces = (text[:third], text[third : 2 * third], text[2 * third :])
    for delta in audio_deltas(text) if audio else [{"content": p} for p in pieces if p]:
        yield sse(chunk(base, delta))
    finish = {"content": "", "images": [{**IMAGE, "index": 0}]} if image else {"content": ""}
    yield sse(chunk(base, finish, "stop"))
    yield PROCESSING
    yield sse(usage_chunk(base, usage, counts))
    yield sse("[DONE]")


async def paused(
    chunks: AsyncGenerator[bytes, None], seconds: float
) -> AsyncGenerator[bytes, None]:
    """`chunks`, stopping `seconds` after the first data event (a generation slow mid-stream)."""
    waited = False
    async with aclosing(chunks):
        async for piece in chunks:
            yield piece
            if not waited and piece.startswith(b"data:"):
                waited = True
                await asyncio.sleep(seconds)


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
    """Chunks of `deltas`, then an error chunk inside the 200, as recorded mid-stream: code 400,
    no metadata, `finish_reason` null, carrying `usage`; then [DONE]."""
    for delta in deltas:
        yield sse(chunk(base, delta))
    failure = {"code": 400, "message": "Provider returned error"}
    yield sse({"error": failure, **chunk(base, {"content": ""}), "usage": USAGE})
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
    return Dropped(headers, compact({"id": base["id"]})[:-1] + b', "choices": [')
