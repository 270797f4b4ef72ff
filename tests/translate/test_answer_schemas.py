"""The answers the pure translations build, for upstream answers of every shape OpenRouter's
published schema allows (and some it does not), are valid against the published schemas they
claim (see tests/schemas): property-based."""

from typing import Any

import orjson
from hypothesis import assume, given
from hypothesis import strategies as st

from app.errors import error_body
from app.translate import chat_image_answers, image_answers, sse, transcriptions, video_jobs
from app.translate.video_jobs import VideoRef
from tests.schemas import assert_valid

# What a count or a cost may be in an answer: what the schema says, and what it does not.
ANYTHING = st.none() | st.booleans() | st.text(max_size=3) | st.floats(allow_nan=False)
COUNT = st.integers(0, 10**7) | ANYTHING
COST = st.floats(0, 100, allow_nan=False) | st.integers(0, 100) | ANYTHING
BASE64 = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", min_size=4)
MEDIA_TYPES = st.sampled_from(["image/png", "image/jpeg", "image/webp", "image/svg+xml"])


def usages(names: tuple[str, ...]) -> st.SearchStrategy[Any]:
    """No usage, or one with any of `names` (counts) and `cost`, and an extra field."""
    fields = {name: COUNT for name in names}
    usage = st.fixed_dictionaries(
        {}, optional={**fields, "cost": COST, "is_byok": st.booleans(), "seconds": COST}
    )
    return st.none() | usage


IMAGE_USAGE = usages(("prompt_tokens", "completion_tokens", "total_tokens"))
IMAGE_ITEMS = st.lists(
    st.fixed_dictionaries({"b64_json": BASE64}, optional={"media_type": MEDIA_TYPES}),
    min_size=1,
    max_size=3,
)
# OpenRouter's ImageGenerationResponse: `created` and `data` required, `usage` optional.
IMAGES_ANSWERS = st.fixed_dictionaries(
    {"created": st.integers(0, 2**31), "data": IMAGE_ITEMS}, optional={"usage": IMAGE_USAGE}
)


def data_of(events: bytes) -> list[Any]:
    found = (sse.data_of(event) for event in events.split(b"\n\n") if event)
    return [orjson.loads(data) for data in found if data is not None and data != b"[DONE]"]


@given(IMAGES_ANSWERS, st.text(min_size=1))
def test_chat_from_the_images_api_is_a_completion_by_both_schemas(
    answer: dict[str, Any], model: str
) -> None:
    completion = orjson.loads(chat_image_answers.chat_completion_from_images(answer, model))
    assert_valid(completion, "openrouter", "ChatResult")
    assert_valid(completion, "openai", "CreateChatCompletionResponse")


@given(IMAGES_ANSWERS, st.text(min_size=1))
def test_chat_streamed_from_the_images_api_is_chunks_by_both_schemas(
    answer: dict[str, Any], model: str
) -> None:
    events = chat_image_answers.chat_chunks_from_images(answer, model)
    for chunk in data_of(events):
        assert_valid(chunk, "openrouter", "ChatStreamChunk")
        assert_valid(chunk, "openai", "CreateChatCompletionStreamResponse")


@given(IMAGES_ANSWERS)
def test_images_api_answers_become_openais_images_response(answer: dict[str, Any]) -> None:
    made = orjson.loads(orjson.dumps(image_answers.as_images_response(answer)))
    assert_valid(made, "openai", "ImagesResponse")
    with_urls = image_answers.with_urls(image_answers.as_images_response(answer))
    with_urls = orjson.loads(orjson.dumps(with_urls))
    assert_valid(with_urls, "openai", "ImagesResponse")
    if isinstance(answer.get("usage"), dict) and isinstance(answer["usage"].get("cost"), float):
        assert made["usage"]["cost"] == answer["usage"]["cost"]


