"""Chat for a model that only the Images API serves (app/translate/chat_images.py)."""

import copy
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from app.catalog.image_models import ImageModel
from app.errors import ProxyError
from app.translate import chat_image_answers as answers
from app.translate import chat_images

MODEL = "maker/images-only"
ASK = {"role": "user", "content": "A red square"}
BODY = {"model": MODEL, "messages": [ASK]}
TAKES = ImageModel(
    MODEL,
    {
        "aspect_ratio": {"type": "enum", "values": ["1:1", "16:9"]},
        "resolution": {"type": "enum", "values": ["1K", "2K"]},
        "input_references": {"type": "range", "min": 0, "max": 1},
    },
)
URL = "data:image/png;base64,AAAA"
REFERENCE = {"type": "image_url", "image_url": {"url": URL}}

MAPPED = [
    # (the chat body's other fields, what the Images API gets besides model and prompt)
    ({}, {}),
    ({"image_config": {"aspect_ratio": "16:9"}}, {"aspect_ratio": "16:9"}),
    ({"image_config": {"image_size": "2K"}}, {"resolution": "2K"}),
    ({"image_config": {"aspect_ratio": "auto", "image_size": None}}, {}),
    ({"n": 3, "seed": 7}, {"n": 3, "seed": 7}),
    ({"provider": {"order": ["a"]}}, {"provider": {"order": ["a"]}}),
    # How to answer: the route's business, never sent (the Images API is asked buffered).
    ({"stream": True, "stream_options": {"include_usage": True}, "usage": {"include": True}}, {}),
    # Ignored: nothing an image generation answers depends on them.
    ({"temperature": 0.2, "top_p": 0.9, "max_tokens": 100, "max_completion_tokens": 9}, {}),
    ({"modalities": ["image"], "user": "u", "metadata": {"a": "b"}, "transforms": []}, {}),
    ({"reasoning": {"effort": "low"}, "stop": ["x"], "parallel_tool_calls": False}, {}),
    # Refused fields that hold a value which asks nothing.
    ({"tools": [], "tool_choice": "none", "response_format": {"type": "text"}}, {}),
    ({"logprobs": False, "top_logprobs": 0, "plugins": [], "function_call": "auto"}, {}),
    ({"tools": None, "audio": None}, {}),
]


@pytest.mark.parametrize(("fields", "sent"), MAPPED)
def test_chat_fields_become_images_api_fields(fields: dict[str, Any], sent: dict[str, Any]) -> None:
    payload = chat_images.images_request_from_chat({**BODY, **fields})
    assert payload == {"model": MODEL, "prompt": "A red square", **sent}


PROMPTS = [
    # (messages, the prompt, the input references)
    ([ASK], "A red square", []),
    (
        [{"role": "user", "content": [{"type": "text", "text": "A cat"}, REFERENCE]}],
        "A cat",
        [REFERENCE],
    ),
    (
        [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Like this"},
                    {"type": "image_url", "image_url": {"url": URL, "detail": "high"}},
                    {"type": "text", "text": "but blue"},
                ],
            }
        ],
        "Like this\nbut blue",
        [REFERENCE],
    ),
    (  # only the last user message: history and system are not sent
        [
            {"role": "system", "content": "Draw in pixel art"},
            {"role": "user", "content": "A dog"},
            {"role": "assistant", "content": "", "images": [REFERENCE]},
            ASK,
            {"role": "assistant", "content": "thinking"},
        ],
        "A red square",
        [],
    ),
]


@pytest.mark.parametrize(("messages", "prompt", "references"), PROMPTS)
def test_the_last_user_message_is_the_prompt_and_its_images(
    messages: list[dict[str, Any]], prompt: str, references: list[dict[str, Any]]
) -> None:
    payload = chat_images.images_request_from_chat({**BODY, "messages": messages})
    assert payload["prompt"] == prompt
    assert payload.get("input_references", []) == references


def test_what_the_model_takes_is_checked_against_its_descriptors() -> None:
    fields = {**BODY, "image_config": {"aspect_ratio": "16:9", "image_size": "1K"}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "A cat"}, REFERENCE]}]
    payload = chat_images.images_request_from_chat({**fields, "messages": messages}, TAKES)
    assert payload == {
        "model": MODEL,
        "prompt": "A cat",
        "aspect_ratio": "16:9",
        "resolution": "1K",
        "input_references": [REFERENCE],
    }


