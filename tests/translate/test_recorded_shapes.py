"""The proxy's stream and error readers on the shapes of real OpenRouter answers
(docs/openrouter.md, "What real answers look like"): keep-alive comments between data chunks,
usage in its own chunk after the finish (three ways), images and the finish in one chunk, a
mid-stream error with code 400 and no metadata, `/responses` streams without `event:` lines,
gzip, the exact error bodies."""

import gzip
from typing import Any

import orjson
import pytest

from app.errors import ProxyError
from app.policy import fallbacks
from app.translate import chat_image_answers, sse
from app.translate.audio import AudioCollector
from app.translate.image_answers import as_edit_event, images_from_chat
from app.upstream import errors as upstream_errors

KEEP_ALIVE = b": OPENROUTER PROCESSING\n\n"
BASE = {"id": "gen-1767225600-AbCdEfGhIjKlMnOpQrSt", "provider": "Google", "created": 1767225600}
BASE |= {
    "model": "google/gemini-2.5-flash-image-preview-09-2025",
    "object": "chat.completion.chunk",
}
PNG = "data:image/png;base64,iVBORw0KGgo="


def data(payload: Any) -> bytes:
    return b"data: " + orjson.dumps(payload) + b"\n\n"


def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    native = {"stop": "STOP"}.get(finish or "", finish)
    return {
        "index": 0,
        "delta": {"role": "assistant", **delta},
        "finish_reason": finish,
        "native_finish_reason": native,
        "logprobs": None,
    }


USAGE = {
    "prompt_tokens": 7,
    "completion_tokens": 1290,
    "total_tokens": 1297,
    "cost": 0.0387,
    "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 1290},
}
USAGE_CHUNKS = {
    "finish null (to 2026-02)": {**BASE, "choices": [choice({"content": ""})], "usage": USAGE},
    "stop again (2026-07/08)": {
        **BASE,
        "choices": [choice({"content": ""}, "stop")],
        "usage": USAGE,
    },
    "no choices (2026-03)": {**BASE, "choices": [], "usage": USAGE},
}
AUDIO = [
    {"audio": {"id": "audio_1", "data": "UklG", "transcript": "He"}},
    {"audio": {"data": "RiQA", "transcript": "llo"}},
]


def audio_stream(usage_chunk: dict[str, Any]) -> bytes:
    """An audio answer as recorded: comments before and between data chunks, the finish, a
    comment, usage in its own chunk, [DONE]."""
    chunks = [data({**BASE, "choices": [choice({"content": ""})]}), KEEP_ALIVE]
    chunks += [data({**BASE, "choices": [choice(delta)]}) for delta in AUDIO]
    chunks += [data({**BASE, "choices": [choice({"content": ""}, "stop")]}), KEEP_ALIVE]
    return KEEP_ALIVE * 3 + b"".join(chunks) + data(usage_chunk) + b"data: [DONE]\n\n"


def fed_in_pieces(collector: AudioCollector, stream: bytes, size: int) -> bytes:
    for start in range(0, len(stream), size):
        collector.feed(stream[start : start + size])
    return collector.result()


@pytest.mark.parametrize("usage_chunk", USAGE_CHUNKS.values(), ids=USAGE_CHUNKS.keys())
@pytest.mark.parametrize("piece_size", [1, 7, 4096])
def test_audio_is_assembled_from_every_recorded_stream_shape(
    usage_chunk: dict[str, Any], piece_size: int
) -> None:
    body = fed_in_pieces(AudioCollector(), audio_stream(usage_chunk), piece_size)
    completion = orjson.loads(body)
    (only,) = completion["choices"]
    assert only["finish_reason"] == "stop"
    assert only["message"]["audio"]["data"] == "UklGRiQA"
    assert only["message"]["audio"]["transcript"] == "Hello"
    assert completion["usage"] == USAGE
    assert completion["model"] == BASE["model"]  # the canonical slug, as upstream names it


def test_a_recorded_mid_stream_error_is_an_openai_error_with_its_status() -> None:
    failure = {
        "error": {"code": 400, "message": "Provider returned error"},
        **BASE,
        "choices": [choice({"content": ""})],
        "usage": USAGE,
    }
    stream = data({**BASE, "choices": [choice(AUDIO[0])]}) + KEEP_ALIVE + data(failure)
    with pytest.raises(ProxyError) as raised:
        fed_in_pieces(AudioCollector(), stream + b"data: [DONE]\n\n", 5)
    assert raised.value.status == 400
    assert orjson.loads(raised.value.response().body)["error"] == {
        "message": "Provider returned error",
        "type": "upstream_error",
        "param": None,
        "code": "upstream_error",
    }


def test_the_sse_splitter_takes_comments_anywhere_and_crlf() -> None:
    stream = audio_stream(USAGE_CHUNKS["no choices (2026-03)"])
    splitter = sse.EventSplitter()
    events = [
        event for byte in range(len(stream)) for event in splitter.feed(stream[byte : byte + 1])
    ]
    events += list(splitter.finish())
    payloads = [sse.data_of(event) for event in events]
    assert payloads.count(None) == 5  # the comments: no data
    assert payloads[-1] == b"[DONE]"
    crlf = stream.replace(b"\n", b"\r\n")
    assert [sse.data_of(e) for e in sse.EventSplitter().feed(crlf)] == payloads


