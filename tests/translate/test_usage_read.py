"""Reading an answer's usage as it passes (`app.translate.usage_read`), in every recorded shape
(docs/openrouter.md, "What real answers look like"), fed in pieces cut anywhere."""

import gzip
import tracemalloc
import zlib
from typing import Any

import orjson
import pytest

from app.ops.usage import Usage
from app.translate.usage_read import reader_for

CHAT_USAGE = {
    "prompt_tokens": 12,
    "completion_tokens": 7,
    "total_tokens": 19,
    "cost": 0.000125,
    "is_byok": False,
    "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0, "cache_write_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 3, "image_tokens": 0, "audio_tokens": 0},
    "cost_details": {"upstream_inference_cost": None},
}
READ = Usage(input_tokens=12, output_tokens=7, cached_tokens=4, reasoning_tokens=3, cost=0.000125)
BASE = {"id": "gen-1-abc", "provider": "P", "model": "openai/gpt-5-mini-2025-08-07", "created": 1}


def sse(payload: object) -> bytes:
    data = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return b"data: " + data + b"\n\n"


def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": {"role": "assistant", **delta}, "finish_reason": finish}
    return {**BASE, "object": "chat.completion.chunk", "choices": [choice], **extra}


def chat_stream(usage_chunk: dict[str, Any]) -> bytes:
    return b"".join(
        [
            b": OPENROUTER PROCESSING\n\n",
            sse(chunk({"content": "Hel"})),
            sse(chunk({"content": "lo"})),
            sse(chunk({"content": ""}, "stop")),
            b": OPENROUTER PROCESSING\n\n",
            sse(usage_chunk),
            b"data: [DONE]\n\n",
        ]
    )


STREAMS = {
    "usage chunk finish null (to 2026-02)": chat_stream(chunk({"content": ""}, usage=CHAT_USAGE)),
    "usage chunk repeats stop (2026-07/08)": chat_stream(
        chunk({"content": ""}, "stop", usage=CHAT_USAGE)
    ),
    "usage chunk without choices (2026-03)": chat_stream(
        {**BASE, "object": "chat.completion.chunk", "choices": [], "usage": CHAT_USAGE}
    ),
    "mid-stream error chunk carrying usage": sse(chunk({"content": "Hi"}))
    + sse({"error": {"code": 400, "message": "x"}, **chunk({"content": ""}), "usage": CHAT_USAGE})
    + b"data: [DONE]\n\n",
}


def read(
    body: bytes,
    stream: bool,
    cut: int | None = None,
    window: int = 64 * 1024,
    usage_only: bool = False,
) -> Any:
    """The reader's facts of `body` fed in pieces of `cut` bytes (None: whole)."""
    reader = reader_for(stream, window, usage_only=usage_only)
    step = cut or len(body) or 1
    firsts = [reader.feed(body[at : at + step]) for at in range(0, len(body), step)]
    return reader.finish(), firsts


@pytest.mark.parametrize("cut", [None, 1, 7, 64])
@pytest.mark.parametrize("shape", list(STREAMS))
def test_a_chat_streams_usage_is_read_in_each_recorded_shape(shape: str, cut: int | None) -> None:
    facts, firsts = read(STREAMS[shape], stream=True, cut=cut)
    assert (facts.usage, facts.usage_state) == (READ, "read")
    assert facts.response_model == BASE["model"]
    assert facts.response_id == BASE["id"]
    assert firsts.count(True) == 1  # the first data event, once, never the keep-alive comment


def test_the_first_data_event_is_the_first_token_not_a_keep_alive() -> None:
    _, firsts = read(b": OPENROUTER PROCESSING\n\n" + sse(chunk({"content": "x"})), True, cut=26)
    assert firsts[:2] == [False, True]  # `data:` cut between the two
    assert firsts.count(True) == 1


def test_finish_reasons_are_read_from_the_finish_chunk() -> None:
    facts, _ = read(STREAMS["usage chunk finish null (to 2026-02)"], stream=True)
    assert facts.finish_reasons == ("stop",)


def test_a_stream_without_usage_is_missing_never_guessed() -> None:
    body = sse(chunk({"content": "x"})) + sse(chunk({"content": ""}, "stop")) + b"data: [DONE]\n\n"
    facts, _ = read(body, stream=True)
    assert (facts.usage, facts.usage_state) == (None, "missing")


def test_a_stream_cut_in_its_usage_chunk_is_missing() -> None:
    body = STREAMS["usage chunk without choices (2026-03)"]
    facts, _ = read(body[: body.index(b'"cost"')], stream=True)
    assert facts.usage_state == "missing"


