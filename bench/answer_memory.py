"""`python -m bench.answer_memory`: the proxy's memory when upstream sends a huge answer that the
proxy would hold whole, route by route (issue 22, findings 3 and 4).

Runs a hostile upstream in this process (the fake OpenRouter, `app.dev.emulator`, except for the
answers below, each `--mib` MiB, streamed from a generator so that this process holds none of
it) and, for each route, a new proxy (`python -m app` of `--repo`, default this checkout) on
127.0.0.1: after one request with a 1 MiB answer (to warm it up), it prints the proxy's answer
to the huge one and its peak RSS growth over its RSS before the request (the peak is reset
first, through /proc/PID/clear_refs). The size of each answer is asked by the client in a header
(`X-Answer-Bytes`) that the proxy forwards. The answers:

- speech refusal: `POST /audio/speech` (mp3) answered 400 with a JSON error that long;
- image-edit stream: `POST /images` (a streamed edit) answered with one SSE event that never ends;
- assembled audio: `POST /chat/completions` (audio, not streamed) answered with audio chunks
  of 16 KiB;
- images with url: `POST /images` (`response_format: "url"`) answered with one image that long;
- transcription: `POST /audio/transcriptions` answered with a JSON text that long.
"""

import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import click
import httpx2
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Mount, Route

from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve
from bench.fixtures import AUTHORIZATION, REPO
from bench.image_memory import reset_peak
from bench.procstat import peak_rss_bytes, rss_bytes
from bench.upstreams import Service, proxy

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


def hostile() -> Starlette:
    """The fake OpenRouter, but with the huge answers of the module's docstring."""
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

    return Starlette(
        routes=[
            Route("/api/v1/audio/speech", speech, methods=["POST"]),
            Route("/api/v1/images", images, methods=["POST"]),
            Route("/api/v1/chat/completions", chat, methods=["POST"]),
            Route("/api/v1/audio/transcriptions", transcription, methods=["POST"]),
            Mount("/", fake.app),
        ]
    )


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
# Each route: its path and what the request carries (JSON, or a form with one image).
ROUTES: dict[str, tuple[str, dict[str, Any]]] = {
    "speech refusal": ("/v1/audio/speech", {"json": {**SPEECH, "response_format": "mp3"}}),
    "image-edit stream": ("/v1/images/edits", {"data": EDIT, "files": {"image": ("a.png", PNG)}}),
    "assembled audio": ("/v1/chat/completions", {"json": AUDIO}),
    "images with url": ("/v1/images/generations", {"json": IMAGES}),
    "transcription": ("/v1/audio/transcriptions", {"json": TRANSCRIPTION}),
}


def measured(service: Service, path: str, request: dict[str, Any], size: int) -> tuple[float, str]:
    """Peak RSS growth of the proxy over one request whose answer is `size` bytes, and what the
    client got."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1], SIZE_HEADER: str(size)}
    got_bytes, status = 0, 0
    try:
        url = f"{service.url}{path}"
        with httpx2.stream("POST", url, headers=headers, timeout=300, **request) as answer:
            status = answer.status_code
            for chunk in answer.iter_raw():
                got_bytes += len(chunk)
        got = f"{status}, {got_bytes:,} bytes"
    except httpx2.HTTPError as error:
        got = f"{status or 'no status'}, cut after {got_bytes:,} bytes ({type(error).__name__})"
    return (peak_rss_bytes(service.pid) - before) / MIB, got


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--mib", type=click.IntRange(1, 1024), default=200, show_default=True)
@click.option("--repo", type=click.Path(path_type=Path), default=REPO, show_default=True)
def main(mib: int, repo: Path) -> None:
    """Measure the proxy's memory for huge answers; see the module's docstring."""
    click.echo(f"{mib} MiB answers, proxy of {repo}")
    with (
        tempfile.TemporaryDirectory(prefix="answer-memory-") as work,
        serve(hostile()) as url,
    ):
        for route, (path, request) in ROUTES.items():
            with proxy(route.replace(" ", "-"), Path(work), Service("hostile", url, 0), repo) as it:
                measured(it, path, request, MIB)  # warm-up
                idle = rss_bytes(it.pid) / MIB
                growth, got = measured(it, path, request, mib * MIB)
                click.echo(
                    f"{route:>17}: {got}; proxy RSS {idle:.0f} MiB, peak growth {growth:.1f} MiB"
                )


if __name__ == "__main__":
    main()
