"""The pure translations between OpenAI's image calls and OpenRouter's (app/translate/images.py)."""

from typing import Any

import orjson
import pytest

from app.catalog.image_models import ImageModel
from app.errors import ProxyError
from app.translate import image_answers, images
from app.translate.images import ImageRequest

RATIOS = {"type": "enum", "values": ["1:1", "2:3", "3:2", "16:9", "9:16"]}
RATIO_MODEL = ImageModel(
    "flux/like",
    {
        "aspect_ratio": RATIOS,
        "resolution": {"type": "enum", "values": ["1K", "2K"]},
        "seed": {"type": "boolean"},
        "input_references": {"type": "range", "min": 0, "max": 2},
    },
)
OPENAI_MODEL = ImageModel(
    "gpt/image",
    {
        "size": {"type": "enum", "values": ["1024x1024", "1536x1024"]},
        "quality": {"type": "enum", "values": ["low", "medium", "high"]},
        "output_compression": {"type": "range", "min": 0, "max": 100},
    },
    streams=True,
)
UNBOUNDED = ImageModel("a/steps", {"steps": {"type": "range"}})
WITH_AUTO = ImageModel("a/b", {"aspect_ratio": {"type": "enum", "values": ["auto", "1:1"]}})
DALL_E = ImageModel("openai/dall-e-3", {"quality": {"type": "enum", "values": ["standard", "hd"]}})
PROMPT = {"prompt": "A red square"}

TRANSLATED = [
    # (model, OpenAI's fields, what the Images API gets besides model and prompt)
    (RATIO_MODEL, {}, {}),
    (RATIO_MODEL, {"size": "1024x1024"}, {"aspect_ratio": "1:1", "resolution": "1K"}),
    (RATIO_MODEL, {"size": "1536x1024"}, {"aspect_ratio": "3:2", "resolution": "2K"}),
    (RATIO_MODEL, {"size": "1792x1024"}, {"aspect_ratio": "16:9", "resolution": "2K"}),
    (RATIO_MODEL, {"size": "1024x1792"}, {"aspect_ratio": "9:16", "resolution": "2K"}),
    (RATIO_MODEL, {"size": "auto", "quality": "auto", "background": "auto"}, {}),
    (RATIO_MODEL, {"aspect_ratio": "auto", "moderation": "auto"}, {}),  # the model's default
    (RATIO_MODEL, {"quality": "auto", "seed": 7}, {"seed": 7}),
    (
        WITH_AUTO,
        {"size": "1024x1024"},
        {"aspect_ratio": "1:1"},
    ),  # "auto" is no ratio: never nearest
    (RATIO_MODEL, {"n": 3, "seed": 7}, {"n": 3, "seed": 7}),
    (RATIO_MODEL, {"response_format": "url", "partial_images": 2, "user": "u"}, {}),
    (RATIO_MODEL, {"provider": {"order": ["x"]}}, {"provider": {"order": ["x"]}}),
    (OPENAI_MODEL, {"size": "1536x1024"}, {"size": "1536x1024"}),
    (OPENAI_MODEL, {"quality": "hd"}, {"quality": "high"}),
    (OPENAI_MODEL, {"quality": "standard"}, {"quality": "medium"}),
    (DALL_E, {"quality": "hd"}, {"quality": "hd"}),  # its own names, kept
    (OPENAI_MODEL, {"output_compression": 50}, {"output_compression": 50}),
    (OPENAI_MODEL, {"output_compression": 0}, {"output_compression": 0}),  # the bounds are in
    (OPENAI_MODEL, {"output_compression": 100}, {"output_compression": 100}),
    (UNBOUNDED, {"steps": -5}, {"steps": -5}),
    (OPENAI_MODEL, {"stream": True}, {"stream": True}),
    (RATIO_MODEL, {"stream": True}, {}),  # cannot stream: asked whole, answered as one event
]


@pytest.mark.parametrize(("model", "fields", "sent"), TRANSLATED)
def test_openai_fields_become_images_api_fields(
    model: ImageModel, fields: dict[str, Any], sent: dict[str, Any]
) -> None:
    request = images.images_request({"model": "m", **PROMPT, **fields}, model)
    assert request.payload == {"model": model.id, **PROMPT, **sent}