def test_the_images_api_id_is_sent_for_a_variant() -> None:
    payload = chat_images.images_request_from_chat({**BODY, "model": f"{MODEL}:free"}, TAKES)
    assert payload["model"] == MODEL


# Every field the bridge ignores, with a value that would change a chat answer. Sampling and
# length are ignored as OpenRouter itself ignores them, so `require_parameters` refuses those.
SAMPLING = {
    "temperature": 0.2,
    "top_p": 0.9,
    "top_k": 40,
    "min_p": 0.1,
    "top_a": 0.1,
    "frequency_penalty": 1,
    "presence_penalty": 1,
    "repetition_penalty": 1.2,
    "logit_bias": {"42": 5},
    "stop": ["x"],
    "max_tokens": 100,
    "max_completion_tokens": 100,
    "reasoning": {"effort": "low"},
    "reasoning_effort": "low",
    "include_reasoning": True,
    "verbosity": "low",
}
BOOKKEEPING = {
    "modalities": ["image"],
    "user": "u",
    "safety_identifier": "s",
    "prompt_cache_key": "k",
    "metadata": {"a": "b"},
    "store": True,
    "service_tier": "flex",
    "transforms": ["middle-out"],
    "route": "fallback",
    "parallel_tool_calls": True,
}


@pytest.mark.parametrize(("name", "value"), [*SAMPLING.items(), *BOOKKEEPING.items()])
def test_what_the_bridge_ignores(name: str, value: Any) -> None:
    payload = chat_images.images_request_from_chat({**BODY, name: value})
    assert payload == {"model": MODEL, "prompt": "A red square"}


@pytest.mark.parametrize("name", SAMPLING)
def test_sampling_is_refused_when_every_parameter_must_be_honoured(name: str) -> None:
    strict = {"require_parameters": True}
    refusal = _refusal({**BODY, name: SAMPLING[name], "provider": strict})
    assert (refusal.status, refusal.code) == (400, f"unsupported_{name}")
    assert refusal.message == (
        f"The Images API has no `{name}`, and `provider.require_parameters` asks that every "
        "parameter be honoured: leave one of them out"
    )


@pytest.mark.parametrize("name", BOOKKEEPING)
def test_bookkeeping_is_ignored_even_when_every_parameter_must_be_honoured(name: str) -> None:
    strict = {"require_parameters": True}
    payload = chat_images.images_request_from_chat(
        {**BODY, name: BOOKKEEPING[name], "provider": strict}
    )
    assert payload == {"model": MODEL, "prompt": "A red square", "provider": strict}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tools", []),
        ("functions", []),
        ("tool_choice", "none"),
        ("tool_choice", "auto"),
        ("function_call", "none"),
        ("function_call", "auto"),
        ("response_format", {"type": "text"}),
        ("logprobs", False),
        ("top_logprobs", 0),
        ("plugins", []),
        ("models", []),
    ],
)
def test_a_refused_field_holding_a_value_that_asks_nothing_is_let_through(
    name: str, value: Any
) -> None:
    payload = chat_images.images_request_from_chat({**BODY, name: value})
    assert payload == {"model": MODEL, "prompt": "A red square"}


REFUSED = [
    # (the chat body's other fields, the field named in the 400)
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
    ({"tool_choice": "required"}, "tool_choice"),
    ({"functions": [{"name": "f"}]}, "functions"),
    ({"function_call": {"name": "f"}}, "function_call"),
    ({"response_format": {"type": "json_object"}}, "response_format"),
    ({"logprobs": True}, "logprobs"),
    ({"top_logprobs": 3}, "top_logprobs"),
    ({"audio": {"voice": "alloy", "format": "wav"}}, "audio"),
    ({"prediction": {"type": "content", "content": "x"}}, "prediction"),
    ({"web_search_options": {}}, "web_search_options"),
    ({"plugins": [{"id": "web"}]}, "plugins"),
    ({"models": ["other/model"]}, "models"),
    ({"frobnicate": 1}, "frobnicate"),  # a field the proxy does not know
    ({"temperature": 0.2, "provider": {"require_parameters": True}}, "temperature"),
]


@pytest.mark.parametrize(("fields", "field"), REFUSED)
def test_what_cannot_be_honoured_is_a_400_naming_the_field(
    fields: dict[str, Any], field: str
) -> None:
    refusal = _refusal({**BODY, **fields})
    assert (refusal.status, refusal.code) == (400, f"unsupported_{field}")
    assert f"`{field}`" in refusal.message