RESPONSES_STREAM = (
    sse({"type": "response.created", "response": {"id": "gen-9", "model": "m/x", "usage": None}})
    + b": \n\n"
    + sse({"type": "response.output_text.delta", "delta": "Hi"})
    + sse(
        {
            "type": "response.completed",
            "response": {
                "id": "gen-9",
                "model": "m/x",
                "status": "completed",
                "output": [{"type": "message", "content": [{"text": "Hi" * 5000}]}],
                "usage": {
                    "input_tokens": 12,
                    "output_tokens": 7,
                    "input_tokens_details": {"cached_tokens": 4},
                    "output_tokens_details": {"reasoning_tokens": 3},
                    "cost": 0.000125,
                },
            },
        }
    )
    + b"data: [DONE]\n\n"
)


@pytest.mark.parametrize("window", [64 * 1024, 1024])  # the completed event longer than 1 KiB
def test_a_responses_streams_usage_is_read_from_its_completed_event(window: int) -> None:
    facts, _ = read(RESPONSES_STREAM, stream=True, cut=100, window=window)
    assert (facts.usage, facts.usage_state) == (READ, "read")


def test_a_responses_streams_model_and_status_are_read() -> None:
    facts, _ = read(RESPONSES_STREAM, stream=True)
    assert (facts.response_model, facts.response_id) == ("m/x", "gen-9")
    assert facts.finish_reasons == ("completed",)


IMAGE_USAGE = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19, "cost": 0.04}
B64 = "QUJD" * 20000


def test_an_image_streams_last_completed_event_gives_the_usage() -> None:
    completed = {"type": "image_generation.completed", "b64_json": B64, "usage": IMAGE_USAGE}
    body = sse({"type": "image_generation.partial_image", "b64_json": B64}) + sse(completed)
    facts, _ = read(body * 2 + b"data: [DONE]\n\n", stream=True, cut=4096, window=8192)
    assert facts.usage == Usage(input_tokens=12, output_tokens=7, cost=0.04)


WHOLE: dict[str, dict[str, Any]] = {
    "chat": {**BASE, "object": "chat.completion", "choices": [{"finish_reason": "stop"}]},
    "images": {"created": 1, "data": [{"b64_json": B64, "media_type": "image/png"}]},
    "embeddings": {"object": "list", "data": [{"embedding": [0.5] * 3000}], "model": "e/x"},
    "transcription": {"text": "hello"},
}
WHOLE_USAGE = {
    "chat": CHAT_USAGE,
    "images": IMAGE_USAGE,
    "embeddings": {"prompt_tokens": 12, "total_tokens": 12, "cost": 0.000125},
    "transcription": {"seconds": 2, "input_tokens": 12, "output_tokens": 7, "cost": 0.04},
}
WHOLE_READ = {
    "chat": READ,
    "images": Usage(input_tokens=12, output_tokens=7, cost=0.04),
    "embeddings": Usage(input_tokens=12, cost=0.000125),
    "transcription": Usage(input_tokens=12, output_tokens=7, cost=0.04),
}


@pytest.mark.parametrize("usage_only", [False, True])
@pytest.mark.parametrize("window", [1024 * 1024, 1024])  # the body within it, and not
@pytest.mark.parametrize("kind", list(WHOLE))
def test_a_whole_answers_usage_is_read_at_its_end(kind: str, window: int, usage_only: bool) -> None:
    body = orjson.dumps({**WHOLE[kind], "usage": WHOLE_USAGE[kind]})
    facts, firsts = read(body, stream=False, cut=1000, window=window, usage_only=usage_only)
    assert (facts.usage, facts.usage_state) == (WHOLE_READ[kind], "read")
    assert not any(firsts)  # no first token in an answer that is not a stream


def test_a_whole_chat_answers_own_facts_are_read() -> None:
    facts, _ = read(orjson.dumps({**WHOLE["chat"], "usage": CHAT_USAGE}), stream=False)
    assert (facts.response_id, facts.response_model) == (BASE["id"], BASE["model"])
    assert facts.finish_reasons == ("stop",)


@pytest.mark.parametrize(
    "body",
    [
        orjson.dumps({**WHOLE["chat"], "usage": CHAT_USAGE}),  # last, as OpenRouter puts it
        orjson.dumps({**WHOLE["chat"], "usage": CHAT_USAGE}) + b"\n",
        orjson.dumps({"usage": CHAT_USAGE, **WHOLE["chat"]}),  # first: cut out by a scan
        orjson.dumps({**WHOLE["chat"], "usage": CHAT_USAGE, "x": {"y": 1}}),
        orjson.dumps({**WHOLE["chat"], "usage": CHAT_USAGE}, option=orjson.OPT_INDENT_2),
    ],
)
def test_the_usage_alone_is_read_wherever_it_is_and_nothing_else(body: bytes) -> None:
    facts, _ = read(body, stream=False, usage_only=True)
    assert (facts.usage, facts.usage_state) == (READ, "read")
    assert (facts.response_id, facts.response_model, facts.finish_reasons) == ("", "", ())