# OpenRouter's normalized aspect ratios, as its SDK's SupportedAspectRatio lists them.
OPENROUTER_RATIOS = [
    *("1:1", "1:2", "1:4", "1:8", "2:1", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1"),
    *("9:16", "16:9", "9:19.5", "19.5:9", "9:20", "20:9", "9:21", "21:9"),
]


@pytest.mark.parametrize("ratio", OPENROUTER_RATIOS)
def test_a_size_of_any_openrouter_ratio_reaches_a_chat_only_model(ratio: str) -> None:
    width, height = (round(float(side) * 128) for side in ratio.split(":"))
    bridged = ImageModel("chat/only", images.CHAT_BRIDGE_PARAMETERS)
    request = images.images_request({**PROMPT, "size": f"{width}x{height}"}, bridged)
    assert request.payload["aspect_ratio"] == ratio


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"prompt": ""}, "`prompt` is required: the text that describes the image"),
        ({**PROMPT, "response_format": "png"}, "`response_format` must be 'b64_json' or 'url'"),
        ({**PROMPT, "stream": "yes"}, "`stream` must be true or false"),
    ],
)
def test_what_a_malformed_request_is_told(fields: dict[str, Any], says: str) -> None:
    with pytest.raises(ProxyError) as refused:
        images.images_request(fields, RATIO_MODEL)
    assert refused.value.message == says


def test_a_value_out_of_range_is_told_the_range() -> None:
    with pytest.raises(ProxyError) as refused:
        images.images_request({**PROMPT, "output_compression": 101}, OPENAI_MODEL)
    assert refused.value.message == "gpt/image takes `output_compression` from 0 to 100, not 101"


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (ImageModel("a/plain"), "a/plain does not take `style` (it takes: none)"),
        (DALL_E, "openai/dall-e-3 does not take `style` (it takes: quality)"),
        (
            OPENAI_MODEL,
            "gpt/image does not take `style` (it takes: output_compression, quality, size)",
        ),
    ],
)
def test_a_field_a_model_does_not_take_is_told_what_it_takes(model: ImageModel, says: str) -> None:
    with pytest.raises(ProxyError) as refused:
        images.images_request({**PROMPT, "style": "vivid"}, model)
    assert refused.value.message == says


REFUSED = [
    # (model, OpenAI's fields, the field named in the 400)
    (RATIO_MODEL, {"prompt": ""}, "prompt"),
    (RATIO_MODEL, {"quality": "high"}, "quality"),
    (RATIO_MODEL, {"size": "big"}, "size"),
    (RATIO_MODEL, {"size": "0x10"}, "size"),
    (RATIO_MODEL, {"size": "4096x1024"}, "size"),  # 4:1, near nothing it takes
    (RATIO_MODEL, {"size": "4000x4000"}, "resolution"),  # 4K, which it does not take
    (RATIO_MODEL, {"style": "vivid"}, "style"),
    (RATIO_MODEL, {"response_format": "png"}, "response_format"),
    (RATIO_MODEL, {"stream": "yes"}, "stream"),
    (OPENAI_MODEL, {"size": "512x512"}, "size"),
    (OPENAI_MODEL, {"quality": "ultra"}, "quality"),
    (OPENAI_MODEL, {"output_compression": 101}, "output_compression"),
    (OPENAI_MODEL, {"output_compression": -1}, "output_compression"),
    (OPENAI_MODEL, {"output_compression": True}, "output_compression"),
    (ImageModel("plain"), {"size": "1024x1024"}, "size"),  # neither size nor aspect_ratio
]