def test_a_responses_stream_without_event_lines_is_split_into_its_events() -> None:
    created = {"type": "response.created", "sequence_number": 0, "response": {"id": "gen-1-a"}}
    item = {"type": "message", "id": "msg_tmp_abc", "role": "assistant"}
    added = {"type": "response.output_item.added", "sequence_number": 1, "item": item}
    stream = b": \n\n" + data(created) + b": \n\n" + data(added) + b"data: [DONE]\n\n"
    events = list(sse.EventSplitter().feed(stream))
    assert [sse.data_of(event) for event in events] == [
        None,
        orjson.dumps(created),
        None,
        orjson.dumps(added),
        b"[DONE]",
    ]


def test_an_image_stream_with_images_and_the_finish_in_one_chunk_folds_whole() -> None:
    """Gemini's image streams: role, empty content, images and finish_reason in one chunk."""
    image = {"type": "image_url", "image_url": {"url": PNG}, "index": 0}
    one = {**BASE, "choices": [choice({"content": "", "images": [image]}, "stop")]}
    stream = KEEP_ALIVE + data(one) + KEEP_ALIVE + data(USAGE_CHUNKS["stop again (2026-07/08)"])
    body = fed_in_pieces(AudioCollector(), stream + b"data: [DONE]\n\n", 3)
    message = orjson.loads(body)["choices"][0]["message"]
    assert message["images"] == [image]


def test_a_recorded_chat_answer_with_images_becomes_an_images_answer() -> None:
    image = {"type": "image_url", "image_url": {"url": PNG}, "index": 0}
    message = {
        "role": "assistant",
        "content": "",
        "refusal": None,
        "reasoning": None,
        "images": [image],
    }
    completion = {
        **BASE,
        "object": "chat.completion",
        "usage": USAGE,
        "choices": [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": "stop",
                "native_finish_reason": "STOP",
                "message": message,
            }
        ],
    }
    answer = images_from_chat(completion)
    assert answer["data"] == [{"b64_json": "iVBORw0KGgo=", "media_type": "image/png"}]
    assert answer["usage"]["output_tokens"] == 1290


def test_the_images_bridge_chunks_fold_as_a_client_folds_them() -> None:
    images_answer = {
        "created": 1,
        "data": [{"b64_json": "iVBORw0KGgo="}],
        "usage": {"prompt_tokens": 1, "cost": 0.04},
    }
    chunks = chat_image_answers.chat_chunks_from_images(images_answer, "qwen/qwen-image-3")
    body = fed_in_pieces(AudioCollector(), chunks, 11)
    (only,) = orjson.loads(body)["choices"]
    assert only["finish_reason"] == "stop"
    assert only["message"]["images"][0]["image_url"]["url"].endswith("iVBORw0KGgo=")


def test_image_events_are_renamed_between_comments() -> None:
    partial = {
        "type": "image_generation.partial_image",
        "b64_json": "AAAA",
        "partial_image_index": 0,
    }
    stream = KEEP_ALIVE + data(partial) + b": \n\n" + b"data: [DONE]\n\n"
    renamed = b"".join(as_edit_event(e) for e in sse.EventSplitter().feed(stream))
    assert b"image_edit.partial_image" in renamed
    assert b"image_generation." not in renamed
    assert renamed.count(b"\n\n") == 4


ERRORS = {
    "401 unknown key": (401, {"error": {"message": "User not found.", "code": 401}}),
    "402 credits": (
        402,
        {
            "error": {
                "message": "This request requires more credits, or fewer "
                "max_tokens. You requested up to 65536 tokens, but can only "
                "afford 1000.",
                "code": 402,
            },
            "user_id": "user_2abc",
        },
    ),
    "429 no Retry-After": (
        429,
        {
            "error": {
                "message": "Provider returned error",
                "code": 429,
                "metadata": {
                    "raw": "google/gemini is temporarily rate-limited upstream",
                    "provider_name": "Google",
                },
            },
            "user_id": "user_2abc",
        },
    ),
}


@pytest.mark.parametrize(("status", "document"), ERRORS.values(), ids=ERRORS.keys())
@pytest.mark.parametrize("encoding", [None, "gzip"])
def test_recorded_errors_are_read_and_neither_heal_nor_stop_a_fallback_wrongly(
    status: int, document: dict[str, Any], encoding: str | None
) -> None:
    body = orjson.dumps(document)
    sent = gzip.compress(body) if encoding else body
    error = upstream_errors.error_of(sent, encoding, 1024 * 1024)
    assert error == document["error"]
    assert not upstream_errors.refuses_modalities(status, error)
    assert not upstream_errors.wants_images_endpoint(status, error)
    assert fallbacks.tries_next(status) is (status == 429)
