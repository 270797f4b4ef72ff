"""OpenRouter's official Python SDK (`openrouter`, generated from OpenRouter's OpenAPI schema; it
validates every answer against it), used as its README shows, against the proxy in front of the
fake OpenRouter: chat (streamed and not), the model listing with the SDK's own pagination,
images, embeddings, speech and transcription."""

import io
import wave
from collections.abc import Iterator
from inspect import isawaitable
from typing import Any

import pytest
from openrouter import OpenRouter, components, errors
from openrouter.utils import BackoffStrategy, RetryConfig
from openrouter.utils.eventstreaming import EventStream

from app.dev.emulator import FakeOpenRouter

PROMPT = "A red square"
MESSAGES: list[components.ChatUserMessageTypedDict] = [{"role": "user", "content": PROMPT}]
MODALITIES: list[components.Modality] = ["image", "text"]
SEED_MODELS = ["black-forest-labs/flux.2-pro", "google/gemini-2.5-flash-image", "openai/gpt-5"]
# What each seed model answers, summed up: its text and the media types of its images.
ANSWERS = {
    "black-forest-labs/flux.2-pro": {"text": "", "images": ["image/png"]},
    "google/gemini-2.5-flash-image": {
        "text": "Hello from google/gemini-2.5-flash-image",
        "images": ["image/png"],
    },
    "openai/gpt-5": {"text": "Hello from openai/gpt-5", "images": []},
}
NO_RETRIES = RetryConfig("none", BackoffStrategy(1, 1, 1, 1), False)
MAX_PAGES = 10  # the catalog is 2 pages of 500: a paging that never ends fails, never hangs


@pytest.fixture
def client(proxy_url: str) -> Iterator[OpenRouter]:
    """The SDK on the proxy's /api/v1 (OpenRouter's base URL, host changed), without retries."""
    with OpenRouter(
        api_key="sk-or-test", server_url=f"{proxy_url}/api/v1", retry_config=NO_RETRIES
    ) as sdk:
        yield sdk


def media_type(data_url: str) -> str:
    return data_url.removeprefix("data:").split(";")[0]


@pytest.mark.parametrize("model", SEED_MODELS)
def test_chat(client: OpenRouter, model: str) -> None:
    result = client.chat.send(model=model, messages=MESSAGES, modalities=MODALITIES)
    message = result.choices[0].message
    images = [media_type(image.image_url.url) for image in message.images or []]
    assert {"text": message.content or "", "images": images} == ANSWERS[model]


@pytest.mark.parametrize("model", SEED_MODELS)
def test_chat_streamed(client: OpenRouter, model: str) -> None:
    """The SDK's stream delta has no `images` (OpenRouter's schema lists none there, and the
    SDK drops unknown fields): streamed, it shows the text and how the answer finished."""
    stream = client.chat.send(
        model=model,
        messages=MESSAGES,
        modalities=MODALITIES,
        stream=True,
    )
    assert isinstance(stream, EventStream)
    text, finished = "", []
    with stream:
        for chunk in stream:
            for choice in chunk.choices:
                text += choice.delta.content or ""
                finished += [choice.finish_reason] if choice.finish_reason else []
    assert text == ANSWERS[model]["text"]
    assert finished[0] == "stop"


def every_page(client: OpenRouter, **query: Any) -> tuple[list[str], int]:
    """The ids of every page of `models.list`, followed with `next()` as the README shows, and
    the number of pages; cut off after MAX_PAGES."""
    ids: list[str] = []
    page = client.models.list(**query)
    for pages in range(1, MAX_PAGES + 1):
        assert page is not None
        ids += [model.id for model in page.result.data]
        following = page.next()
        assert not isawaitable(following)
        page = following
        if page is None:
            return ids, pages
    pytest.fail(f"models.list still had pages after {MAX_PAGES} ({len(ids)} ids so far)")


@pytest.mark.parametrize("prefix", ["/api/v1", "/v1"])
def test_listing_pages_end_with_exactly_the_catalogs_models(
    fake: FakeOpenRouter, proxy_url: str, prefix: str
) -> None:
    with OpenRouter(
        api_key="sk-or-test", server_url=f"{proxy_url}{prefix}", retry_config=NO_RETRIES
    ) as sdk:
        ids, pages = every_page(sdk)
        image_ids, image_pages = every_page(sdk, output_modalities="image", limit=20)
    assert ids == [model["id"] for model in fake.models]
    assert pages == 2  # 500, then 49
    assert len(image_ids) == len(set(image_ids)) == 45
    assert image_pages == 3  # 20, 20, 5


def test_images(client: OpenRouter) -> None:
    answer = client.images.generate(model="black-forest-labs/flux.2-pro", prompt=PROMPT)
    assert isinstance(answer, components.ImageGenerationResponse)
    assert answer.data
    assert all(image.b64_json for image in answer.data)


def test_embeddings(client: OpenRouter) -> None:
    answer = client.embeddings.generate(model="openai/text-embedding-3-small", input=["a", "b"])
    assert not isinstance(answer, str)
    assert [len(item.embedding) > 0 for item in answer.data] == [True, True]


def test_speech(client: OpenRouter) -> None:
    answer = client.tts.create_speech(
        model="hexgrad/kokoro-82m", input="Hello", voice="af_alloy", response_format="mp3"
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "audio/mpeg"
    assert answer.read()


def a_second_of_silence() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(b"\0\0" * 16_000)
    return out.getvalue()


def test_transcription_multipart(client: OpenRouter) -> None:
    answer = client.stt.create_transcription_multipart(
        model="openai/whisper-1",
        file={"file_name": "silence.wav", "content": a_second_of_silence()},
    )
    assert answer.text


def test_chat_with_an_images_api_only_model(client: OpenRouter) -> None:
    result = client.chat.send(model="qwen/qwen-image-3", messages=MESSAGES, modalities=["image"])
    message = result.choices[0].message
    assert [media_type(image.image_url.url) for image in message.images or []] == ["image/png"]


def test_a_proxy_built_400_is_the_sdks_bad_request_error(client: OpenRouter) -> None:
    """The SDK parses an error answer by its schema: one in OpenAI's shape (`code` a string)
    would raise its ResponseValidationError rather than its typed error for a 400."""
    with pytest.raises(errors.BadRequestResponseError) as raised:
        client.embeddings.generate(model="openai/gpt-5", input="Hi")
    error = raised.value.data.error
    assert (error.code, error.metadata) == (400, {"error_code": "model_not_embeddings"})
