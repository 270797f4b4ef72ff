"""A subset of a model's outputs (Gemini image asked `["image"]`), end to end with the `openai`
SDK, under each rule OpenRouter has been seen to follow: a subset served (reports of 2026-06 and
2026-09), or only the exact set (the seed's observation). The upstream calls are counted: the
subset costs nothing where it is served, and one more call per model per interval where not."""

from typing import Any

import httpx2
import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.answers import PNG_B64
from tests.conftest import ProxyFactory, metric, sent_to

FLUX, GEMINI = "black-forest-labs/flux.2-pro", "google/gemini-2.5-flash-image"
PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]
EXACT_SET = ["image", "text"]  # Gemini image's outputs, in the catalog's order

# What each test is about, the proxy learns (which models want their exact set): a proxy of
# each test's own, so that none starts knowing what an earlier one taught it.
pytestmark = pytest.mark.fresh_proxy


def modalities_sent(fake: FakeOpenRouter, path: str = "chat/completions") -> list[Any]:
    return [orjson.loads(request.body).get("modalities") for request in sent_to(fake, path)]


def lookups(fake: FakeOpenRouter) -> list[str]:
    return [r.path for r in fake.requests if r.path.startswith("/api/v1/model/")]


def ask_for_image(
    client: openai.OpenAI, model: str = GEMINI, stream: bool = False
) -> tuple[str, str]:
    """A chat request for `["image"]`, checked to hold one image: its `X-Modalities`, and the
    text that came with the image."""
    answer = client.chat.completions.with_raw_response.create(
        model=model, messages=PROMPT, stream=stream, extra_body={"modalities": ["image"]}
    )
    parsed = answer.parse()
    if isinstance(parsed, openai.Stream):
        deltas = [chunk.choices[0].delta for chunk in parsed if chunk.choices]
        images = [image for d in deltas for image in (d.model_extra or {}).get("images") or []]
        text = "".join(d.content or "" for d in deltas)
    else:
        images = (parsed.choices[0].message.model_extra or {})["images"]
        text = parsed.choices[0].message.content or ""
    assert [image["image_url"]["url"] for image in images] == [f"data:image/png;base64,{PNG_B64}"]
    return answer.headers["x-modalities"], text


@pytest.mark.parametrize("stream", [False, True])
def test_where_a_subset_is_served_it_goes_as_asked_and_no_text_comes(
    fake: FakeOpenRouter, client: openai.OpenAI, stream: bool
) -> None:
    fake.subsets_served = True
    answers = [ask_for_image(client, stream=stream) for _ in range(2)]
    assert modalities_sent(fake) == [["image"], ["image"]]  # one call each, as asked
    assert answers == [("image", "")] * 2  # no text asked, none paid for
    assert not lookups(fake)


@pytest.mark.parametrize("stream", [False, True])
def test_where_only_the_exact_set_is_served_the_proxy_learns_it_once(
    fake: FakeOpenRouter, client: openai.OpenAI, stream: bool
) -> None:
    first = ask_for_image(client, stream=stream)
    assert modalities_sent(fake) == [["image"], EXACT_SET]  # refused, then the exact set
    assert first == ("image,text", f"Hello from {GEMINI}")  # X-Modalities: what was finally sent
    later = [ask_for_image(client, stream=stream) for _ in range(2)]
    assert modalities_sent(fake) == [["image"], EXACT_SET, EXACT_SET, EXACT_SET]  # straight
    assert later == [first] * 2
    assert not lookups(fake)  # the catalog was right: no need to look the model up


def test_what_is_learned_expires(fake: FakeOpenRouter, start_proxy: ProxyFactory) -> None:
    with (
        start_proxy(proxy_exact_modalities_seconds=0) as url,
        openai.OpenAI(base_url=f"{url}/v1", api_key="k", max_retries=0) as client,
    ):
        ask_for_image(client)
        ask_for_image(client)
    assert modalities_sent(fake) == [["image"], EXACT_SET, ["image"], EXACT_SET]


@pytest.mark.parametrize("subsets_served", [False, True])
def test_a_superset_is_fitted_before_it_goes_under_either_rule(
    fake: FakeOpenRouter, client: openai.OpenAI, subsets_served: bool
) -> None:
    fake.subsets_served = subsets_served
    answer = client.chat.completions.with_raw_response.create(
        model=FLUX, messages=PROMPT, extra_body={"modalities": ["image", "text"]}
    )
    assert answer.headers["x-modalities"] == "image"
    assert modalities_sent(fake) == [["image"]]


@pytest.mark.parametrize(
    ("subsets_served", "sent"), [(True, [["image"]]), (False, [["image"], EXACT_SET])]
)
def test_the_responses_api_sends_a_subset_as_chat_does(
    fake: FakeOpenRouter, client: openai.OpenAI, subsets_served: bool, sent: list[Any]
) -> None:
    fake.subsets_served = subsets_served
    answer = client.responses.with_raw_response.create(
        model=GEMINI, input="A red square", extra_body={"modalities": ["image"]}
    )
    assert answer.parse().output_text == ("" if subsets_served else f"Hello from {GEMINI}")
    assert modalities_sent(fake, "responses") == sent


def test_what_chat_learned_the_responses_api_goes_by(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    ask_for_image(client)
    client.responses.create(
        model=GEMINI, input="A red square", extra_body={"modalities": ["image"]}
    )
    assert modalities_sent(fake, "responses") == [EXACT_SET]  # straight


def test_a_fallback_list_sends_the_exact_set_it_cannot_retry(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    body = {"model": GEMINI, "models": [FLUX], "modalities": ["image"], "messages": PROMPT}
    answer = httpx2.post(
        f"{proxy_url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer k"}
    )
    assert answer.status_code == 200
    [sent] = sent_to(fake, "chat/completions")
    assert orjson.loads(sent.body)["modalities"] == EXACT_SET


def test_the_metrics_count_subsets_and_the_models_that_want_their_exact_set(
    fake: FakeOpenRouter, proxy_url: str, client: openai.OpenAI
) -> None:
    before = httpx2.get(f"{proxy_url}/metrics").text
    assert metric(before, "modality_proxy_models_wanting_exact_modalities") == 0
    ask_for_image(client)  # refused as a subset: learned
    fake.subsets_served = True
    ask_for_image(client, model="google/gemini-3.1-flash-image-preview")  # served as asked
    text = httpx2.get(f"{proxy_url}/metrics").text
    assert metric(text, "modality_proxy_models_wanting_exact_modalities") == 1
    served = {"route": "chat", "status": "200", "model": "google/gemini-3.1-flash-image-preview"}
    assert metric(text, "modality_proxy_requests_total", decision="subset", **served) == 1
    retried = {"route": "chat", "status": "200", "model": GEMINI}
    assert metric(text, "modality_proxy_requests_total", decision="rewritten", **retried) == 1
