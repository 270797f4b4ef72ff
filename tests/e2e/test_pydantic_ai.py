"""pydantic-ai (2.78) through the proxy, used as its docs show: an `Agent` on `OpenRouterModel`
(chat, whole and streamed) with OpenRouter's base URL pointed at the proxy, and `ImageGenerator`
on OpenAI's Images API at the proxy's /v1. Each on an OpenAI client the test closes."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import openai
import pytest

if TYPE_CHECKING:  # imported where used: 0.6 s off the collection of every xdist worker
    from pydantic_ai import Agent

PROMPT = "A red square"
CHAT_MODELS = ["google/gemini-2.5-flash-image", "openai/gpt-5"]


@asynccontextmanager
async def agent(proxy_url: str, model: str) -> "AsyncIterator[Agent[None, str]]":
    from pydantic_ai import Agent
    from pydantic_ai.models.openrouter import OpenRouterModel
    from pydantic_ai.providers.openrouter import OpenRouterProvider

    async with openai.AsyncOpenAI(
        base_url=f"{proxy_url}/api/v1", api_key="sk-or-test", max_retries=0
    ) as client:
        yield Agent(OpenRouterModel(model, provider=OpenRouterProvider(openai_client=client)))


@pytest.mark.anyio
@pytest.mark.parametrize("model", CHAT_MODELS)
async def test_an_agent_on_openrouter_model(proxy_url: str, model: str) -> None:
    async with agent(proxy_url, model) as on_model:
        result = await on_model.run(PROMPT)
    assert result.output == f"Hello from {model}"


@pytest.mark.anyio
@pytest.mark.parametrize("model", CHAT_MODELS)
async def test_an_agent_on_openrouter_model_streamed(proxy_url: str, model: str) -> None:
    async with agent(proxy_url, model) as on_model, on_model.run_stream(PROMPT) as result:
        pieces = [piece async for piece in result.stream_text(delta=True, debounce_by=None)]
    assert "".join(pieces) == f"Hello from {model}"
    assert len(pieces) > 1


@pytest.mark.anyio
async def test_an_image_only_model_answers_what_the_agent_cannot_read(proxy_url: str) -> None:
    """The proxy answers flux's image (OpenRouter's `message.images`), which pydantic-ai's chat
    models do not read: with no text, an agent wanting text gives up after its retries."""
    from pydantic_ai.exceptions import UnexpectedModelBehavior

    async with agent(proxy_url, "black-forest-labs/flux.2-pro") as on_model:
        with pytest.raises(UnexpectedModelBehavior, match="Exceeded maximum output retries"):
            await on_model.run(PROMPT)


@pytest.mark.anyio
@pytest.mark.parametrize("model", ["black-forest-labs/flux.2-pro", "openai/gpt-image-1"])
async def test_image_generator(proxy_url: str, model: str) -> None:
    from pydantic_ai import ImageGenerator
    from pydantic_ai.images.openai import OpenAIImageGenerationModel
    from pydantic_ai.providers.openai import OpenAIProvider

    async with openai.AsyncOpenAI(
        base_url=f"{proxy_url}/v1", api_key="sk-or-test", max_retries=0
    ) as client:
        provider = OpenAIProvider(openai_client=client)
        generator = ImageGenerator(OpenAIImageGenerationModel(model, provider=provider))
        result = await generator.generate(PROMPT)
    assert result.image.media_type == "image/png"
    assert result.image.data
