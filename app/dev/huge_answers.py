"""A hostile OpenRouter for the proxy's caps on answers it holds whole (issue 22, findings 3 and
4): the fake OpenRouter (`app.dev.emulator`), except that these routes answer with as many bytes
as the client's `X-Answer-Bytes` header asks (the proxy forwards it), made as they are sent:

- speech refusal: `POST /audio/speech` answered 400 with a JSON error that long;
- image-edit stream: `POST /images` (streamed) answered with one SSE event that never ends;
- assembled audio: `POST /chat/completions` answered with audio chunks of 16 KiB;
- images with url: `POST /images` answered with one image that long;
- transcription: `POST /audio/transcriptions` answered with a JSON text that long.

Used by `tests/stress/test_answer_memory.py` and the container tests."""

from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.dev.big_bodies import BigRequest, form, json_request
from app.dev.emulator import FakeOpenRouter

MIB = 1024 * 1024
PNG = b"\x89PNG\r\n\x1a\n"
SIZE_HEADER = "X-Answer-Bytes"


def streamed(
    request: Request,
    head: bytes,
    tail: bytes,
    piece_size: int = MIB,
    wrap: Callable[[bytes], bytes] | None = None,
) -> AsyncIterator[bytes]:
    """An answer body: `head`, as many bytes of filler as the request's `X-Answer-Bytes` says,
    in pieces of `piece_size` (each passed through `wrap`), `tail`; made as it is sent."""
    size = int(request.headers[SIZE_HEADER])

    async def body() -> AsyncIterator[bytes]:
        yield head
        for _ in range(size // piece_size):
            filler = b"A" * piece_size
            yield wrap(filler) if wrap else filler
        yield tail

    return body()


def audio_chunk(data: bytes) -> bytes:
    """One chat chunk of audio, as a whole SSE event."""
    return b'data: {"choices":[{"index":0,"delta":{"audio":{"data":"' + data + b'"}}}]}\n\n'


def hostile() -> ASGIApp:
    """The fake OpenRouter, but with the huge answers of the module's docstring for requests
    that ask one (`SIZE_HEADER`); every other request is the fake's."""
    fake = FakeOpenRouter()

    async def speech(request: Request) -> Response:
        body = streamed(request, b'{"error":{"message":"', b'"}}')
        return StreamingResponse(body, 400, media_type="application/json")

    async def images(request: Request) -> Response:
        if orjson.loads(await request.body()).get("stream"):
            head = b'data: {"type":"image_generation.partial_image","b64_json":"'
            body = streamed(request, head, b"")
            return StreamingResponse(body, media_type="text/event-stream")
        body = streamed(request, b'{"data":[{"b64_json":"', b'"}]}')
        return StreamingResponse(body, media_type="application/json")

    async def chat(request: Request) -> Response:
        body = streamed(request, b"", b"data: [DONE]\n\n", 16 * 1024, audio_chunk)
        return StreamingResponse(body, media_type="text/event-stream")

    async def transcription(request: Request) -> Response:
        body = streamed(request, b'{"text":"', b'"}')
        return StreamingResponse(body, media_type="application/json")

    huge = Starlette(
        routes=[
            Route("/api/v1/audio/speech", speech, methods=["POST"]),
            Route("/api/v1/images", images, methods=["POST"]),
            Route("/api/v1/chat/completions", chat, methods=["POST"]),
            Route("/api/v1/audio/transcriptions", transcription, methods=["POST"]),
            Mount("/", fake.app),
        ]
    )
    asking = SIZE_HEADER.lower().encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        asked_huge = any(name == asking for name, _ in scope.get("headers", ()))
        await (huge if asked_huge else fake.app)(scope, receive, send)

    return app


SPEECH = {"model": "hexgrad/kokoro-82m", "voice": "af_alloy", "input": "Hi"}
AUDIO = {
    "model": "openai/gpt-audio",
    "modalities": ["text", "audio"],
    "audio": {"voice": "alloy", "format": "wav"},
    "messages": [{"role": "user", "content": "Hi"}],
}
EDIT = {"model": "openai/gpt-image-1", "prompt": "Blue", "stream": "true"}
IMAGES = {
    "model": "black-forest-labs/flux.2-pro",
    "prompt": "A lighthouse",
    "response_format": "url",
}
TRANSCRIPTION = {"model": "openai/whisper-1", "input_audio": {"data": "AAAA", "format": "wav"}}
# Each route: its request (JSON, or a form with one image).
ROUTES: dict[str, BigRequest] = {
    "speech refusal": json_request("/v1/audio/speech", {**SPEECH, "response_format": "mp3"}),
    "image-edit stream": form("/v1/images/edits", EDIT, "image", "a.png", PNG),
    "assembled audio": json_request("/v1/chat/completions", AUDIO),
    "images with url": json_request("/v1/images/generations", IMAGES),
    "transcription": json_request("/v1/audio/transcriptions", TRANSCRIPTION),
}


def asked(request: BigRequest, size: int) -> BigRequest:
    """`request`, asking the hostile upstream for an answer of `size` bytes."""
    return replace(request, headers=(*request.headers, (SIZE_HEADER, str(size))))
