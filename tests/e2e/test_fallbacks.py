"""`models` fallback lists: the pure choices (app/policy/fallbacks.py), and the fallback run end
to end with the `openai` SDK, plain and streamed."""

from typing import Any

import httpx2
import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter
from app.errors import ProxyError
from app.policy import fallbacks
from app.policy.modalities import MISSING, Action, Decision

FLUX, GEMINI, GPT = "black-forest-labs/flux.2-pro", "google/gemini-2.5-flash-image", "openai/gpt-5"
PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]
AUTH = {"Authorization": "Bearer k"}


@pytest.mark.parametrize(
    ("payload", "order"),
    [
        ({"model": "a"}, None),
        ({"models": ["a", "b"]}, ["a", "b"]),
        ({"model": "a", "models": ["b", "c"]}, ["a", "b", "c"]),
        ({"model": "b", "models": ["a", "b"]}, ["b", "a"]),
    ],
)
def test_the_models_to_try(payload: dict[str, Any], order: list[str] | None) -> None:
    assert fallbacks.candidates(payload) == order


@pytest.mark.parametrize("models", ["a", [1], [""], {"a": 1}])
def test_a_models_field_that_is_not_a_list_of_ids_is_a_400(models: object) -> None:
    with pytest.raises(ProxyError, match="models"):
        fallbacks.candidates({"models": models})


UNCHANGED = Decision(Action.UNCHANGED, "")
IMAGE = Decision(Action.REWRITE, "", ("image",))
IMAGE_TEXT = Decision(Action.REWRITE, "", ("image", "text"))
DROP = Decision(Action.DROP, "")
REJECT = Decision(Action.REJECT, "no")


@pytest.mark.parametrize(
    ("decisions", "requested", "agree"),
    [
        ([UNCHANGED, UNCHANGED], ["image"], True),
        ([UNCHANGED, IMAGE], ["image"], True),  # both send ["image"]
        ([UNCHANGED, IMAGE], ["image", "text"], False),
        ([IMAGE, IMAGE_TEXT], ["image"], False),
        ([DROP, DROP], ["image", "text"], True),
        ([DROP, UNCHANGED], MISSING, False),
        ([REJECT, REJECT], ["audio"], True),  # the same refusal: one local 400
        ([REJECT, IMAGE], ["image", "text"], False),
        ([UNCHANGED], ["text"], True),
    ],
)
def test_when_one_body_suits_every_model(
    decisions: list[Decision], requested: object, agree: bool
) -> None:
    assert fallbacks.agree(decisions, requested) is agree


@pytest.mark.parametrize(
    ("status", "next_model"),
    [
        *((status, True) for status in (404, 408, 429, 500, 503, 529)),
        *((status, False) for status in (200, 400, 401, 402, 403)),
    ],
)
def test_which_answers_move_to_the_next_model(status: int, next_model: bool) -> None:
    assert fallbacks.tries_next(status) is next_model


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