@pytest.mark.parametrize(("model", "fields", "field"), REFUSED)
def test_what_a_model_cannot_take_is_a_400_naming_the_field(
    model: ImageModel, fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(ProxyError) as refused:
        images.images_request({"model": "m", **PROMPT, **fields}, model)
    assert (refused.value.status, refused.value.code) == (400, f"unsupported_{field}")
    assert f"`{field}`" in refused.value.message


def test_a_field_with_an_empty_name_is_an_invalid_request() -> None:
    # JSON allows the key "": there is no `unsupported_` code to name it by.
    with pytest.raises(ProxyError) as refused:
        images.images_request({**PROMPT, "": 1}, RATIO_MODEL)
    assert (refused.value.status, refused.value.code) == (400, "invalid_request")


def test_uploads_become_input_references_within_the_models_limit() -> None:
    url = "data:image/png;base64,AAAA"
    request = images.images_request({**PROMPT}, RATIO_MODEL, [url, url])
    reference = {"type": "image_url", "image_url": {"url": url}}
    assert request.payload["input_references"] == [reference, reference]
    with pytest.raises(ProxyError, match="input_references"):
        images.images_request({**PROMPT}, RATIO_MODEL, [url] * 3)
    with pytest.raises(ProxyError, match="input_references"):
        images.images_request({**PROMPT}, OPENAI_MODEL, [url])


def test_how_the_client_wants_the_answer_is_kept_aside() -> None:
    fields = {**PROMPT, "response_format": "url", "stream": True, "user": "u"}
    request = images.images_request(fields, RATIO_MODEL)
    assert (request.response_format, request.stream, request.dropped) == ("url", True, ("user",))


ANSWER = {
    "created": 5,
    "data": [{"b64_json": "QUJD", "media_type": "image/webp"}, {"b64_json": "REVG"}],
    "usage": {"total_tokens": 3},
}


def test_url_answers_hold_data_urls() -> None:
    answer = image_answers.with_urls(ANSWER)
    assert [item.get("url") for item in answer["data"]] == [
        "data:image/webp;base64,QUJD",
        "data:image/png;base64,REVG",
    ]
    assert all("b64_json" not in item for item in answer["data"])


def test_a_whole_answer_becomes_one_completed_event_per_image() -> None:
    events = image_answers.completed_events(ANSWER, "image_edit")
    *payloads, done = events.split(b"\n\n")[:-1]
    assert done == b"data: [DONE]"
    first, second = (orjson.loads(payload.removeprefix(b"data: ")) for payload in payloads)
    assert first == {
        "type": "image_edit.completed",
        "b64_json": "QUJD",
        "created_at": 5,
        "size": "auto",  # the answer does not say
        "quality": "auto",
        "background": "auto",
        "output_format": "webp",
        "usage": {"total_tokens": 3},
    }
    assert second["output_format"] == "png"


def test_stream_events_are_renamed_for_an_edit() -> None:
    event = b'event: image_generation.completed\ndata: {"type":"image_generation.completed"}'
    assert image_answers.as_edit_event(event) == (
        b'event: image_edit.completed\ndata: {"type":"image_edit.completed"}\n\n'
    )


BRIDGED = ImageModel("chat/only", images.CHAT_BRIDGE_PARAMETERS)


@pytest.mark.parametrize(
    ("fields", "uploads", "extra"),
    [
        ({}, [], {}),
        (
            {"size": "1536x1024"},
            [],
            {"image_config": {"aspect_ratio": "3:2", "image_size": "2K"}},
        ),
        ({"provider": {"only": ["a"]}}, [], {"provider": {"only": ["a"]}}),
    ],
)
def test_a_chat_request_asks_what_the_images_request_asked(
    fields: dict[str, Any], uploads: list[str], extra: dict[str, Any]
) -> None:
    request = images.images_request({**PROMPT, **fields}, BRIDGED, uploads)
    assert images.chat_body(request, ["image", "text"]) == {
        "model": "chat/only",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "A red square"}]}],
        "modalities": ["image", "text"],
        **extra,
    }


def test_a_chat_request_carries_the_uploads_after_the_prompt() -> None:
    url = "data:image/png;base64,AAAA"
    request = images.images_request({**PROMPT}, BRIDGED, [url])
    [message] = images.chat_body(request, ["image"])["messages"]
    assert message["content"][1] == {"type": "image_url", "image_url": {"url": url}}


def test_the_chat_bridge_makes_one_image_a_request() -> None:
    request = ImageRequest({"model": "chat/only", **PROMPT, "n": 2}, "b64_json", False, ())
    with pytest.raises(ProxyError) as refused:
        images.chat_body(request, ["image"])
    assert refused.value.code == "unsupported_n"
    assert refused.value.message == "chat/only makes one image a request: leave `n` at 1"


