"""A minimal, fast OpenRouter stand-in: raw asyncio + httptools under uvloop, one process.

It is the non-streamed upstream when nginx is absent (or with `--upstream python`), and always
the streaming upstream. It serves what `bench.upstreams.nginx_stand_in` serves:

- `GET /api/v1/models` (any query): the catalog snapshot, so the proxy's catalog loads;
- `POST /api/v1/chat/completions`: the ~600-byte completion, or the ~10 MiB one when the request
  has `X-Bench-Response: big`; with `--stream-chunks N`, a request whose JSON body has
  `"stream": true` gets `text/event-stream` instead: N `data:` events `--stream-interval-ms`
  apart, each starting `data: {"sent_ns":<time.time_ns() at send>,`, then `data: [DONE]`;
- anything else: 404.

HTTP/1.1 with keep-alive; no pipelining while a stream is being sent (neither the proxy nor the
harness pipelines). Run: `python -m bench.stand_in --port N --www DIR [--stream-chunks N]`.
"""

import asyncio
import time
from pathlib import Path
from typing import cast

import click
import httptools
import orjson
import uvloop

from bench.fixtures import BIG_RESPONSE_HEADER, CHAT_PATH, MODELS_PATH

# Everything after `sent_ns` and `seq` in each streamed event: a chat.completion.chunk.
CHUNK_REST = (
    b'"id":"gen-bench-stream","object":"chat.completion.chunk","created":1755600000,'
    b'"model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant",'
    b'"content":"lighthouse "},"finish_reason":null}]}'
)
SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\n"
    b"transfer-encoding: chunked\r\n\r\n"
)
NOT_FOUND = (
    b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
)


def whole_response(body: bytes) -> bytes:
    """A 200 JSON response, head and body, ready to write in one call."""
    head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    return head % len(body) + body


def sse_chunk(event: bytes) -> bytes:
    """`event` as one chunk of a chunked body."""
    return b"%x\r\n%s\r\n" % (len(event), event)


class Answers:
    """The canned responses, plus the stream's shape (`chunks` 0: no streaming)."""

    def __init__(self, www: Path, chunks: int, interval: float) -> None:
        self.models = whole_response((www / "models.json").read_bytes())
        self.completion = whole_response((www / "completion.json").read_bytes())
        self.big = whole_response((www / "big.json").read_bytes())
        self.chunks = chunks
        self.interval = interval


class StandIn(asyncio.Protocol):
    """One client connection. httptools calls the `on_*` methods while `data_received` feeds it."""

    def __init__(self, answers: Answers, streams: set[asyncio.Task[None]]) -> None:
        self._answers = answers
        self._streams = streams  # strong references: the loop keeps only weak ones to tasks
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._url = b""
        self._big = False
        self._body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its interface.
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            assert self._transport is not None
            self._transport.close()

    def on_message_begin(self) -> None:
        self._url, self._big, self._body = b"", False, []

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        if name.lower() == BIG_RESPONSE_HEADER[0].lower().encode():
            self._big = value == BIG_RESPONSE_HEADER[1].encode()

    def on_body(self, body: bytes) -> None:
        # Only the streaming stand-in looks at bodies; the others drop them as nginx does.
        if self._answers.chunks:
            self._body.append(body)

    def on_message_complete(self) -> None:
        transport = self._transport
        assert transport is not None
        method, path = self._parser.get_method(), self._url.partition(b"?")[0]
        if method == b"GET" and path == MODELS_PATH.encode():
            transport.write(self._answers.models)
        elif method == b"POST" and path == CHAT_PATH.encode():
            if self._big:
                transport.write(self._answers.big)
            elif self._answers.chunks and _wants_stream(b"".join(self._body)):
                keep_alive = self._parser.should_keep_alive()
                task = asyncio.get_running_loop().create_task(self._stream(transport, keep_alive))
                self._streams.add(task)
                task.add_done_callback(self._streams.discard)
                return
            else:
                transport.write(self._answers.completion)
        else:
            transport.write(NOT_FOUND)
        if not self._parser.should_keep_alive():
            transport.close()

    async def _stream(self, transport: asyncio.Transport, keep_alive: bool) -> None:
        """Send the events on a fixed schedule from the first one (not `interval` after the
        previous send), so a late wake-up does not push back every later event."""
        loop = asyncio.get_running_loop()
        transport.write(SSE_HEAD)
        start = loop.time()
        for seq in range(self._answers.chunks):
            delay = start + seq * self._answers.interval - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if transport.is_closing():
                return
            event = b'data: {"sent_ns":%d,"seq":%d,%s\n\n' % (time.time_ns(), seq, CHUNK_REST)
            transport.write(sse_chunk(event))
        transport.write(sse_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")
        if not keep_alive:
            transport.close()


def _wants_stream(body: bytes) -> bool:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    return isinstance(payload, dict) and payload.get("stream") is True


async def serve(port: int, answers: Answers) -> None:
    """Serve on 127.0.0.1:`port` until the process is killed."""
    streams: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: StandIn(answers, streams), "127.0.0.1", port, backlog=4096
    )
    async with server:
        await server.serve_forever()


@click.command()
@click.option("--port", type=int, required=True)
@click.option(
    "--www",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Directory holding models.json, completion.json and big.json.",
)
@click.option("--stream-chunks", type=click.IntRange(0), default=0, help="0: never stream.")
@click.option("--stream-interval-ms", type=click.FloatRange(0), default=5.0)
def main(port: int, www: Path, stream_chunks: int, stream_interval_ms: float) -> None:
    """Serve the OpenRouter stand-in on 127.0.0.1."""
    uvloop.run(serve(port, Answers(www, stream_chunks, stream_interval_ms / 1000)))


if __name__ == "__main__":
    main()
