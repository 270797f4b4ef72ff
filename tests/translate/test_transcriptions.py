"""OpenAI's transcription request and answer in OpenRouter's terms: tables."""

from typing import Any

import orjson
import pytest

from app.errors import ProxyError
from app.translate.transcriptions import (
    TranscriptionRequest,
    as_openai,
    as_text,
    transcription_request,
)

BASE = {"model": "openai/whisper-1", "language": "en"}


@pytest.mark.parametrize(
    ("asked", "sent", "text"),
    [
        ({}, {}, False),
        ({"response_format": "json"}, {"response_format": "json"}, False),
        ({"response_format": "text"}, {"response_format": "json"}, True),
        ({"response_format": "verbose_json"}, {"response_format": "verbose_json"}, False),
        ({"stream": "false"}, {"stream": "false"}, False),
        ({"stream": False}, {"stream": False}, False),
        ({"stream": "False"}, {"stream": "False"}, False),
    ],
)
def test_fields_sent_upstream(asked: dict[str, Any], sent: dict[str, Any], text: bool) -> None:
    checked = transcription_request({**BASE, **asked})
    assert checked == TranscriptionRequest({**BASE, **sent}, text=text)


@pytest.mark.parametrize("format_", ["srt", "vtt"])
def test_subtitles_are_refused_saying_why(format_: str) -> None:
    with pytest.raises(ProxyError) as refused:
        transcription_request({**BASE, "response_format": format_})
    assert refused.value.status == 400
    assert refused.value.code == "unsupported_response_format"
    assert "OpenRouter answers no subtitles" in refused.value.message
    assert "json, text, verbose_json" in refused.value.message


@pytest.mark.parametrize("format_", ["diarized", 1, ["text"], {"a": 1}, 1.5])
def test_unknown_formats_are_refused(format_: object) -> None:
    with pytest.raises(ProxyError, match="is not one of json, text, verbose_json") as refused:
        transcription_request({**BASE, "response_format": format_})
    assert (refused.value.status, refused.value.code) == (400, "unsupported_response_format")


@pytest.mark.parametrize("stream", ["true", True, "1"])
def test_streaming_is_refused(stream: object) -> None:
    with pytest.raises(ProxyError) as refused:
        transcription_request({**BASE, "stream": stream})
    assert (refused.value.status, refused.value.code) == (400, "unsupported_stream")
    assert refused.value.message == (
        "Streamed transcriptions are not offered by OpenRouter; leave `stream` out"
    )


TOKENS = {"total_tokens": 30, "input_tokens": 20, "output_tokens": 10, "seconds": 3, "cost": 0.1}


def counts(input_tokens: int, output_tokens: int, total_tokens: int) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": total_tokens,
    }


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (TOKENS, {"type": "tokens", **TOKENS}),
        ({"input_tokens": 5}, {"type": "tokens", **counts(5, 0, 5)}),
        ({"output_tokens": 5}, {"type": "tokens", **counts(0, 5, 5)}),
        ({"total_tokens": 5, "seconds": 1}, {"type": "tokens", **counts(0, 0, 5), "seconds": 1}),
        ({"input_tokens": 5, "total_tokens": None}, {"type": "tokens", **counts(5, 0, 5)}),
        ({"seconds": 2.5, "cost": 0.01}, {"type": "duration", "seconds": 2.5, "cost": 0.01}),
        ({"type": "duration", "seconds": 1}, {"type": "duration", "seconds": 1}),
    ],
)
def test_usage_gains_openai_type(usage: dict[str, Any], expected: dict[str, Any]) -> None:
    answer = as_openai(orjson.dumps({"text": "hi", "usage": usage}))
    assert orjson.loads(answer) == {"text": "hi", "usage": expected}


@pytest.mark.parametrize("usage", [{"cost": 0.01}, {"seconds": "2"}, None, [], "3 s"])
def test_usage_that_is_neither_of_openais_is_left_out(usage: Any) -> None:
    # OpenAI's `usage` is one of its two types, or absent.
    assert orjson.loads(as_openai(orjson.dumps({"text": "hi", "usage": usage}))) == {"text": "hi"}


def test_answers_without_usage_stay() -> None:
    assert orjson.loads(as_openai(b'{"text": "hi"}')) == {"text": "hi"}


def test_text_answer_is_the_text_alone() -> None:
    assert as_text(orjson.dumps({"text": "Grüß Gott", "usage": TOKENS})) == "Grüß Gott".encode()


@pytest.mark.parametrize("body", [b'{"text": 3}', b"{}", b"[]", b"nope"])
def test_text_answer_of_another_shape_fails(body: bytes) -> None:
    with pytest.raises((TypeError, ValueError, LookupError)):
        as_text(body)


def test_a_text_that_is_not_a_string_says_so() -> None:
    # The client reads it in the 502: "OpenRouter's answer could not be translated: ..."
    with pytest.raises(TypeError, match=r"^the answer's `text` is not a string$"):
        as_text(b'{"text": 3}')


def test_the_format_sent_is_read_off_the_request() -> None:
    assert transcription_request({"response_format": "text"}).response_format == "json"
    assert transcription_request({}).response_format is None
