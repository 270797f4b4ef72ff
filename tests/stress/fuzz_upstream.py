"""A hostile OpenRouter for `tests/stress/test_fuzz.py`: the fake OpenRouter, except that a
share of the requests it receives, once `hostile` is set, get a hostile answer instead of its own.

Hostile answers are what a broken or malicious upstream could send the proxy: any status with
garbage, JSON of the wrong shape, JSON nested past orjson's limits, huge numbers and duplicate
keys, bodies cut short or reset mid-answer, SSE events that never end or carry junk, a gzip
header on bytes that are not gzip, PCM audio with parameters out of any range. Each is at most
a few MiB, so that the fuzz run's memory check measures leaks, not one answer.
"""

import random
import threading

from starlette.types import ASGIApp, Receive, Scope, Send

from app.dev.emulator import FakeOpenRouter, ReceivedRequest

Answer = tuple[int, list[tuple[bytes, bytes]], list[bytes], bool]  # status, headers, pieces, reset
JSON = [(b"content-type", b"application/json")]
SSE = [(b"content-type", b"text/event-stream")]


def _pcm(parameters: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", b"audio/pcm;" + parameters)]


PCM_PARAMETERS = [
    b"rate=4294967296;channels=1",
    b"rate=24000;channels=70000",
    b"rate=1e20;channels=1",
    b"rate=22050;channels=1",
    b"rate=44100;channels=2",
    b"rate=24000;channels=3",
    b"rate=0;channels=0",
    b"rate=-1",
    b"",
]
# Every field the proxy reads of an answer, of another type than documented.
WRONG_TYPES = (
    b'{"id": {}, "status": [], "data": {"0": 1}, "text": [], "usage": "x", "error": 7, '
    b'"choices": [{"message": {"images": 5, "audio": []}, "delta": 1}], "created": "x", '
    b'"output": [{"type": "image_generation_call", "result": 1}], "unsigned_urls": 3}'
)
CONTENT_TYPES = [b"audio/mpeg", b"video/mp4", b"text/plain", b"image/png", b"\xff", b""]


def hostile_answer(rng: random.Random) -> Answer:
    """One hostile answer, picked by `rng`: (status, headers, body pieces, reset after them)."""
    status = rng.choice([200, 200, 200, 400, 404, 429, 500, 502, 503])
    size = rng.choice([0, 1, 100, 64 * 1024, 3 * 1024 * 1024])
    depth = rng.choice([250, 254, 255, 600, 1023, 1024, 1025])
    junk = rng.randbytes(size)
    shapes: list[Answer] = [
        (status, JSON, [junk], False),
        (status, JSON, [b'{"error": {"message": "x", "code": ' + b"9" * 400 + b"}}"], False),
        (status, JSON, [b'{"data": [], "data": {"a": 1e999}, "choices": 7}'], False),
        (status, JSON, [b'{"data":' + b"[" * depth + b"]" * depth + b"}"], False),
        (status, JSON, [b'{"data": [{"embedding": [1, "x", null]}]}'], False),
        (status, JSON, [b'{"choices": [{"message": ' + b"x" * size], True),
        (status, JSON, [b"[" * 1000], False),
        (status, JSON, [WRONG_TYPES], False),
        (200, SSE, [b"data: " + b"x" * size], False),  # an event that never ends
        (200, SSE, [b'data: {"choices": [{"delta": {"content": "a"}}]}\n\n'], True),
        (200, SSE, [b"data: " + junk + b"\n\ndata: [DONE]\n\n"], False),
        (status, [*JSON, (b"content-encoding", b"gzip")], [junk[:100]], False),
        (200, _pcm(rng.choice(PCM_PARAMETERS)), [junk], False),
        (400, JSON, [b'{"error": {"message": "mp3 ' + b"x" * size + b'"}}'], False),
        (status, [(b"content-type", rng.choice(CONTENT_TYPES))], [b"{}"], False),
    ]
    return rng.choice(shapes)


class HostileUpstream:
    """An ASGI app: `fake.app`, or with probability `share` once `hostile` is set, a hostile
    answer (the request still recorded in `fake.requests`, so what reached upstream is checked
    either way)."""

    def __init__(self, fake: FakeOpenRouter, share: float, seed: int) -> None:
        self.fake = fake
        self.share = share
        self.hostile = threading.Event()
        self.answered = 0  # hostile answers given
        self._rng = random.Random(seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.hostile.is_set() or self._rng.random() >= self.share:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query = scope["query_string"].decode("latin-1")
        self.fake.requests.append(
            ReceivedRequest(scope["method"], scope["path"], query, headers, body)
        )
        self.answered += 1
        status, answer_headers, pieces, reset = hostile_answer(self._rng)
        await send({"type": "http.response.start", "status": status, "headers": answer_headers})
        for piece in pieces:
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        if reset:
            raise ConnectionResetError("hostile upstream: reset mid-answer")
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    @property
    def app(self) -> ASGIApp:
        return self.fake.app


async def _read_body(receive: Receive) -> bytes:
    pieces = []
    while True:
        message = await receive()
        pieces.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(pieces)
