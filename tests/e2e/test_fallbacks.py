"""`models` fallback lists run end to end with the `openai` SDK, plain and streamed (the pure
choices are in tests/policy/test_fallbacks.py)."""

from typing import Any

import httpx2
import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter

FLUX, GEMINI, GPT = "black-forest-labs/flux.2-pro", "google/gemini-2.5-flash-image", "openai/gpt-5"
PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]
AUTH = {"Authorization": "Bearer k"}


def chat_bodies(fake: FakeOpenRouter) -> list[dict[str, Any]]:
    return [orjson.loads(r.body) for r in fake.requests if r.path == "/api/v1/chat/completions"]


@pytest.mark.parametrize("stream", [False, True])
def test_a_mixed_list_is_run_by_the_proxy_each_model_with_its_modalities(
    fake: FakeOpenRouter, proxy_url: str, stream: bool
) -> None:
    fake.down_models.add(GEMINI)
    with openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="k", max_retries=0) as client:
        answer = client.chat.completions.with_raw_response.create(
            model=GEMINI,
            messages=PROMPT,
            stream=stream,
            extra_body={"models": [FLUX], "modalities": ["image", "text"]},
        )
        parsed = answer.parse()
        models = (
            {chunk.model for chunk in parsed}
            if isinstance(parsed, openai.Stream)
            else {parsed.model}
        )
    assert models == {FLUX}  # the model that answered, in the body as usual
    assert answer.headers["x-modalities"] == "image"
    sent = [(body["model"], body.get("modalities"), "models" in body) for body in chat_bodies(fake)]
    assert sent == [(GEMINI, ["image", "text"], False), (FLUX, ["image"], False)]


def test_when_every_model_fails_the_last_failure_goes_back(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    fake.down_models.update({GEMINI, FLUX})
    body = {"models": [GEMINI, FLUX], "modalities": ["image", "text"], "messages": PROMPT}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] == f"No provider of {FLUX} is available right now"


def test_one_request_never_becomes_thousands_of_upstream_calls(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    many = [f"test/down-{number}" for number in range(2000)]
    fake.down_models.update(many)
    body = {"models": many, "modalities": ["image", "text"], "messages": PROMPT}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "too_many_models"
    assert chat_bodies(fake) == []


def test_a_client_error_is_not_a_reason_to_try_the_next_model(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    modalities = ["image", "text"]  # as it is for the unknown model, ["image"] for flux
    body = {"models": ["test/error-402", FLUX], "modalities": modalities, "messages": PROMPT}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 402
    assert [b["model"] for b in chat_bodies(fake)] == ["test/error-402"]


def test_a_model_refused_locally_is_skipped(fake: FakeOpenRouter, proxy_url: str) -> None:
    body = {"models": [GPT, FLUX], "modalities": ["image"], "messages": PROMPT}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 200
    assert [b["model"] for b in chat_bodies(fake)] == [FLUX]  # gpt-5 makes no images


def test_when_the_decisions_agree_one_request_goes_with_models(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    flux_max = "black-forest-labs/flux.2-max"
    body = {"models": [FLUX, flux_max], "modalities": ["image", "text"], "messages": PROMPT}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 200
    [sent] = chat_bodies(fake)
    assert sent["models"] == [FLUX, flux_max]
    assert sent["modalities"] == ["image"]


def test_each_model_of_a_fallback_run_is_sent_the_client_s_bytes(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    """Each model's body is the client's, edited: `model` set, `models` and what the model
    needs changed taken out; an integer beyond 64 bits stays exact."""
    fake.down_models.add(GEMINI)
    body = b'{"models": ["%s"], "model": "%s", "modalities": ["image", "text"], "seed": %d}' % (
        FLUX.encode(),
        GEMINI.encode(),
        2**70,
    )
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", content=body, headers=AUTH)
    assert answer.status_code == 200
    sent = [r.body for r in fake.requests if r.path == "/api/v1/chat/completions"]
    assert sent == [
        b'{"model": "%s", "modalities": ["image", "text"], "seed": %d}' % (GEMINI.encode(), 2**70),
        b'{"model": "%s", "modalities": ["image"], "seed": %d}' % (FLUX.encode(), 2**70),
    ]
