"""Assembling a non-streamed audio answer, table-driven: SSE bytes -> events -> one completion."""

import re
from typing import Any

import orjson
import pytest

from app.errors import ProxyError
from app.translate.audio import AudioCollector, Completion, new_audio_id


def chunk(delta: dict[str, Any], finish: str | None = None, **top: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {
        "id": "gen-1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [choice],
        **top,
    }


USAGE = {"prompt_tokens": 3, "completion_tokens": 9, "total_tokens": 12}
AUDIO_CHUNKS = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"audio": {"id": "audio_up", "data": "UklG", "transcript": "Hel"}}),
    chunk({"audio": {"data": "Rg==", "transcript": "lo"}}),
    chunk({}, "stop", usage=USAGE),
]
CASES = [
    # chunks, the message folded from them, finish_reason
    (
        AUDIO_CHUNKS,
        {
            "role": "assistant",
            "content": "",
            "audio": {
                "id": "audio_up",
                "data": "UklGRg==",
                "transcript": "Hello",
                "expires_at": 1000 + 3600,  # an hour, as OpenAI's audio
            },
        },
        "stop",
    ),
    (
        [chunk({"audio": {"data": "AA", "expires_at": 5}}), chunk({"audio": {"data": "=="}})],
        {
            "role": "assistant",
            "content": None,
            "audio": {"data": "AA==", "transcript": "", "id": "audio_new", "expires_at": 5},
        },
        None,
    ),
    (
        [chunk({"content": "Hel", "images": [1]}), chunk({"content": "lo", "images": [2]}, "stop")],
        {"role": "assistant", "content": "Hello", "images": [1, 2]},
        "stop",
    ),
    (
        [
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{"}}
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 1, "id": "c2", "function": {"name": "g"}}]}),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": "}"}}]}, "tool_calls"),
        ],
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"index": 0, "id": "c1", "function": {"name": "f", "arguments": "{}"}},
                {"index": 1, "id": "c2", "function": {"name": "g"}},
            ],
        },
        "tool_calls",
    ),
    (  # a field whose type changes between chunks starts over instead of failing
        [chunk({"content": "a"}), chunk({"content": ["part"]}), chunk({"content": None})],
        {"role": "assistant", "content": ["part"]},
        None,
    ),
]


@pytest.mark.parametrize(("chunks", "message", "finish_reason"), CASES)
def test_chunks_fold_into_a_completion(
    chunks: list[dict[str, Any]], message: dict[str, Any], finish_reason: str | None
) -> None:
    completion = Completion()
    for one in chunks:
        completion.add(one)
    folded = completion.result(now=1000.9, audio_id="audio_new")
    assert folded["object"] == "chat.completion"
    assert folded["id"] == "gen-1"
    [choice] = folded["choices"]
    assert choice["message"] == message
    assert choice["finish_reason"] == finish_reason


def test_the_last_chunk_brings_the_usage() -> None:
    completion = Completion()
    for one in AUDIO_CHUNKS:
        completion.add(one)
    assert completion.result(0, "a")["usage"] == USAGE


def test_several_choices_are_kept_apart() -> None:
    completion = Completion()
    completion.add({"choices": [{"index": 1, "delta": {"content": "b"}}, "not a choice"]})
    completion.add({"choices": [{"index": 0, "delta": {"content": "a"}}]})
    choices = completion.result(0, "a")["choices"]
    assert [c["message"]["content"] for c in choices] == ["a", "b"]
    assert [c["finish_reason"] for c in choices] == [None, None]  # present, as OpenAI's are


def test_streamed_reasoning_and_refusal_are_joined() -> None:
    completion = Completion()
    for delta in [{"reasoning": "Thin"}, {"reasoning": "king", "refusal": "No"}, {"refusal": "pe"}]:
        completion.add(chunk(delta))
    [choice] = completion.result(0, "a")["choices"]
    assert (choice["message"]["reasoning"], choice["message"]["refusal"]) == ("Thinking", "Nope")


def test_a_whole_value_is_the_latest_non_null_one() -> None:
    completion = Completion()
    for created in (1, 2, None):
        completion.add({"created": created, "system_fingerprint": None, "choices": []})
    folded = completion.result(0, "a")
    assert (folded["created"], folded["system_fingerprint"]) == (2, None)


