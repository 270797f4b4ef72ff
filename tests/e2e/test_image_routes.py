"""`client.images.generate` and `client.images.edit` through the proxy, end to end: the real
`openai` SDK -> the proxy under uvicorn -> the fake OpenRouter's Images API (or its chat)."""

import base64
import io
from collections.abc import Iterator

import httpx2
import openai
import orjson
import pytest

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.answers import PNG_B64
from tests.conftest import ProxyFactory, sent_to

PNG = base64.b64decode(PNG_B64)
AUTH = {"Authorization": "Bearer sk-or-test"}


@pytest.fixture
def sdk(proxy_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="sk-or-test", max_retries=0) as client:
        yield client


@pytest.mark.parametrize(
    "model",
    [
        "black-forest-labs/flux.2-pro",  # image-only, on chat and on the Images API
        "google/gemini-2.5-flash-image",  # image and text
        "qwen/qwen-image-3",  # served by the Images API only
    ],
)
def test_generate_answers_openais_shape_for_every_kind_of_image_model(
    fake: FakeOpenRouter, sdk: openai.OpenAI, model: str
) -> None:
    answer = sdk.images.generate(model=model, prompt="A red square", size="1536x1024")
    assert answer.data is not None
    assert base64.b64decode(answer.data[0].b64_json or "") == PNG
    [sent] = sent_to(fake, "images")
    body = orjson.loads(sent.body)
    assert body == {
        "model": model,
        "prompt": "A red square",
        "aspect_ratio": "3:2",
        "resolution": "2K",
    }


def test_openai_fields_go_as_they_are_to_a_model_that_takes_them(
    fake: FakeOpenRouter, sdk: openai.OpenAI
) -> None:
    sdk.images.generate(
        model="openai/gpt-image-1",
        prompt="A red square",
        size="1024x1536",
        quality="hd",
        background="transparent",
        output_format="webp",
        output_compression=80,
        n=2,
        user="end-user-7",
    )
    body = orjson.loads(sent_to(fake, "images")[0].body)
    assert body == {
        "model": "openai/gpt-image-1",
        "prompt": "A red square",
        "size": "1024x1536",
        "quality": "high",
        "background": "transparent",
        "output_format": "webp",
        "output_compression": 80,
        "n": 2,
    }


def test_user_is_not_sent_and_the_answer_says_so(proxy_url: str) -> None:
    body = {"model": "black-forest-labs/flux.2-pro", "prompt": "A red square", "user": "u-1"}
    answer = httpx2.post(f"{proxy_url}/v1/images/generations", json=body, headers=AUTH)
    assert answer.status_code == 200
    assert answer.headers["x-dropped-parameters"] == "user"


def test_url_format_answers_data_urls(sdk: openai.OpenAI) -> None:
    answer = sdk.images.generate(
        model="black-forest-labs/flux.2-pro", prompt="A red square", response_format="url"
    )
    assert answer.data is not None
    assert answer.data[0].url == f"data:image/png;base64,{PNG_B64}"
    assert answer.data[0].b64_json is None


def test_a_model_that_makes_no_images_is_refused_without_calling_upstream(
    fake: FakeOpenRouter, sdk: openai.OpenAI
) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.images.generate(model="openai/gpt-5", prompt="A red square")
    assert "openai/gpt-5 does not make images" in refused.value.message
    assert "/v1/models?output_modalities=image" in refused.value.message
    assert not sent_to(fake, "images")
    assert not sent_to(fake, "chat/completions")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"quality": "high"}, "quality"),  # flux has no quality
        ({"size": "1000x100"}, "size"),  # no aspect ratio near 10:1
        ({"style": "vivid"}, "style"),  # dall-e-3's, taken by no one here
        ({"background": "transparent"}, "background"),
    ],
)
def test_a_field_the_model_cannot_take_is_a_400_naming_it(
    fake: FakeOpenRouter, proxy_url: str, extra: dict[str, str], field: str
) -> None:
    body = {"model": "black-forest-labs/flux.2-pro", "prompt": "A red square", **extra}
    answer = httpx2.post(f"{proxy_url}/v1/images/generations", json=body, headers=AUTH)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == f"unsupported_{field}"
    assert f"`{field}`" in error["message"]
    assert not sent_to(fake, "images")


def test_edit_sends_the_uploads_as_input_references(
    fake: FakeOpenRouter, sdk: openai.OpenAI
) -> None:
    upload = ("square.png", io.BytesIO(PNG), "image/png")
    answer = sdk.images.edit(
        model="google/gemini-2.5-flash-image", image=[upload, upload], prompt="Make it blue"
    )
    assert answer.data is not None
    assert answer.data[0].b64_json == PNG_B64
    body = orjson.loads(sent_to(fake, "images")[0].body)
    reference = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}}
    assert body == {
        "model": "google/gemini-2.5-flash-image",
        "prompt": "Make it blue",
        "input_references": [reference, reference],
    }


def test_a_mask_the_model_cannot_take_is_a_400(fake: FakeOpenRouter, sdk: openai.OpenAI) -> None:
    upload = ("square.png", io.BytesIO(PNG), "image/png")
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.images.edit(
            model="google/gemini-2.5-flash-image", image=upload, mask=upload, prompt="Blue"
        )
    assert "does not take `mask`" in refused.value.message
    assert not sent_to(fake, "images")