@pytest.mark.parametrize(("fields", "field"), REFUSED[:-2])
def test_a_field_asking_what_images_cannot_give_is_told_so(
    fields: dict[str, Any], field: str
) -> None:
    assert _refusal({**BODY, **fields}).message == (
        f"{MODEL} is served only by the Images API, which makes images from a prompt: "
        f"`{field}` cannot be honoured; leave it out"
    )


def test_a_field_the_bridge_does_not_know_has_no_equivalent() -> None:
    assert _refusal({**BODY, "frobnicate": 1}).message == (
        f"{MODEL} is served only by the Images API, which has no equivalent of `frobnicate`; "
        "leave it out"
    )


IMAGE_CONFIG_REFUSED = [
    # (image_config, what the 400 says)
    (
        {"quality": "high"},
        "`image_config.quality` has no equivalent in the Images API: leave it out "
        "(it takes aspect_ratio, image_size)",
    ),
    ("16:9", "`image_config` must be an object"),
]


@pytest.mark.parametrize(("config", "says"), IMAGE_CONFIG_REFUSED)
def test_an_image_config_that_does_not_map_is_a_400(config: Any, says: str) -> None:
    refusal = _refusal({**BODY, "image_config": config})
    assert (refusal.status, refusal.code) == (400, "unsupported_image_config")
    assert refusal.message == says


ONE_PICTURE = [{"type": "text", "text": "A cat"}, REFERENCE, REFERENCE]
MODEL_REFUSES = [
    # (the chat body's other fields, the Images API's field, how the message ends)
    ({"image_config": {"image_size": "4K"}}, "resolution", " (from image_config.image_size)"),
    (
        {"image_config": {"aspect_ratio": "3:2"}},
        "aspect_ratio",
        " (from image_config.aspect_ratio)",
    ),
    (
        {"messages": [{"role": "user", "content": ONE_PICTURE}]},
        "input_references",
        " (from the `image_url` parts of the last user message)",
    ),
    (
        {"seed": 7},
        "seed",
        "does not take `seed` (it takes: aspect_ratio, input_references, resolution)",
    ),
]


@pytest.mark.parametrize(("fields", "field", "named"), MODEL_REFUSES)
def test_what_the_model_does_not_take_is_a_400_in_chat_terms(
    fields: dict[str, Any], field: str, named: str
) -> None:
    refusal = _refusal({**BODY, **fields}, TAKES)
    assert (refusal.status, refusal.code) == (400, f"unsupported_{field}")
    assert refusal.message.endswith(named)


NO_TEXT = "the last user message has no text: it is the prompt of the image"
BAD_MESSAGES = [
    # (messages, what the 400 says)
    ({"role": "user", "content": "A cat"}, "`messages` must be a list of messages"),
    (
        [{"role": "system", "content": "A cat"}],
        "`messages` holds no `user` message: its text is the prompt",
    ),
    ([ASK, {"role": "user", "content": ""}], NO_TEXT),
    ([{"role": "user", "content": [REFERENCE]}], NO_TEXT),
    ([{"role": "user", "content": [{"type": "text", "text": " \n"}]}], NO_TEXT),
    ([{"role": "user", "content": [{"type": "text", "text": " "}] * 2}], NO_TEXT),
    (
        [{"role": "user", "content": None}],
        "the last user message's `content` must be text or parts",
    ),
    (
        [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}],
        "the last user message has a part of type 'input_audio': the Images API takes only "
        "`text` and `image_url` parts",
    ),
    (
        [{"role": "user", "content": ["A cat"]}],
        "the last user message has a part of type None: the Images API takes only `text` and "
        "`image_url` parts",
    ),
    (
        [{"role": "user", "content": [{"type": "text", "text": 5}]}],
        "a `text` part of the last user message has no `text` string",
    ),
    *[
        (
            [{"role": "user", "content": [{"type": "image_url", "image_url": image}]}],
            "an `image_url` part of the last user message has no `url`",
        )
        for image in (URL, {"url": ""}, {"url": 5})
    ],
]


@pytest.mark.parametrize(("messages", "says"), BAD_MESSAGES)
def test_a_last_user_message_that_gives_no_prompt_is_a_400(messages: Any, says: str) -> None:
    refusal = _refusal({**BODY, "messages": messages})
    assert (refusal.status, refusal.code) == (400, "unsupported_messages")
    assert refusal.message == says


