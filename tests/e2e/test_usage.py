"""Usage end to end (issue 25): the openai SDK drives the proxy to the fake, whose answers carry
usage as OpenRouter's do; the proxy's /metrics count, per model, the tokens and cost the fake
says it sent (`FakeOpenRouter.usage.sent`), streamed and not, for every API with a usage."""

from collections import defaultdict

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from prometheus_client.parser import text_string_to_metric_families

from app.dev.emulator import FakeOpenRouter

pytestmark = pytest.mark.fresh_proxy  # each test counts the metrics from zero

CHAT = "openai/gpt-5"
CHAT_IMAGES = "google/gemini-2.5-flash-image"  # edits go through chat (the bridge)
IMAGES_API = "openai/gpt-image-1"  # the Images API, streamed or not
EMBEDDINGS = "openai/text-embedding-3-small"
SPEECH = "hexgrad/kokoro-82m"
TRANSCRIBE = "openai/gpt-4o-transcribe"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
KINDS = ("input", "output", "cached", "reasoning")
# Each API's names for the counts of `KINDS`: (where, name) in its usage object.
NAMES: dict[str, list[tuple[str | None, str]]] = {
    "input": [(None, "prompt_tokens"), (None, "input_tokens")],
    "output": [(None, "completion_tokens"), (None, "output_tokens")],
    "cached": [
        ("prompt_tokens_details", "cached_tokens"),
        ("input_tokens_details", "cached_tokens"),
    ],
    "reasoning": [
        ("completion_tokens_details", "reasoning_tokens"),
        ("output_tokens_details", "reasoning_tokens"),
    ],
}


def sent_counts(fake: FakeOpenRouter) -> dict[str, dict[str, float]]:
    """Per model, the tokens of each kind and the cost of the usages the fake sent."""
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for sent in fake.usage.sent:
        for kind in KINDS:
            for where, name in NAMES[kind]:
                place = sent.usage.get(where, {}) if where else sent.usage
                counts[sent.model][kind] += place.get(name, 0)
        counts[sent.model]["cost"] += sent.usage["cost"]
    return counts


def counted(proxy_url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx2.get(f"{proxy_url}/metrics").text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def drive(client: openai.OpenAI, fake: FakeOpenRouter) -> None:
    """One request of each kind that carries usage, streamed and not; and one speech."""
    hi: list[ChatCompletionMessageParam] = [{"role": "user", "content": "How are you today?"}]
    client.chat.completions.create(model=CHAT, messages=hi)
    for shape in ("stop", "null", "empty"):  # the three recorded usage chunks
        fake.usage_chunk = shape
        with client.chat.completions.create(model=CHAT, messages=hi, stream=True) as stream:
            list(stream)
    client.responses.create(model=CHAT, input="Say something long enough")
    with client.responses.create(model=CHAT, input="Stream it", stream=True) as events:
        list(events)
    client.images.generate(model=IMAGES_API, prompt="A red square")
    with client.images.generate(model=IMAGES_API, prompt="A blue one", stream=True) as images:
        list(images)
    client.images.edit(model=CHAT_IMAGES, image=("a.png", PNG, "image/png"), prompt="Bluer")
    client.embeddings.create(model=EMBEDDINGS, input=["a lighthouse", "at dawn"])
    client.embeddings.create(model=EMBEDDINGS, input="one", encoding_format="float")
    client.audio.speech.create(model=SPEECH, voice="af_alloy", input="Hello").read()
    client.audio.transcriptions.create(model=TRANSCRIBE, file=("a.mp3", bytes(4000)))


def test_tokens_and_cost_per_model_are_what_the_fake_sent(
    fake: FakeOpenRouter, client: openai.OpenAI, proxy_url: str
) -> None:
    fake.usage.from_input = True
    drive(client, fake)
    got = counted(proxy_url)
    expected = sent_counts(fake)
    assert set(expected) == {CHAT, CHAT_IMAGES, IMAGES_API, EMBEDDINGS, TRANSCRIBE}
    for model, counts in expected.items():
        for kind in KINDS:
            labels = (("model", model), ("type", kind))
            assert got.get(("modality_proxy_tokens_total", labels), 0) == counts[kind], labels
        cost = got[("modality_proxy_cost_credits_total", (("model", model),))]
        assert abs(cost - counts["cost"]) < 1e-12, model
    assert got[("modality_proxy_tokens_total", (("model", CHAT), ("type", "cached")))] > 0


def test_each_answer_is_counted_by_whether_its_usage_was_read(
    fake: FakeOpenRouter, client: openai.OpenAI, proxy_url: str
) -> None:
    drive(client, fake)
    got = counted(proxy_url)

    def answers(route: str, usage: str) -> float:
        return got.get(
            ("modality_proxy_usage_answers_total", (("route", route), ("usage", usage))), 0
        )

    expected = {"chat": 4, "responses": 2, "images": 3, "embeddings": 2, "transcriptions": 1}
    assert {route: answers(route, "read") for route in expected} == expected
    assert answers("speech", "missing") == 1  # OpenRouter's speech is the audio alone
    streamed = got[("modality_proxy_time_to_first_token_seconds_count", (("model", CHAT),))]
    assert streamed == 4  # three chat streams and a Responses stream