def test_an_item_without_an_index_is_the_first_one() -> None:
    completion = Completion()
    completion.add(chunk({"tool_calls": [{"index": 0, "function": {"arguments": "{"}}]}))
    completion.add(chunk({"tool_calls": [{"function": {"arguments": "}"}}]}))
    [choice] = completion.result(0, "a")["choices"]
    assert choice["message"]["tool_calls"] == [{"index": 0, "function": {"arguments": "{}"}}]


def test_audio_without_data_or_transcript_gets_empty_ones() -> None:
    completion = Completion()
    completion.add(chunk({"audio": {"id": "audio_up", "expires_at": 5}}))
    [choice] = completion.result(0, "a")["choices"]
    assert choice["message"]["audio"] == {
        "id": "audio_up",
        "expires_at": 5,
        "data": "",
        "transcript": "",
    }


def test_audio_without_an_id_gets_a_new_one_each_time() -> None:
    assert re.fullmatch(r"audio_[0-9a-f]{24}", new_audio_id())
    assert new_audio_id() != new_audio_id()


def collect(stream: bytes) -> tuple[int, dict[str, Any]]:
    """The status and JSON of the answer: the completion, or the error the collector raises."""
    collector = AudioCollector(clock=lambda: 100.0, new_id=lambda: "audio_x")
    for start in range(0, len(stream), 7):
        collector.feed(stream[start : start + 7])
    try:
        body = collector.result()
    except ProxyError as error:
        return error.status, orjson.loads(error.response().body)
    return 200, orjson.loads(body)


def sse(*payloads: object) -> bytes:
    return b"".join(b"data: " + orjson.dumps(p) + b"\n\n" for p in payloads) + b"data: [DONE]\n\n"


def test_a_stream_becomes_one_completion() -> None:
    status, body = collect(b": OPENROUTER PROCESSING\n\n" + sse(*AUDIO_CHUNKS))
    assert status == 200
    assert body["choices"][0]["message"]["audio"]["data"] == "UklGRg=="
    assert body["usage"] == USAGE


def test_comments_between_events_are_skipped_not_the_end() -> None:
    collector = AudioCollector(clock=lambda: 100.0, new_id=lambda: "audio_x")
    keepalive = b": OPENROUTER PROCESSING\n\n"
    collector.feed(keepalive + sse(AUDIO_CHUNKS[0]) + keepalive + sse(*AUDIO_CHUNKS[1:]))
    body = collector.result()
    assert orjson.loads(body)["choices"][0]["message"]["audio"]["transcript"] == "Hello"


ERROR = {"code": 429, "message": "Slow down", "metadata": {"error_type": "rate_limited"}}


@pytest.mark.parametrize(
    ("stream", "status", "error"),
    [
        (
            sse(chunk({"content": "a"}), {"error": ERROR, **chunk({}, "error")}, chunk({})),
            429,
            {
                "message": "Slow down",
                "type": "upstream_error",
                "param": None,
                "code": "rate_limited",
            },
        ),
        (
            sse({"error": {"code": 200, "message": "odd"}}),
            502,
            {"message": "odd", "type": "upstream_error", "param": None, "code": "upstream_error"},
        ),
        *[
            (
                sse({"error": {"code": code}}),
                status,
                {
                    "message": "OpenRouter failed mid-stream",
                    "type": "upstream_error",
                    "param": None,
                    "code": "upstream_error",
                },
            )
            for code, status in [(399, 502), (400, 400), (599, 599), (600, 502)]
        ],
        (
            sse({"error": "plain words"}),
            502,
            {
                "message": "plain words",
                "type": "upstream_error",
                "param": None,
                "code": "upstream_error",
            },
        ),
        (
            sse(chunk({"content": "a"})) + b"data: {cut\n\n",
            502,
            {
                "message": "OpenRouter sent a stream event that is not a JSON object",
                "type": "upstream_error",
                "param": None,
                "code": "upstream_bad_stream",
            },
        ),
        (
            b": OPENROUTER PROCESSING\n\ndata: [DONE]\n\n",
            502,
            {
                "message": "OpenRouter ended the stream without an answer",
                "type": "upstream_error",
                "param": None,
                "code": "upstream_bad_stream",
            },
        ),
    ],
)
def test_failed_streams_become_openai_errors(
    stream: bytes, status: int, error: dict[str, Any]
) -> None:
    assert collect(stream) == (status, {"error": error})