@pytest.mark.parametrize("model", [None, "", 5])
def test_without_a_model_record_the_body_must_name_the_model(model: object) -> None:
    refusal = _refusal({"model": model, "messages": [ASK]})
    assert (refusal.status, refusal.code, refusal.message) == (
        400,
        "unsupported_model",
        "`model` is required",
    )


def _refusal(body: dict[str, Any], model: ImageModel | None = None) -> ProxyError:
    with pytest.raises(ProxyError) as refused:
        chat_images.images_request_from_chat(body, model)
    return refused.value


ANSWER = {
    "created": 5,
    "data": [{"b64_json": "QUJD", "media_type": "image/webp"}, {"b64_json": "REVG"}],
    "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "cost": 0.04},
}
IMAGES = [
    {"type": "image_url", "image_url": {"url": "data:image/webp;base64,QUJD"}},
    {"type": "image_url", "image_url": {"url": "data:image/png;base64,REVG"}},
]
USAGE = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "cost": 0.04}


def test_an_images_answer_becomes_a_chat_completion_with_images() -> None:
    completion = orjson.loads(answers.chat_completion_from_images(copy.deepcopy(ANSWER), MODEL))
    assert completion.pop("id").startswith("gen-")
    assert completion == {
        "object": "chat.completion",
        "created": 5,
        "model": MODEL,
        "system_fingerprint": answers.SYSTEM_FINGERPRINT,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "", "refusal": None, "images": IMAGES},
                "finish_reason": "stop",
                "native_finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": USAGE,
    }


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (None, {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}),
        ({"total_tokens": 4}, {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 4}),
        (
            {"prompt_tokens": 1, "completion_tokens": 2, "cost": "0.1"},
            {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        ),
        (
            {"prompt_tokens": None, "completion_tokens": 2.5, "total_tokens": True, "cost": 0},
            {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0, "cost": 0},
        ),
    ],
)
def test_usage_without_cost_or_counts(usage: Any, expected: dict[str, Any]) -> None:
    answer = {"data": copy.deepcopy(ANSWER["data"]), "usage": usage}
    completion = orjson.loads(answers.chat_completion_from_images(answer, MODEL))
    assert completion["usage"] == expected
    assert isinstance(completion["created"], int)  # the answer had none: now


def test_an_images_answer_becomes_the_chunks_of_a_streamed_completion() -> None:
    events = answers.chat_chunks_from_images(copy.deepcopy(ANSWER), MODEL)
    *payloads, done = events.split(b"\n\n")[:-1]
    assert done == b"data: [DONE]"
    chunks = [orjson.loads(payload.removeprefix(b"data: ")) for payload in payloads]
    assert len({chunk.pop("id") for chunk in chunks}) == 1
    head = {
        "object": "chat.completion.chunk",
        "created": 5,
        "model": MODEL,
        "system_fingerprint": answers.SYSTEM_FINGERPRINT,
    }
    assert chunks == [
        {**head, "choices": [_delta({"role": "assistant", "content": ""}, None)]},
        {**head, "choices": [_delta({"images": IMAGES}, None)]},
        {**head, "choices": [_delta({}, "stop")], "usage": USAGE},
    ]


def _delta(delta: dict[str, Any], end: str | None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": end, "native_finish_reason": end}


NOT_AN_IMAGES_ANSWER = [
    b'"not an object"',
    b"[]",
    b"{}",
    b'{"data": []}',
    b'{"error": {"code": 502, "message": "failed"}}',
    b'{"data": [{"media_type": "image/png"}]}',
    b'{"data": [{"b64_json": ""}]}',
    b'{"data": [{"b64_json": "QUJD"}, {"url": "https://x/y.png"}]}',
]


@pytest.mark.parametrize("body", NOT_AN_IMAGES_ANSWER)
def test_an_answer_without_images_is_an_error_both_ways(body: bytes) -> None:
    with pytest.raises(ValueError, match="without images"):
        answers.chat_completion_from_images(orjson.loads(body), MODEL)
    with pytest.raises(ValueError, match="without images"):
        answers.chat_chunks_from_images(orjson.loads(body), MODEL)


@pytest.mark.parametrize(
    "translate", [answers.chat_completion_from_images, answers.chat_chunks_from_images]
)
def test_the_images_are_taken_out_of_the_answer_as_their_urls_are_made(
    translate: Callable[[Any, str], bytes],
) -> None:
    """Each image is held once, as its URL, not as its base64 besides."""
    answer = copy.deepcopy(ANSWER)
    translate(answer, MODEL)
    assert answer["data"] == [{"media_type": "image/webp"}, {}]
