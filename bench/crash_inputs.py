"""The inputs of issue 22's findings 7 and 8, each sent once through the proxy in front of the
fake OpenRouter: speech whose upstream PCM has absurd or awkward parameters, and JSON bodies
nested past what orjson writes back. Prints how many were a 500, a 200 cut short, or logged a
traceback (the `app` logger's and uvicorn's errors: the fake's too, which runs under uvicorn in
the same process and fails on the nested bodies the proxy forwarded before the fix).

`python -m bench.crash_inputs`; for another checkout's code (the "before"), run this file with
that checkout first on the path: `PYTHONPATH=/path/to/checkout python bench/crash_inputs.py`.
"""

import contextlib
import itertools
import logging
from collections import Counter
from collections.abc import Iterator

import httpx2
import orjson

from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve, wait_until_ready
from app.main import SERVER_OPTIONS, create_app
from app.settings import Settings

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


def speech_outcomes(url: str) -> Counter[str]:
    import app.dev.emulator.speech as fake_speech

    outcomes = Counter[str]()
    for pcm_type, format_ in itertools.product(PCM_TYPES, FORMATS):
        fake_speech.PCM_TYPE = pcm_type  # type: ignore[misc]  # what the fake answers
        body = orjson.dumps({**SPEECH, "response_format": format_})
        outcomes[outcome(url, "/v1/audio/speech", body)] += 1
    return outcomes


def nested_outcomes(url: str) -> Counter[str]:
    outcomes = Counter[str]()
    for (path, body), depth in itertools.product(JSON_ROUTES.items(), DEPTHS):
        outcomes[outcome(url, path, nested(body, depth))] += 1
    return outcomes


def main() -> None:
    counted = Tracebacks()
    with proxy_and_fake(FakeOpenRouter()) as url:
        # Once the servers run: uvicorn configures its loggers as it starts.
        for name in ("app", "uvicorn.error"):
            logging.getLogger(name).addHandler(counted)
        for title, run in (
            ("finding 7, speech PCM", speech_outcomes),
            ("finding 8, nested JSON", nested_outcomes),
        ):
            before = counted.count
            outcomes = run(url)
            print(
                f"{title}: {outcomes.total()} requests, {dict(sorted(outcomes.items()))}, ", end=""
            )
            print(f"{counted.count - before} tracebacks logged")


if __name__ == "__main__":
    main()
