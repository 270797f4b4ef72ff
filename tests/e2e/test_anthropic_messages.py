"""Anthropic's SDK (2.17) through the proxy, as OpenRouter's Claude Code guide sets it up: base
URL `https://openrouter.ai/api` (host changed to the proxy's), the OpenRouter key as the bearer
token. `POST /api/v1/messages` is forwarded as it is; the fake answers it as OpenRouter does."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import orjson
import pytest

from app.dev.emulator import FakeOpenRouter
from tests.conftest import sent_to

if TYPE_CHECKING:  # imported where used: 1.4 s off the collection of every xdist worker
    import anthropic

MODELS = ["anthropic/claude-opus-5", "openai/gpt-5"]
MESSAGES: "list[anthropic.types.MessageParam]" = [{"role": "user", "content": "A red square"}]


@pytest.fixture
def client(proxy_url: str) -> "Iterator[anthropic.Anthropic]":
    import anthropic

    with anthropic.Anthropic(
        base_url=f"{proxy_url}/api", auth_token="sk-or-test", api_key=None, max_retries=0
    ) as sdk:
        yield sdk


@pytest.mark.parametrize("model", MODELS)
def test_a_message(fake: FakeOpenRouter, client: "anthropic.Anthropic", model: str) -> None:
    message = client.messages.create(model=model, max_tokens=100, messages=MESSAGES)
    assert [block.type for block in message.content] == ["text"]
    assert message.content[0].text == f"Hello from {model}"  # type: ignore[union-attr]
    assert message.stop_reason == "end_turn"
    [sent] = sent_to(fake, "messages")
    assert sent.headers["authorization"] == "Bearer sk-or-test"
    assert orjson.loads(sent.body) == {"model": model, "max_tokens": 100, "messages": MESSAGES}


@pytest.mark.parametrize("model", MODELS)
def test_a_message_streamed(client: "anthropic.Anthropic", model: str) -> None:
    with client.messages.stream(model=model, max_tokens=100, messages=MESSAGES) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == f"Hello from {model}"
    assert len(pieces) == 3
    assert final.usage.output_tokens == 5


def test_a_model_without_text_is_refused(client: "anthropic.Anthropic") -> None:
    import anthropic

    with pytest.raises(anthropic.NotFoundError, match="No endpoints found"):
        client.messages.create(
            model="black-forest-labs/flux.2-pro", max_tokens=100, messages=MESSAGES
        )
