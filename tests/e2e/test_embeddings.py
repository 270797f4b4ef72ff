"""`client.embeddings.create` through the proxy, end to end, and each kind of model refused on a
route made for another, before OpenRouter is called."""

import re
from typing import Literal

import openai
import orjson
import pytest

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.embeddings import EMPTY_ON_BASE64, MAX_DIMENSIONS, vector
from tests.conftest import sent_to

SMALL = "openai/text-embedding-3-small"
LARGE = "openai/text-embedding-3-large"
TEXTS = ["a lighthouse", "at dawn"]


@pytest.mark.parametrize("model", [SMALL, *EMPTY_ON_BASE64])
def test_sdk_defaults_give_the_float_vectors(
    fake: FakeOpenRouter, client: openai.OpenAI, model: str
) -> None:
    answer = client.embeddings.create(model=model, input=TEXTS)
    assert [item.embedding for item in answer.data] == [vector(text) for text in TEXTS]
    [sent] = sent_to(fake, "embeddings")
    assert orjson.loads(sent.body)["encoding_format"] == "float"


def test_floats_asked_go_as_they_are(fake: FakeOpenRouter, client: openai.OpenAI) -> None:
    answer = client.embeddings.create(model=SMALL, input="hi", encoding_format="float")
    assert answer.data[0].embedding == vector("hi")
    assert answer.usage.total_tokens == 1


@pytest.mark.parametrize("encoding", [openai.omit, "float"])  # omitted: the SDK asks base64
def test_a_batch_of_real_dimensions_streams_through_in_either_encoding(
    fake: FakeOpenRouter, client: openai.OpenAI, encoding: Literal["float"] | openai.Omit
) -> None:
    """64 x 3,072: 2.4 MB of float JSON, converted (or relayed) as it streams."""
    texts = [f"passage {i}" for i in range(64)]
    answer = client.embeddings.create(
        model=LARGE, input=texts, dimensions=MAX_DIMENSIONS, encoding_format=encoding
    )
    assert [item.embedding for item in answer.data] == [
        vector(text, MAX_DIMENSIONS) for text in texts
    ]
    assert [item.index for item in answer.data] == list(range(64))
    assert (answer.object, answer.model) == ("list", LARGE)
    assert answer.usage.model_dump() == {"prompt_tokens": 64, "total_tokens": 64, "cost": 0.00001}


def test_straight_to_openrouter_the_sdk_gets_nothing(fake_url: str) -> None:
    """What the proxy fixes: the SDK's default base64 answered with an empty `data`."""
    straight = openai.OpenAI(base_url=f"{fake_url}/api/v1", api_key="k", max_retries=0)
    with straight, pytest.raises(ValueError, match="No embedding data received"):
        straight.embeddings.create(model=next(iter(EMPTY_ON_BASE64)), input=TEXTS)


def test_no_embeddings_is_a_502_naming_the_model(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    fake.embeddings.empty_models.add(SMALL)
    with pytest.raises(openai.APIStatusError, match=f"answered {SMALL} with no embeddings") as bad:
        client.embeddings.create(model=SMALL, input=TEXTS)
    assert bad.value.status_code == 502


@pytest.mark.parametrize(
    ("model", "says"),
    [
        ("openai/gpt-5", "use POST /v1/chat/completions for it"),
        ("hexgrad/kokoro-82m", "use POST /v1/audio/speech for it"),
    ],
)
def test_embeddings_of_another_kind_of_model_refused_locally(
    fake: FakeOpenRouter, client: openai.OpenAI, model: str, says: str
) -> None:
    with pytest.raises(openai.BadRequestError, match=re.escape(says)) as refused:
        client.embeddings.create(model=model, input=TEXTS)
    assert "GET /v1/models?output_modalities=embeddings" in refused.value.message
    assert sent_to(fake, "embeddings") == []


@pytest.mark.parametrize(
    ("model", "route"),
    [
        (SMALL, "POST /v1/embeddings"),
        ("hexgrad/kokoro-82m", "POST /v1/audio/speech"),
        ("openai/whisper-1", "POST /v1/audio/transcriptions"),
        ("google/veo-3.1", "POST /v1/videos"),
        ("cohere/rerank-v3.5", "POST /api/v1/rerank"),
    ],
)
def test_chat_and_responses_refuse_models_of_other_routes_locally(
    fake: FakeOpenRouter, client: openai.OpenAI, model: str, route: str
) -> None:
    with pytest.raises(openai.BadRequestError, match=re.escape(f"use {route} for it")) as chat:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    assert chat.value.code == "wrong_endpoint"
    with pytest.raises(openai.BadRequestError, match=re.escape(f"use {route} for it")):
        client.responses.create(model=model, input="hi")
    assert sent_to(fake, "chat/completions") == sent_to(fake, "responses") == []
