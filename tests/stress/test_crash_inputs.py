"""The inputs of issue 22's findings 7 and 8, each sent once through the proxy in front of the
fake OpenRouter: speech whose upstream PCM has absurd or awkward parameters, and JSON bodies
nested past what orjson writes back. None may be a 500 or an answer cut short, nor log a
traceback (the `app` logger's and uvicorn's errors: the fake's too, which runs under uvicorn in
the same process and failed on the nested bodies the proxy forwarded before the fix); every
nested body is refused with a 400. Before the fix: 16 of the 42 were a 500 and 8 cut short,
with 24 tracebacks logged.
"""

import contextlib
import itertools
import logging
from collections import Counter
from collections.abc import Iterator

import httpx2
import orjson
import pytest

import app.dev.emulator.speech as fake_speech
from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve, wait_until_ready
from app.main import SERVER_OPTIONS, create_app
from app.settings import Settings

pytestmark = pytest.mark.stress

SPEECH: dict[str, object] = {"model": "hexgrad/kokoro-82m", "input": "Hello", "voice": "af_alloy"}
PCM_TYPES = (
    "audio/pcm;rate=4294967296",
    "audio/pcm;rate=1e20",
    "audio/pcm;channels=70000",
    "audio/pcm;channels=3",
    "audio/pcm;rate=22050",  # realistic, but not a rate opus takes
    "audio/pcm;rate=44100",
)
FORMATS = ("wav", "opus", "aac", "flac")
JSON_ROUTES: dict[str, dict[str, object]] = {
    "/v1/chat/completions": {
        "model": "google/gemini-2.5-flash-image",
        "messages": [{"role": "user", "content": "hi"}],
        "modalities": ["image"],
    },
    "/v1/responses": {"model": "google/gemini-2.5-flash-image", "input": "hi"},
    "/v1/embeddings": {"model": "openai/text-embedding-3-small", "input": "hi"},
    "/v1/audio/speech": SPEECH,
    "/v1/audio/transcriptions": {
        "model": "openai/whisper-1",
        "input_audio": {"data": "AAAA", "format": "wav"},
    },
    "/api/v1/videos": {"model": "google/veo-3.1", "prompt": "a fox"},
}
DEPTHS = (255, 600, 1023)  # past orjson's 254, up to the 1,024 it parses
HEADERS = {"Authorization": "Bearer sk-or-bench", "Content-Type": "application/json"}


class Tracebacks(logging.Handler):
    """Counts the log records that carry a traceback."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.exc_info is not None


@contextlib.contextmanager
def proxy_and_fake(fake: FakeOpenRouter) -> Iterator[str]:
    with serve(fake.app) as fake_url:
        settings = Settings(openrouter_base_url=f"{fake_url}/api/v1")
        with serve(create_app(settings), **SERVER_OPTIONS) as url:
            wait_until_ready(url, 30.0)
            yield url


def outcome(url: str, path: str, body: bytes) -> str:
    """The status of the answer, or "cut" when it ended before its end."""
    try:
        answer = httpx2.post(f"{url}{path}", content=body, headers=HEADERS, timeout=30.0)
    except httpx2.TransportError:
        return "cut"
    return str(answer.status_code)


def nested(body: dict[str, object], depth: int) -> bytes:
    deep = b"[" * (depth - 1) + b"]" * (depth - 1)
    return orjson.dumps(body)[:-1] + b',"deep":' + deep + b"}"


def speech_outcomes(url: str, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    outcomes = Counter[str]()
    for pcm_type, format_ in itertools.product(PCM_TYPES, FORMATS):
        monkeypatch.setattr(fake_speech, "PCM_TYPE", pcm_type)  # what the fake answers
        body = orjson.dumps({**SPEECH, "response_format": format_})
        outcomes[outcome(url, "/v1/audio/speech", body)] += 1
    return outcomes


def nested_outcomes(url: str) -> Counter[str]:
    outcomes = Counter[str]()
    for (path, body), depth in itertools.product(JSON_ROUTES.items(), DEPTHS):
        outcomes[outcome(url, path, nested(body, depth))] += 1
    return outcomes


@pytest.fixture
def url() -> Iterator[str]:
    with proxy_and_fake(FakeOpenRouter()) as started:
        yield started


@pytest.fixture
def tracebacks(url: str) -> Iterator[Tracebacks]:
    """Counts from once the servers run: uvicorn configures its loggers as it starts."""
    counted = Tracebacks()
    loggers = [logging.getLogger(name) for name in ("app", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(counted)
    yield counted
    for logger in loggers:
        logger.removeHandler(counted)


def test_absurd_pcm_from_upstream_is_never_a_crash(
    url: str, tracebacks: Tracebacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes = speech_outcomes(url, monkeypatch)
    print(f"finding 7, speech PCM: {dict(sorted(outcomes.items()))}")
    assert outcomes.total() == len(PCM_TYPES) * len(FORMATS)
    assert not outcomes.keys() & {"500", "cut"}
    assert tracebacks.count == 0


def test_bodies_nested_past_what_orjson_writes_are_refused(
    url: str, tracebacks: Tracebacks
) -> None:
    outcomes = nested_outcomes(url)
    assert outcomes == {"400": len(JSON_ROUTES) * len(DEPTHS)}
    assert tracebacks.count == 0
