"""OpenAI's embeddings request and answer in OpenRouter's terms: tables."""

import array
import base64
import sys
from typing import Any

import orjson
import pytest

from app.errors import ProxyError, error_body
from app.translate.embeddings import (
    EmbeddingsRequest,
    embeddings_request,
    float32_base64,
    whole_answer,
)

BASE = {"model": "openai/text-embedding-3-small", "input": "hello"}
VECTORS = [[0.5, -1.25, 3.0], [0.125, 0.0, -7.75]]  # exact in float32
ANSWER = {
    "object": "list",
    "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(VECTORS)],
    "model": "openai/text-embedding-3-small",
    "usage": {"prompt_tokens": 2, "total_tokens": 2, "cost": 0.0},
}


@pytest.mark.parametrize(
    ("asked", "as_base64"),
    [
        ({}, True),
        ({"encoding_format": None}, True),
        ({"encoding_format": "base64"}, True),
        ({"encoding_format": "float"}, False),
    ],
)
def test_always_asked_as_float(asked: dict[str, Any], as_base64: bool) -> None:
    checked = embeddings_request({**BASE, **asked})
    assert checked == EmbeddingsRequest({**BASE, "encoding_format": "float"}, as_base64)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**BASE, "encoding_format": "int8"}, "unsupported_encoding_format"),
        ({"model": "m"}, "unsupported_input"),
        ({**BASE, "input": []}, "unsupported_input"),
        ({**BASE, "input": ""}, "unsupported_input"),
    ],
)
def test_requests_that_cannot_go_are_refused(body: dict[str, Any], code: str) -> None:
    with pytest.raises(ProxyError) as refused:
        embeddings_request(body)
    assert (refused.value.status, refused.value.code) == (400, code)


def test_a_request_without_input_is_told_what_input_is() -> None:
    with pytest.raises(ProxyError) as refused:
        embeddings_request({"model": "m"})
    assert refused.value.message == "`input` is required: the text (or texts) to embed"


def decoded(text: str) -> list[float]:
    # As openai-python decodes it without numpy: native float32, little-endian here.
    assert sys.byteorder == "little"
    return array.array("f", base64.b64decode(text)).tolist()


def answered(model_id: str, as_base64: bool, body: bytes) -> tuple[int, bytes]:
    try:
        return 200, whole_answer(model_id, as_base64, body)
    except ProxyError as error:
        return error.status, error_body(error.message, error.code, error.kind)


def test_base64_answer_decodes_to_the_float_vectors() -> None:
    status, body = answered("m", True, orjson.dumps(ANSWER))
    assert status == 200
    answer = orjson.loads(body)
    assert [decoded(item["embedding"]) for item in answer["data"]] == VECTORS
    assert {**answer, "data": None} == {**ANSWER, "data": None}


def test_float32_base64_is_little_endian() -> None:
    assert base64.b64decode(float32_base64([1.0])) == b"\x00\x00\x80\x3f"


def test_float_answer_goes_as_it_came() -> None:
    body = orjson.dumps(ANSWER) + b"\n"
    assert answered("m", False, body) == (200, body)


@pytest.mark.parametrize("as_base64", [True, False])
@pytest.mark.parametrize(
    ("body", "says"),
    [
        (orjson.dumps({**ANSWER, "data": []}), "with no embeddings (an empty `data`)"),
        (orjson.dumps({**ANSWER, "data": None}), "with no embeddings"),
        (b"not json", "is not embeddings"),
        (b"[1]", "is not embeddings"),
    ],
)
def test_answers_without_embeddings_are_a_502_naming_the_model(
    as_base64: bool, body: bytes, says: str
) -> None:
    status, error = answered("baai/bge-m3", as_base64, body)
    assert status == 502
    message = orjson.loads(error)["error"]
    assert message["code"] == "empty_embeddings"
    assert message["type"] == "upstream_error"
    assert "baai/bge-m3" in message["message"]
    assert says in message["message"]


@pytest.mark.parametrize(
    "vector", [b'["x"]', b"[null]", b"[[1.0]]", b"[1e300]", b"[%d]" % 2**200, b"[true, {}]"]
)
def test_vectors_of_non_numbers_are_a_502(vector: bytes) -> None:
    body = orjson.dumps({**ANSWER, "data": [{"embedding": [0.5]}]}).replace(b"[0.5]", vector)
    status, error = answered("m", True, body)
    assert status == 502
    assert orjson.loads(error)["error"]["code"] == "upstream_bad_answer"
    assert b"m has a vector of non-numbers" in error


@pytest.mark.parametrize("depth", [252, 600, 1020])  # with the 3 levels around it
def test_an_answer_nested_deeper_than_orjson_writes_is_a_502(depth: int) -> None:
    nested = b"[" * depth + b"]" * depth  # parsed (up to 1,024 levels), never written back
    body = b'{"data": [{"embedding": [0.5], "x": ' + nested + b"}]}"
    status, error = answered("m", True, body)
    assert status == 502
    assert orjson.loads(error)["error"]["code"] == "empty_embeddings"
    assert b"m is nested deeper than" in error