@given(IMAGES_ANSWERS, st.sampled_from(["image_generation", "image_edit"]))
def test_a_whole_answer_streamed_is_openais_completed_events(
    answer: dict[str, Any], kind: str
) -> None:
    # OpenAI's event names png, webp or jpeg: a vector model's SVG cannot be named there.
    assume(all(item.get("media_type") != "image/svg+xml" for item in answer["data"]))
    made = image_answers.as_images_response(answer)
    events = data_of(image_answers.completed_events(made, kind))
    assert len(events) == len(answer["data"])
    schema = "ImageGenCompletedEvent" if kind == "image_generation" else "ImageEditCompletedEvent"
    for event in events:
        assert_valid(event, "openai", schema)


CHAT_IMAGES = st.lists(
    st.builds(
        lambda media, data: {
            "type": "image_url",
            "image_url": {"url": f"data:{media};base64,{data}"},
        },
        MEDIA_TYPES,
        BASE64,
    ),
    min_size=1,
    max_size=3,
)
CHAT_ANSWERS = st.fixed_dictionaries(
    {
        "choices": st.tuples(
            st.fixed_dictionaries({"message": st.fixed_dictionaries({"images": CHAT_IMAGES})})
        )
    },
    optional={"created": st.integers(0, 2**31), "usage": IMAGE_USAGE, "model": st.text()},
)


@given(CHAT_ANSWERS)
def test_chat_image_answers_become_openais_images_response(answer: dict[str, Any]) -> None:
    made = orjson.loads(orjson.dumps(image_answers.images_from_chat(answer)))
    assert_valid(made, "openai", "ImagesResponse")


# OpenRouter's STTResponse: `text` required; every usage field optional (and null besides).
NUMBER = st.floats(0, 10**4, allow_nan=False) | st.integers(0, 10**4)
STT_USAGE = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(transcriptions.TOKEN_COUNTS, st.integers(0, 10**7)),
        "seconds": NUMBER,
        "cost": NUMBER,
    },
)
STT_ANSWERS = st.fixed_dictionaries(
    {"text": st.text()}, optional={"usage": st.none() | STT_USAGE, "language": st.text()}
)


@given(STT_ANSWERS)
def test_transcriptions_are_openais_by_its_schema(answer: dict[str, Any]) -> None:
    made = orjson.loads(transcriptions.as_openai(orjson.dumps(answer)))
    assert_valid(made, "openai", "CreateTranscriptionResponseJson")
    assert_valid(made, "openrouter", "STTResponse")


# OpenRouter's VideoGenerationResponse, and statuses it may add.
JOBS = st.fixed_dictionaries(
    {
        "id": st.just("job-abc123"),
        "polling_url": st.just("/api/v1/videos/job-abc123"),
        "status": st.sampled_from(
            ["pending", "in_progress", "completed", "failed", "cancelled", "expired", "dead"]
        )
        | st.text(),
    },
    optional={"error": st.text(), "unsigned_urls": st.lists(st.text()), "generation_id": st.text()},
)
# OpenAI's `seconds` and `size` as the client asked them (OpenAI's Video requires both).
REFS = st.builds(
    VideoRef,
    job_id=st.just("job-abc123"),
    model=st.text(max_size=200),
    seconds=st.sampled_from(["4", "8", "12"]),
    size=st.sampled_from(["720x1280", "1280x720", "1024x1792", "1792x1024"]),
    prompt=st.text(),
    created_at=st.integers(0, 2**31),
)


@given(REFS, JOBS, st.integers(0, 2**31))
def test_video_jobs_are_openais_video(ref: VideoRef, job: dict[str, Any], now: int) -> None:
    video = orjson.loads(video_jobs.video_object(ref, orjson.dumps(job), now))
    assert_valid(video, "openai", "VideoResource")


@given(
    st.text(),
    st.text(),
    st.sampled_from(["invalid_request_error", "upstream_error", "server_error"]),
)
def test_error_bodies_are_openais_error_response(message: str, code: str, kind: str) -> None:
    assert_valid(orjson.loads(error_body(message, code, kind)), "openai", "ErrorResponse")
