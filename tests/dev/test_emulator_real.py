"""The fake answers as the real OpenRouter does (docs/openrouter.md, "What real answers look
like"): the facts not covered by test_emulator.py."""

import gzip
import json
from typing import Any

import httpx2
import pytest

from app.dev.emulator import FakeOpenRouter

AUTH = {"Authorization": "Bearer sk-test"}
HI = [{"role": "user", "content": "hi"}]


def raw_post(url: str, body: dict[str, Any], headers: dict[str, str]) -> httpx2.Response:
    """A POST whose answer is read as it came (no decompression by the client)."""
    with (
        httpx2.Client() as client,
        client.stream(
            "POST", f"{url}/api/v1/chat/completions", json=body, headers=headers
        ) as answer,
    ):
        answer.raw_body = b"".join(answer.iter_raw())  # type: ignore[attr-defined]
        return answer


def test_chat_answers_are_gzipped_when_accepted_and_name_the_canonical_slug(fake_url: str) -> None:
    body = {"model": "openai/gpt-5", "messages": HI}
    zipped = raw_post(fake_url, body, {**AUTH, "Accept-Encoding": "gzip"})
    plain = raw_post(fake_url, body, {**AUTH, "Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    completion = json.loads(gzip.decompress(zipped.raw_body))  # type: ignore[attr-defined]
    assert completion["model"] == "openai/gpt-5-2025-08-07"
    message = completion["choices"][0]["message"]
    assert message["refusal"] is None
    assert message["reasoning"] is None
    assert "images" not in message
    assert completion["choices"][0]["logprobs"] is None
    assert {"cost", "prompt_tokens_details", "completion_tokens_details"} <= set(
        completion["usage"]
    )
    assert zipped.headers["x-generation-id"] == completion["id"]


def test_the_model_list_is_gzipped_and_cached_as_a_cdn_serves_it(fake_url: str) -> None:
    with (
        httpx2.Client() as client,
        client.stream(
            "GET", f"{fake_url}/api/v1/models", headers={"Accept-Encoding": "gzip"}
        ) as answer,
    ):
        raw = b"".join(answer.iter_raw())
    assert answer.headers["content-encoding"] == "gzip"
    assert answer.headers["cache-control"].startswith("public, max-age=300")
    assert json.loads(gzip.decompress(raw))["data"]


@pytest.mark.parametrize(
    ("key", "model", "status", "message"),
    [
        ("sk-or-v1-unknown", "openai/gpt-5", 401, "User not found."),
        ("sk-test", "test/error-402", 402, "This request requires more credits"),
    ],
)
def test_the_exact_error_bodies(
    fake_url: str, key: str, model: str, status: int, message: str
) -> None:
    body = {"model": model, "messages": HI}
    answer = httpx2.post(
        f"{fake_url}/api/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.status_code == status
    assert answer.json()["error"]["message"].startswith(message)
    assert answer.json()["error"]["code"] == status


@pytest.mark.parametrize(("shape", "finish"), [("stop", "stop"), ("null", None), ("empty", "-")])
def test_usage_comes_in_its_own_chunk_in_each_recorded_shape(
    fake: FakeOpenRouter, fake_url: str, shape: str, finish: str | None
) -> None:
    fake.usage_chunk = shape
    body = {"model": "openai/gpt-5", "messages": HI, "stream": True}
    answer = httpx2.post(f"{fake_url}/api/v1/chat/completions", json=body, headers=AUTH)
    chunks = [
        json.loads(line.removeprefix("data: "))
        for line in answer.text.split("\n\n")
        if line.startswith("data: {")
    ]
    usage = chunks[-1]
    assert usage["usage"]["total_tokens"] == 15
    assert "usage" not in chunks[-2]
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    choices = usage["choices"]
    assert (choices[0]["finish_reason"] if choices else "-") == finish


def test_a_responses_stream_has_no_event_lines_and_ends_with_done(fake_url: str) -> None:
    body = {"model": "openai/gpt-5", "input": "hi", "stream": True}
    answer = httpx2.post(f"{fake_url}/api/v1/responses", json=body, headers=AUTH)
    events = [event for event in answer.text.split("\n\n") if event]
    assert not any(line.startswith("event:") for e in events for line in e.split("\n"))
    assert events[0] == ": "
    assert events[-1] == "data: [DONE]"
    created = json.loads(events[1].removeprefix("data: "))
    assert created["type"] == "response.created"
    assert answer.headers["x-generation-id"] == created["response"]["id"]
    assert created["response"]["id"].startswith("gen-")