def test_a_streamed_generation_relays_openais_events(sdk: openai.OpenAI) -> None:
    events = list(
        sdk.images.generate(model="openai/gpt-image-1", prompt="A red square", stream=True)
    )
    assert [event.type for event in events] == [
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    assert events[-1].b64_json == PNG_B64


def test_a_streamed_edit_names_the_events_as_openai_does(sdk: openai.OpenAI) -> None:
    upload = ("square.png", io.BytesIO(PNG), "image/png")
    events = list(
        sdk.images.edit(model="openai/gpt-image-1", image=upload, prompt="Blue", stream=True)
    )
    assert [event.type for event in events] == ["image_edit.partial_image", "image_edit.completed"]


def test_a_model_that_cannot_stream_answers_one_completed_event(
    fake: FakeOpenRouter, sdk: openai.OpenAI
) -> None:
    events = list(
        sdk.images.generate(
            model="black-forest-labs/flux.2-pro", prompt="A red square", stream=True
        )
    )
    assert [event.type for event in events] == ["image_generation.completed"]
    assert events[0].b64_json == PNG_B64
    assert "stream" not in orjson.loads(sent_to(fake, "images")[0].body)


@pytest.mark.parametrize("stream", [False, True])
def test_a_model_only_chat_serves_is_asked_through_chat(
    fake: FakeOpenRouter, sdk: openai.OpenAI, stream: bool
) -> None:
    model = "openai/gpt-5-image"  # image and text; not on the fake's Images API
    if stream:
        [event] = list(sdk.images.generate(model=model, prompt="A red square", stream=True))
        assert event.b64_json == PNG_B64
    else:
        answer = sdk.images.generate(model=model, prompt="A red square", size="1024x1024")
        assert answer.data is not None
        assert answer.data[0].b64_json == PNG_B64
    assert not sent_to(fake, "images")
    chat = orjson.loads(sent_to(fake, "chat/completions")[0].body)
    assert chat["modalities"] == ["image", "text"]
    assert chat["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "A red square"}]}
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"prompt": "A red square"}, "invalid_model"),
        ({"model": "nobody/nothing", "prompt": "A red square"}, "model_not_found"),
        ({"model": "black-forest-labs/flux.2-pro"}, "unsupported_prompt"),
    ],
)
def test_requests_the_proxy_can_tell_are_wrong_never_reach_upstream(
    fake: FakeOpenRouter, proxy_url: str, body: dict[str, str], code: str
) -> None:
    answer = httpx2.post(f"{proxy_url}/v1/images/generations", json=body, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == code
    assert not sent_to(fake, "images")


@pytest.mark.parametrize(
    ("files", "data", "content"),
    [
        (None, {"model": "openai/gpt-image-1", "prompt": "Blue"}, None),  # not multipart
        ({"other": ("a.png", PNG, "image/png")}, {"model": "openai/gpt-image-1"}, None),
        (None, None, b"--x\r\nnot a form"),
    ],
)
def test_an_edit_that_is_not_openais_form_is_a_400(
    fake: FakeOpenRouter,
    proxy_url: str,
    files: dict[str, tuple[str, bytes, str]] | None,
    data: dict[str, str] | None,
    content: bytes | None,
) -> None:
    url = f"{proxy_url}/v1/images/edits"
    if content is not None:
        headers = {"Content-Type": "multipart/form-data; boundary=x"}
        answer = httpx2.post(url, content=content, headers=headers)
    elif files is None:
        answer = httpx2.post(url, data=data)
    else:
        answer = httpx2.post(url, files=files, data=data)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_form"
    assert not sent_to(fake, "images")


def test_an_edit_over_the_body_limit_is_a_413(start_proxy: ProxyFactory) -> None:
    with start_proxy(proxy_max_body_bytes=1000) as url:
        files = {"image": ("a.png", bytes(5000), "image/png")}
        answer = httpx2.post(f"{url}/v1/images/edits", files=files, data={"prompt": "x"})
    assert answer.status_code == 413


def test_upstream_errors_come_back_as_upstream_sent_them(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    body = {"model": "black-forest-labs/flux.2-pro", "prompt": "A red square", "seed": 2}
    url = f"{proxy_url}/v1/images/generations"
    assert (
        httpx2.post(url, json=body, headers=AUTH).status_code == 200
    )  # the proxy has the model list now
    seed = {"type": "enum", "values": [1]}
    fake.images.rows["black-forest-labs/flux.2-pro"]["supported_parameters"]["seed"] = seed
    # The proxy's copy of the list says any seed; upstream's says otherwise and answers 400.
    answer = httpx2.post(url, json=body, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json() == {"error": {"code": 400, "message": "'seed' must be one of [1]"}}


@pytest.mark.fresh_proxy  # the Images API's models, asked for on first use
def test_the_images_api_unreachable_is_a_502(fake: FakeOpenRouter, proxy_url: str) -> None:
    fake.images.models_down = True
    body = {"model": "black-forest-labs/flux.2-pro", "prompt": "A red square"}
    answer = httpx2.post(f"{proxy_url}/v1/images/generations", json=body, headers=AUTH)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "upstream_unavailable"


@pytest.mark.fresh_proxy  # the Images API's models, asked for on first use
def test_a_chat_answer_without_an_image_is_a_502(fake: FakeOpenRouter, proxy_url: str) -> None:
    fake.images.rows.pop("black-forest-labs/flux.2-pro")  # now reached through chat
    fake.chat_without_images = True
    body = {"model": "black-forest-labs/flux.2-pro", "prompt": "A red square"}
    answer = httpx2.post(f"{proxy_url}/v1/images/generations", json=body, headers=AUTH)
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "upstream_bad_answer"
