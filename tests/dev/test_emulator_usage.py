"""The fake's usage (`app.dev.emulator.usage`): numbers a test can compute from the request,
and the record of every usage sent."""

from collections.abc import Iterator

import httpx2
import pytest

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.real import USAGE, compact
from app.dev.emulator.usage import SentUsage, chat_usage, embeddings_usage, tokens
from app.dev.local_server import serve

AUTH = {"Authorization": "Bearer sk-test"}
HI = [{"role": "user", "content": "hello there"}]


@pytest.fixture(scope="module")
def fake() -> FakeOpenRouter:
    return FakeOpenRouter()


@pytest.fixture(scope="module")
def url(fake: FakeOpenRouter) -> Iterator[str]:
    with serve(fake.app) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(fake: FakeOpenRouter) -> None:
    fake.usage.sent.clear()
    fake.usage.from_input = False


def test_by_default_answers_carry_the_recorded_usage_and_it_is_recorded(
    fake: FakeOpenRouter, url: str
) -> None:
    body = {"model": "openai/gpt-5", "messages": HI}
    answer = httpx2.post(f"{url}/api/v1/chat/completions", json=body, headers=AUTH).json()
    assert answer["usage"] == USAGE
    assert fake.usage.sent == [SentUsage("/chat/completions", "openai/gpt-5", USAGE)]


def test_from_input_the_counts_follow_from_the_request(fake: FakeOpenRouter, url: str) -> None:
    fake.usage.from_input = True
    body = {"model": "openai/gpt-5", "messages": HI}
    answer = httpx2.post(f"{url}/api/v1/chat/completions", json=body, headers=AUTH).json()
    text = answer["choices"][0]["message"]["content"]
    assert answer["usage"] == chat_usage(len(compact(HI)), len(text))
    assert answer["usage"]["prompt_tokens"] == tokens(len(compact(HI)))
    assert answer["usage"]["prompt_tokens_details"]["cached_tokens"] > 0
    embedded = {"model": "openai/text-embedding-3-small", "input": ["ab", "cde"]}
    answer = httpx2.post(f"{url}/api/v1/embeddings", json=embedded, headers=AUTH).json()
    assert answer["usage"] == embeddings_usage(5)
    assert [sent.path for sent in fake.usage.sent] == ["/chat/completions", "/embeddings"]


def test_speech_carries_no_usage_and_none_is_recorded(fake: FakeOpenRouter, url: str) -> None:
    body = {"model": "hexgrad/kokoro-82m", "input": "Hello", "voice": "af_alloy"}
    answer = httpx2.post(f"{url}/api/v1/audio/speech", json=body, headers=AUTH)
    assert answer.headers["content-type"].startswith("audio/pcm")
    assert fake.usage.sent == []
