"""The answers the proxy holds whole have a cap each, in-process (the whole app over a fake
upstream): an upstream answering over it gets the client a 502 `upstream_bad_answer` (or, in a
stream already under way, a last error event), its connection closed, counted, and the proxy's
memory does not follow the answer."""

import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from app.dev.huge_answers import AUDIO, SPEECH
from tests.api.conftest import FLUX, ready_client
from tests.fake_upstream import FakeAnswer, FakeUpstream

MIB = 1024 * 1024
CAP = MIB  # every cap of these tests
PIECE = 64 * 1024
ANSWER = 16 * MIB  # what the hostile upstream sends: far over the cap
# The most the proxy may allocate while it refuses the answer: the cap, a piece, and what one
# request costs anyway (today's code held the whole answer, at least 16 MiB).
MEMORY_BOUND = 4 * CAP
CAPS: dict[str, Any] = {
    "proxy_max_upstream_error_bytes": CAP,
    "proxy_max_sse_event_bytes": CAP,
    "proxy_max_audio_answer_bytes": CAP,
    "proxy_max_image_answer_bytes": CAP,
    "proxy_max_transcription_answer_bytes": CAP,
}
PNG_UPLOAD = ("square.png", b"\x89PNG\r\n\x1a\n", "image/png")


def filler(size: int) -> Iterator[bytes]:
    """`size` bytes of base64-like filler, in new pieces made as they are read."""
    for _ in range(size // PIECE):
        yield b"A" * PIECE


def json_around(head: bytes, tail: bytes) -> Iterator[bytes]:
    """A JSON answer whose one string is ANSWER bytes long."""
    yield head
    yield from filler(ANSWER)
    yield tail


def audio_events() -> Iterator[bytes]:
    """A chat stream of audio chunks, each a whole event, ANSWER bytes in all."""
    head, tail = b'data: {"choices":[{"index":0,"delta":{"audio":{"data":"', b'"}}}]}\n\n'
    for piece in filler(ANSWER):
        yield head + piece + tail


def endless_event() -> Iterator[bytes]:
    """An Images API stream whose first event never ends (no blank line)."""
    yield b'data: {"type":"image_generation.partial_image","b64_json":"'
    yield from filler(ANSWER)


@pytest.fixture
def client(upstream: FakeUpstream) -> Iterator[TestClient]:
    with ready_client(upstream, **CAPS) as client:
        yield client


def post(client: TestClient, path: str, **request: Any) -> tuple[Any, int]:
    """The answer to one POST, and the most the process allocated meanwhile (bytes)."""
    tracemalloc.start()
    try:
        answer = client.post(path, **request)
        return answer, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


TRANSCRIPTION = {"model": "openai/whisper-1", "input_audio": {"data": "AAAA", "format": "wav"}}
IMAGES_URL = {"model": FLUX, "prompt": "A lighthouse", "response_format": "url"}
# Each route whose answer the proxy holds whole: upstream's answer, and the request for it.
CASES: dict[str, tuple[Callable[[], FakeAnswer], str, dict[str, Any]]] = {
    "speech refusal": (
        lambda: FakeAnswer(400, json_around(b'{"error":{"message":"refused ', b'"}}')),
        "/v1/audio/speech",
        {**SPEECH, "response_format": "mp3"},
    ),
    "assembled audio": (
        lambda: FakeAnswer(200, audio_events(), "text/event-stream"),
        "/v1/chat/completions",
        AUDIO,
    ),
    "images with url": (
        lambda: FakeAnswer(200, json_around(b'{"data":[{"b64_json":"', b'"}]}')),
        "/v1/images/generations",
        IMAGES_URL,
    ),
    "transcription": (
        lambda: FakeAnswer(200, json_around(b'{"text":"', b'"}')),
        "/v1/audio/transcriptions",
        TRANSCRIPTION,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_an_answer_over_its_cap_is_a_502_in_bounded_memory(
    client: TestClient, upstream: FakeUpstream, case: str
) -> None:
    make_answer, path, body = CASES[case]
    answer = make_answer()
    upstream.answers.append(answer)
    response, peak = post(client, path, json=body)
    assert response.status_code == 502
    error = response.json()["error"]
    assert (error["code"], error["type"]) == ("upstream_bad_answer", "upstream_error")
    assert f"more than {CAP:,} bytes" in error["message"]
    assert answer.closed  # not read to its end: dropped
    assert peak < MEMORY_BOUND
    metrics = client.get("/metrics").text
    assert 'failure="answer_too_large"' in metrics


def test_a_stream_event_over_its_cap_ends_the_stream_with_an_error_event(
    client: TestClient, upstream: FakeUpstream
) -> None:
    answer = FakeAnswer(200, endless_event(), "text/event-stream")
    upstream.answers.append(answer)
    form = {"model": "openai/gpt-image-1", "prompt": "Blue", "stream": "true"}
    response, peak = post(client, "/v1/images/edits", data=form, files={"image": PNG_UPLOAD})
    assert response.status_code == 200  # sent before the first event
    assert response.content.startswith(b"data: ")
    assert response.content.endswith(b"\n\n")
    [event] = response.content.removesuffix(b"\n\n").split(b"\n\n")
    error = orjson.loads(event.removeprefix(b"data: "))["error"]
    assert error["code"] == 502
    assert f"more than {CAP:,} bytes" in error["message"]
    assert answer.closed
    assert peak < MEMORY_BOUND
    assert 'failure="answer_too_large"' in client.get("/metrics").text


def test_answers_within_their_caps_pass(client: TestClient, upstream: FakeUpstream) -> None:
    text = "x" * (CAP // 2)
    upstream.answers.append(FakeAnswer(200, orjson.dumps({"text": text})))
    response = client.post("/v1/audio/transcriptions", json=TRANSCRIPTION)
    assert response.status_code == 200
    assert response.json()["text"] == text