def test_a_whole_answer_without_usage_is_missing() -> None:
    facts, _ = read(orjson.dumps(WHOLE["chat"]), stream=False)
    assert (facts.usage, facts.usage_state) == (None, "missing")


def test_a_long_answer_whose_usage_is_not_in_its_last_bytes_is_too_large() -> None:
    body = orjson.dumps({"usage": IMAGE_USAGE, **WHOLE["images"]})  # usage first, then 80 kB
    facts, _ = read(body, stream=False, cut=1000, window=1024)
    assert (facts.usage, facts.usage_state) == (None, "too_large")


def test_a_usage_member_longer_than_the_window_is_too_large() -> None:
    usage = {**IMAGE_USAGE, "padding": "x" * 5000}
    facts, _ = read(
        orjson.dumps({**WHOLE["chat"], "usage": usage}), stream=False, cut=500, window=1024
    )
    assert facts.usage_state == "too_large"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b'{"usage":',
        b'{"usage":{"prompt_tokens":1',
        b'{"usage":null}',
        b'{"usage":[1,2]}',
        b'{"usage":"lots"}',
        b'{"type":"usage"}',
        b"\xff\xfe",
    ],
)
@pytest.mark.parametrize("usage_only", [False, True])
def test_broken_or_odd_bodies_are_missing_not_a_crash(body: bytes, usage_only: bool) -> None:
    facts, _ = read(body, stream=False, usage_only=usage_only)
    assert (facts.usage, facts.usage_state) == (None, "missing")


def test_a_number_beyond_64_bits_does_not_crash_the_read() -> None:
    body = b'{"usage":{"prompt_tokens":123456789012345678901234567890,"completion_tokens":7}}'
    facts, _ = read(body, stream=False)
    assert facts.usage_state in {"read", "missing"}
    assert facts.usage is None or facts.usage.input_tokens is None


GZIPPED = orjson.dumps({**WHOLE["chat"], "usage": CHAT_USAGE})


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("cut", [None, 10])
def test_a_compressed_answers_usage_is_read_from_it_inflated(
    encoding: str, cut: int | None
) -> None:
    packed = gzip.compress(GZIPPED) if encoding == "gzip" else zlib.compress(GZIPPED)
    reader = reader_for(False, 64 * 1024, encoding)
    step = cut or len(packed)
    for at in range(0, len(packed), step):
        reader.feed(packed[at : at + step])
    facts = reader.finish()
    assert (facts.usage, facts.usage_state, facts.response_id) == (READ, "read", BASE["id"])


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("br", b"\x1b\x00"),  # not one it inflates
        ("gzip", b"not gzip at all"),
        ("gzip", gzip.compress(b" " * 2_000_000 + GZIPPED)),  # inflates past its bound
    ],
)
def test_a_compressed_answer_that_cannot_be_inflated_is_too_large(
    encoding: str, body: bytes
) -> None:
    reader = reader_for(False, 1024, encoding)
    reader.feed(body)
    assert reader.finish().usage_state == "too_large"


def test_a_compressed_stream_that_breaks_after_a_usage_is_too_large_not_that_usage() -> None:
    packer = zlib.compressobj(wbits=31)  # gzip
    first = b'data: {"usage":{"prompt_tokens":1}}\n\n'  # an image stream's first image's usage
    reader = reader_for(True, 1024, "gzip")
    reader.feed(packer.compress(first) + packer.flush(zlib.Z_SYNC_FLUSH))
    reader.feed(b"\xff" * 8)  # a reserved block type: the rest cannot be inflated
    assert reader.finish().usage_state == "too_large"


def test_a_bomb_is_inflated_a_window_at_a_time_never_whole() -> None:
    bomb = gzip.compress(bytes(16 * 1024 * 1024) + GZIPPED)  # 16 MiB of zeros: 16 KiB packed
    reader = reader_for(False, 64 * 1024, "gzip")
    tracemalloc.start()
    try:
        reader.feed(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1024 * 1024  # the window twice and a slice; 16 MiB inflated at once before
    assert reader.finish().usage_state == "read"  # its usage in the last window all the same