def test_a_chat_completions_images_become_an_images_answer() -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,QUJD"}}
    completion = {
        "created": 9,
        "model": "chat/only",
        "choices": [{"message": {"content": "Here", "images": [image]}}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    answer = image_answers.images_from_chat(completion)
    assert answer == {
        "created": 9,
        "data": [{"b64_json": "QUJD", "media_type": "image/jpeg"}],
        "usage": {
            "input_tokens": 1,
            "output_tokens": 2,
            "total_tokens": 3,
            "input_tokens_details": {"text_tokens": 1, "image_tokens": 0},
        },
    }
    # Taken out of the completion: each image is held once, as base64, not as a data URL besides.
    assert completion["choices"] == [{"message": {"content": "Here"}}]


@pytest.mark.parametrize(
    "message",
    [
        {"content": "no image"},
        {"images": [{"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
        {"images": [{"type": "image_url", "image_url": {"url": "data:image/png,QUJD"}}]},
        {"images": [{"type": "image_url", "image_url": {"url": "https://x/y;base64,QUJD"}}]},
    ],
)
def test_a_chat_answer_without_a_data_url_image_is_an_error(message: dict[str, Any]) -> None:
    completion = {"model": "chat/only", "choices": [{"message": message}]}
    with pytest.raises(ValueError, match="image"):
        image_answers.images_from_chat(completion)


@pytest.mark.parametrize("url", ["https://x/y.png", "data:image/png,QUJD"])
def test_an_image_that_is_not_a_data_url_says_so(url: str) -> None:
    # The client reads it in the 502: "OpenRouter's answer could not be translated: ..."
    image = {"type": "image_url", "image_url": {"url": url}}
    completion = {"choices": [{"message": {"images": [image]}}]}
    with pytest.raises(ValueError, match=r"^an image that is not a base64 data URL$"):
        image_answers.images_from_chat(completion)


def test_a_chat_answer_without_usage_counts_no_tokens() -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,QUJD"}}
    completion = {"choices": [{"message": {"images": [image]}}]}
    answer = image_answers.images_from_chat(completion)
    assert answer["usage"] == {
        "input_tokens": 0,
        "output_tokens": 0,
        "total_tokens": 0,
        "input_tokens_details": {"text_tokens": 0, "image_tokens": 0},
    }


def test_an_upload_becomes_a_data_url() -> None:
    assert images.data_url(b"ABC", "image/webp") == "data:image/webp;base64,QUJD"
    assert images.data_url(b"ABC", None) == "data:image/png;base64,QUJD"


@pytest.mark.parametrize(
    ("item", "url"),
    [
        ({"b64_json": "QUJD", "media_type": "image/webp"}, "data:image/webp;base64,QUJD"),
        ({"b64_json": "QUJD", "media_type": None}, "data:image/png;base64,QUJD"),
        ({"b64_json": "QUJD"}, "data:image/png;base64,QUJD"),
    ],
)
def test_an_answers_image_becomes_a_data_url(item: dict[str, Any], url: str) -> None:
    assert image_answers.image_data_url(item) == url


BRIDGED = ImageModel("chat/only", images.CHAT_BRIDGE_PARAMETERS)


@pytest.mark.parametrize(
    ("fields", "references"),
    [({"aspect_ratio": "16:9"}, 0), ({"resolution": "4K"}, 0), ({}, 16)],
)
def test_what_a_chat_only_model_takes_through_the_bridge(
    fields: dict[str, Any], references: int
) -> None:
    urls = ["data:image/png;base64,AAAA"] * references
    assert images.images_request({**PROMPT, **fields}, BRIDGED, urls).payload


@pytest.mark.parametrize(
    ("fields", "references", "refused"),
    [
        ({"aspect_ratio": "7:3"}, 0, "aspect_ratio"),
        ({"resolution": "8K"}, 0, "resolution"),
        ({}, 17, "input_references"),
    ],
)
def test_what_a_chat_only_model_cannot_take_through_the_bridge(
    fields: dict[str, Any], references: int, refused: str
) -> None:
    urls = ["data:image/png;base64,AAAA"] * references
    with pytest.raises(ProxyError) as raised:
        images.images_request({**PROMPT, **fields}, BRIDGED, urls)
    assert raised.value.code == f"unsupported_{refused}"


@pytest.mark.parametrize(
    ("side", "resolution"),
    [(1024, "1K"), (1025, "2K"), (2048, "2K"), (2049, "4K"), (4096, "4K"), (8192, "4K")],
)
def test_the_resolution_covers_the_longer_side(side: int, resolution: str) -> None:
    request = images.images_request({**PROMPT, "size": f"{side}x{side // 2}"}, BRIDGED)
    assert (request.payload["aspect_ratio"], request.payload["resolution"]) == ("2:1", resolution)
