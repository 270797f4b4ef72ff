"""End to end, as `tests/e2e/test_chat.py`: audio for clients that do not stream, and tools to image
models. Each case fails straight against the fake and works through the proxy."""

import base64
import time
from typing import Any

import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionMessageParam, ChatCompletionToolParam

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.audio import AUDIO_ID, NEEDS_STREAM, WAV
from app.translate.audio import AUDIO_TTL_SECONDS
from tests.conftest import ProxyFactory, Sdk

PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Say hello"}]
VOICE: Any = {"voice": "alloy", "format": "wav"}
TOOLS: list[ChatCompletionToolParam] = [
    {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
]


def last_chat_body(fake: FakeOpenRouter) -> dict[str, Any]:
    chats = [r for r in fake.requests if r.path.endswith("/chat/completions")]
    body: dict[str, Any] = orjson.loads(chats[-1].body)
    return body


@pytest.mark.parametrize(
    ("modalities", "sent"), [(["text", "audio"], "unchanged"), (["audio"], "text,audio")]
)
def test_audio_without_streaming_is_assembled_from_upstreams_stream(
    fake: FakeOpenRouter,
    fake_url: str,
    proxy_url: str,
    sdk: Sdk,
    modalities: list[Any],
    sent: str,
) -> None:
    ask = {
        "model": "openai/gpt-audio",
        "modalities": modalities,
        "audio": VOICE,
        "messages": PROMPT,
    }
    with pytest.raises(openai.BadRequestError, match=NEEDS_STREAM):
        sdk(f"{fake_url}/api/v1").chat.completions.create(
            **{**ask, "modalities": ["text", "audio"]}
        )

    raw = sdk(f"{proxy_url}/v1").chat.completions.with_raw_response.create(
        **ask, extra_headers={"X-Request-Id": "audio-1"}
    )
    assert raw.headers["x-modalities"] == sent
    assert raw.headers["x-request-id"] == "audio-1"
    completion = raw.parse()
    [choice] = completion.choices
    audio = choice.message.audio
    assert audio is not None
    assert base64.b64decode(audio.data) == WAV
    assert audio.transcript == "Hello from openai/gpt-audio"
    assert audio.id == AUDIO_ID
    assert abs(audio.expires_at - (time.time() + AUDIO_TTL_SECONDS)) < 60
    assert choice.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 15
    assert last_chat_body(fake)["stream"] is True


def test_streamed_audio_passes_through_chunk_by_chunk(proxy_url: str, sdk: Sdk) -> None:
    stream = sdk(f"{proxy_url}/v1").chat.completions.create(
        model="openai/gpt-audio",
        modalities=["text", "audio"],
        audio=VOICE,
        messages=PROMPT,
        stream=True,
    )
    pieces: list[Any] = [
        chunk.choices[0].delta.to_dict().get("audio") for chunk in stream if chunk.choices
    ]
    audio = [piece for piece in pieces if piece]
    assert len(audio) > 1
    assert base64.b64decode("".join(piece["data"] for piece in audio)) == WAV


def test_an_error_mid_stream_becomes_an_openai_error(proxy_url: str, sdk: Sdk) -> None:
    with pytest.raises(openai.APIStatusError) as caught:
        sdk(f"{proxy_url}/v1").chat.completions.create(
            model="test/audio-error", modalities=["text", "audio"], audio=VOICE, messages=PROMPT
        )
    error = caught.value
    # As recorded: the error chunk's code (400) is the status; it has no metadata to name it.
    assert error.status_code == 400
    assert error.body == {
        "message": "Provider returned error",
        "type": "upstream_error",
        "param": None,
        "code": "upstream_error",
    }
    assert error.response.headers["x-modalities"] == "unchanged"


def test_an_error_before_the_stream_is_relayed_unchanged(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, sdk: Sdk
) -> None:
    with (
        start_proxy(proxy_on_unsupported="passthrough") as url,
        pytest.raises(openai.NotFoundError, match="output modalities: audio"),
    ):
        sdk(f"{url}/v1").chat.completions.create(
            model="openai/gpt-5", modalities=["audio"], messages=PROMPT
        )
    assert last_chat_body(fake)["stream"] is True


def ask_with_tools(base_url: str, sdk: Sdk, model: str, modalities: list[Any]) -> Any:
    return sdk(base_url).chat.completions.with_raw_response.create(
        model=model, modalities=modalities, messages=PROMPT, tools=TOOLS, tool_choice="auto"
    )


def test_tools_are_dropped_for_an_image_model_that_does_not_take_them(
    fake: FakeOpenRouter, fake_url: str, proxy_url: str, sdk: Sdk
) -> None:
    flux = "black-forest-labs/flux.2-pro"
    with pytest.raises(openai.NotFoundError, match="support tool use"):
        ask_with_tools(f"{fake_url}/api/v1", sdk, flux, ["image"])

    raw = ask_with_tools(f"{proxy_url}/v1", sdk, flux, ["image"])
    assert raw.headers["x-dropped-parameters"] == "tools,tool_choice"
    assert raw.headers["x-modalities"] == "unchanged"
    assert raw.parse().choices[0].message.model_extra["images"]
    assert {"tools", "tool_choice"}.isdisjoint(last_chat_body(fake))


@pytest.mark.parametrize(
    ("model", "modalities"),
    [("google/gemini-3-pro-image", ["image", "text"]), ("openai/gpt-5", ["text"])],
)
def test_tools_are_kept_for_models_that_take_them_or_output_no_images(
    fake: FakeOpenRouter, proxy_url: str, sdk: Sdk, model: str, modalities: list[Any]
) -> None:
    raw = ask_with_tools(f"{proxy_url}/v1", sdk, model, modalities)
    assert "x-dropped-parameters" not in raw.headers
    assert raw.parse().choices[0].message.content == f"Hello from {model}"
    assert last_chat_body(fake)["tools"] == TOOLS


def test_the_setting_off_forwards_tools(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, sdk: Sdk
) -> None:
    with (
        start_proxy(proxy_drop_tools_for_image_models=False) as url,
        pytest.raises(openai.NotFoundError, match="support tool use") as caught,
    ):
        ask_with_tools(f"{url}/v1", sdk, "black-forest-labs/flux.2-pro", ["image"])
    assert "x-dropped-parameters" not in caught.value.response.headers
    assert last_chat_body(fake)["tools"] == TOOLS
