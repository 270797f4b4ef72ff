"""End to end, as `tests/e2e/test_chat.py`, for the Responses API: the `openai` SDK's
`client.responses.create`, plain and streamed. Each case fails straight against the fake and
works through the proxy."""

from typing import Any

import httpx2
import openai
import orjson
import pytest
from openai.types.responses import Response, ResponseOutputItem
from openai.types.responses.response_output_item import ImageGenerationCall

from app.dev.emulator import FakeOpenRouter, ReceivedRequest
from app.dev.emulator.answers import PNG_B64
from tests.conftest import ProxyFactory, Sdk, metric

AUTH = {"Authorization": "Bearer k"}
FLUX, GEMINI_IMAGE = "black-forest-labs/flux.2-pro", "google/gemini-2.5-flash-image"
# model, modalities asked, X-Modalities (what goes upstream), the proxy's path prefix
FIXED_BY_THE_PROXY = [
    (FLUX, ["image", "text"], "image", "/v1"),
    (GEMINI_IMAGE, ["image"], "image,text", "/api/v1"),
]


def responses_requests(fake: FakeOpenRouter) -> list[ReceivedRequest]:
    return [r for r in fake.requests if r.path == "/api/v1/responses"]


def last_body(fake: FakeOpenRouter) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(responses_requests(fake)[-1].body)
    return body


def images_in(output: list[ResponseOutputItem]) -> list[str | None]:
    return [item.result for item in output if isinstance(item, ImageGenerationCall)]


def create(client: openai.OpenAI, model: str, modalities: list[str]) -> Response:
    extra = {"modalities": modalities}
    return client.responses.create(model=model, input="A red square", extra_body=extra)


@pytest.mark.parametrize(("model", "modalities", "sent", "prefix"), FIXED_BY_THE_PROXY)
def test_image_models_fail_directly_and_work_through_the_proxy(
    fake: FakeOpenRouter,
    fake_url: str,
    proxy_url: str,
    sdk: Sdk,
    model: str,
    modalities: list[str],
    sent: str,
    prefix: str,
) -> None:
    with pytest.raises(openai.NotFoundError, match="No endpoints found that support"):
        create(sdk(f"{fake_url}/api/v1"), model, modalities)

    raw = sdk(f"{proxy_url}{prefix}").responses.with_raw_response.create(
        model=model, input="A red square", extra_body={"modalities": modalities}
    )
    assert raw.headers["x-modalities"] == sent
    response = raw.parse()
    assert images_in(response.output) == [PNG_B64]  # raw base64, as upstream sent it
    assert response.output_text == ("" if sent == "image" else f"Hello from {model}")
    assert last_body(fake)["modalities"] == sent.split(",")


def test_a_text_model_asked_for_images_and_text_answers_text(
    fake: FakeOpenRouter, fake_url: str, proxy_url: str, sdk: Sdk
) -> None:
    with pytest.raises(openai.NotFoundError, match="No endpoints found that support"):
        create(sdk(f"{fake_url}/api/v1"), "openai/gpt-5", ["image", "text"])

    raw = sdk(f"{proxy_url}/v1").responses.with_raw_response.create(
        model="openai/gpt-5", input="Hi", extra_body={"modalities": ["image", "text"]}
    )
    assert raw.headers["x-modalities"] == "none"
    assert raw.parse().output_text == "Hello from openai/gpt-5"
    assert "modalities" not in last_body(fake)


@pytest.mark.parametrize(
    ("model", "modalities", "text"),
    [
        (FLUX, ["image", "text"], ""),
        (GEMINI_IMAGE, ["image"], f"Hello from {GEMINI_IMAGE}"),
        ("openai/gpt-5", ["image", "text"], "Hello from openai/gpt-5"),
    ],
)
def test_streams_are_relayed_event_by_event(
    fake_url: str, proxy_url: str, sdk: Sdk, model: str, modalities: list[str], text: str
) -> None:
    ask: Any = {
        "model": model,
        "input": "Hi",
        "stream": True,
        "extra_body": {"modalities": modalities},
    }
    with pytest.raises(openai.NotFoundError, match="No endpoints found that support"):
        sdk(f"{fake_url}/api/v1").responses.create(**ask)

    events = list(sdk(f"{proxy_url}/v1").responses.create(**ask))
    assert events[0].type == "response.created"
    deltas = [event.delta for event in events if event.type == "response.output_text.delta"]
    assert "".join(deltas) == text
    done = [event.item for event in events if event.type == "response.output_item.done"]
    images = images_in(done)
    assert images == ([PNG_B64] if model != "openai/gpt-5" else [])
    last = events[-1]
    assert last.type == "response.completed"
    assert images_in(last.response.output) == images


@pytest.mark.parametrize(
    ("model", "modalities", "message"),
    [
        ("openai/gpt-5", ["image"], "/v1/models?output_modalities=image"),
        ("openai/gpt-audio", ["audio"], "`modalities` here names only image and text"),
    ],
)
def test_an_impossible_request_is_rejected_without_calling_upstream(
    fake: FakeOpenRouter, proxy_url: str, sdk: Sdk, model: str, modalities: list[str], message: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        create(sdk(f"{proxy_url}/v1"), model, modalities)
    assert caught.value.code == "modalities_rejected"
    assert message in caught.value.message
    assert caught.value.response.headers["x-modalities"] == "none"
    assert responses_requests(fake) == []


def test_audio_that_a_model_also_outputs_is_not_asked_for(
    fake: FakeOpenRouter, fake_url: str, start_proxy: ProxyFactory, sdk: Sdk
) -> None:
    omni = {"id": "test/omni", "architecture": {"output_modalities": ["text", "image", "audio"]}}
    fake.add_model(omni)
    with pytest.raises(openai.NotFoundError, match="No endpoints found that support"):
        create(sdk(f"{fake_url}/api/v1"), "test/omni", ["image"])

    with start_proxy() as url:
        raw = sdk(f"{url}/v1").responses.with_raw_response.create(
            model="test/omni", input="Hi", extra_body={"modalities": ["image"]}
        )
    assert raw.headers["x-modalities"] == "text,image"  # chat would ask for audio too
    assert images_in(raw.parse().output) == [PNG_B64]


@pytest.mark.fresh_proxy  # it counts what the proxy did, from nothing
def test_what_needs_no_rewrite_goes_upstream_byte_for_byte(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    body = b'{ "model" : "%s",\n "modalities": ["image"], "input": "x", "y": 1.50 }' % FLUX.encode()
    response = httpx2.post(f"{proxy_url}/v1/responses", content=body, headers=AUTH)
    assert response.status_code == 200
    assert response.headers["x-modalities"] == "unchanged"
    assert responses_requests(fake)[-1].body == body
    counted = {"route": "responses", "model": FLUX, "status": "200", "decision": "unchanged"}
    metrics = httpx2.get(f"{proxy_url}/metrics").text
    assert metric(metrics, "modality_proxy_requests_total", **counted) == 1


def test_the_fakes_modality_404_is_chats(fake_url: str) -> None:
    ask = {"model": FLUX, "modalities": ["image", "text"]}
    chat = httpx2.post(f"{fake_url}/api/v1/chat/completions", json=ask, headers=AUTH)
    responses = httpx2.post(f"{fake_url}/api/v1/responses", json=ask, headers=AUTH)
    assert responses.status_code == chat.status_code == 404
    assert responses.json() == chat.json()
