"""Self-healing, end to end: upstream refuses the `modalities` that the proxy's catalog chose (or
let through), the proxy looks the model up again and retries once, before any byte reached the
client."""

from typing import Any

import httpx2
import openai
import orjson
import pytest
from openai.types.chat import (
    ChatCompletionContentPartImageParam,
    ChatCompletionContentPartTextParam,
    ChatCompletionMessageParam,
)

from app.dev.emulator import FakeOpenRouter, ReceivedRequest
from app.dev.emulator.answers import PNG_B64

PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]
AUTH = {"Authorization": "Bearer k"}
HIDDEN = {"id": "hidden/painter", "architecture": {"output_modalities": ["image"]}}

# What each test is about, the proxy learns (a model healed, one served by the Images API only):
# a proxy of each test's own, so that none starts knowing what an earlier one taught it.
pytestmark = pytest.mark.fresh_proxy


def chats(fake: FakeOpenRouter) -> list[ReceivedRequest]:
    return [r for r in fake.requests if r.path == "/api/v1/chat/completions"]


def sent_modalities(fake: FakeOpenRouter) -> list[Any]:
    return [orjson.loads(r.body).get("modalities") for r in chats(fake)]


def lookups(fake: FakeOpenRouter) -> list[str]:
    return [r.path for r in fake.requests if r.path.startswith("/api/v1/model/")]


@pytest.mark.parametrize("stream", [False, True])
def test_a_model_hidden_from_every_list_is_healed_on_first_use(
    fake: FakeOpenRouter, client: openai.OpenAI, stream: bool
) -> None:
    fake.add_model(HIDDEN, listed=False)
    answer = client.chat.completions.with_raw_response.create(
        model="hidden/painter",
        messages=PROMPT,
        stream=stream,
        extra_body={"modalities": ["image", "text"]},
    )
    assert answer.status_code == 200
    assert answer.headers["x-modalities"] == "image"  # what was finally sent
    parsed = answer.parse()
    if isinstance(parsed, openai.Stream):
        assert any((chunk.choices[0].delta.model_extra or {}).get("images") for chunk in parsed)
    else:
        assert (parsed.choices[0].message.model_extra or {})["images"]
    assert sent_modalities(fake) == [["image", "text"], ["image"]]
    assert lookups(fake) == ["/api/v1/model/hidden/painter"]


def test_once_healed_the_model_is_right_from_the_start(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    fake.add_model(HIDDEN, listed=False)
    body = {"model": "hidden/painter", "modalities": ["image", "text"], "messages": PROMPT}
    url = f"{proxy_url}/v1/chat/completions"
    assert httpx2.post(url, json=body, headers=AUTH).status_code == 200
    assert httpx2.post(url, json=body, headers=AUTH).status_code == 200
    assert sent_modalities(fake) == [["image", "text"], ["image"], ["image"]]


def test_a_stale_catalog_record_is_healed(fake: FakeOpenRouter, proxy_url: str) -> None:
    # Upstream changed the model after the proxy loaded its catalog.
    gemini = fake.lookup("google/gemini-2.5-flash-image")
    assert gemini is not None
    gemini["architecture"]["output_modalities"] = ["image"]
    body = {
        "model": "google/gemini-2.5-flash-image",
        "modalities": ["image", "text"],
        "messages": PROMPT,
    }
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 200
    assert answer.headers["x-modalities"] == "image"
    assert sent_modalities(fake) == [["image", "text"], ["image"]]


def test_when_looking_again_changes_nothing_the_refusal_goes_back_once(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    # Upstream serves a model that no lookup knows: nothing to retry with.
    fake._by_id["ghost/painter"] = HIDDEN | {"id": "ghost/painter"}
    fake.lookup_misses.add("ghost/painter")
    body = {"model": "ghost/painter", "modalities": ["image", "text"], "messages": PROMPT}
    url = f"{proxy_url}/v1/chat/completions"
    for _ in range(2):
        answer = httpx2.post(url, json=body, headers=AUTH)
        assert answer.status_code == 404
        assert "output modalities" in answer.json()["error"]["message"]
    assert len(chats(fake)) == 2  # never a retry
    assert lookups(fake) == ["/api/v1/model/ghost/painter"]  # once a window


def test_no_retry_after_bytes_reached_the_client(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    stream = client.chat.completions.create(model="test/stream-error", messages=PROMPT, stream=True)
    with pytest.raises(openai.APIError):
        list(stream)
    assert len(chats(fake)) == 1
    assert not lookups(fake)


QWEN = "qwen/qwen-image-3"  # served only by the Images API


@pytest.mark.parametrize("as_400", [False, True])
@pytest.mark.parametrize("stream", [False, True])
def test_a_model_only_the_images_api_serves_answers_chat_through_it(
    fake: FakeOpenRouter, client: openai.OpenAI, stream: bool, as_400: bool
) -> None:
    fake.wrong_endpoint_as_400 = as_400
    reference: ChatCompletionContentPartImageParam = {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,AAAA"},
    }
    text: ChatCompletionContentPartTextParam = {"type": "text", "text": "Paint it blue"}
    messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": [text, reference]}]
    answer = client.chat.completions.with_raw_response.create(
        model=QWEN,
        messages=messages,
        stream=stream,
        extra_body={"modalities": ["image", "text"], "image_config": {"aspect_ratio": "16:9"}},
    )
    assert answer.status_code == 200
    assert answer.headers["x-served-by"] == "images"
    parsed = answer.parse()
    if isinstance(parsed, openai.Stream):
        images = [
            image
            for chunk in parsed
            for image in (chunk.choices[0].delta.model_extra or {}).get("images") or []
        ]
    else:
        images = (parsed.choices[0].message.model_extra or {})["images"]
    assert [image["image_url"]["url"] for image in images] == [f"data:image/png;base64,{PNG_B64}"]
    [sent] = [r for r in fake.requests if r.path == "/api/v1/images"]
    assert orjson.loads(sent.body) == {
        "model": QWEN,
        "prompt": "Paint it blue",
        "input_references": [reference],
        "aspect_ratio": "16:9",
    }


def test_the_images_api_is_asked_directly_once_chat_said_so(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    body = {"model": QWEN, "messages": PROMPT, "modalities": ["image"]}
    url = f"{proxy_url}/v1/chat/completions"
    for _ in range(2):
        assert httpx2.post(url, json=body, headers=AUTH).status_code == 200
    assert len(chats(fake)) == 1  # the second went straight to /images
    assert len([r for r in fake.requests if r.path == "/api/v1/images"]) == 2


def test_what_the_images_api_cannot_be_asked_is_a_400(fake: FakeOpenRouter, proxy_url: str) -> None:
    body = {"model": QWEN, "messages": PROMPT, "logprobs": True}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unsupported_logprobs"
    assert answer.headers["x-served-by"] == "images"
    assert not [r for r in fake.requests if r.path == "/api/v1/images"]


def test_image_models_chat_serves_stay_on_chat(fake: FakeOpenRouter, proxy_url: str) -> None:
    body = {"model": "black-forest-labs/flux.2-pro", "messages": PROMPT, "modalities": ["image"]}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert answer.status_code == 200
    assert "x-served-by" not in answer.headers
    assert not [r for r in fake.requests if r.path == "/api/v1/images"]
