"""OpenAI's embeddings request (`client.embeddings.create`) in OpenRouter's terms, and its answer.

The answer is made OpenAI's taken whole (pure; `app.translate.embeddings_stream` makes the same
answer as it streams). openai-python asks `encoding_format: "base64"` unless told otherwise, and
some OpenRouter models answer that with an empty `data`, which the SDK turns into "No embedding
data received". The proxy asks `float` instead and encodes the vectors as OpenAI does (base64 of
little-endian float32); and an answer with no embeddings becomes a 502 naming the model, never a
success.
"""

import base64
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from app.errors import ProxyError, UpstreamBadAnswer

FORMATS: Final = ("float", "base64")


@dataclass(frozen=True, slots=True)
class EmbeddingsRequest:
    """A checked embeddings request: the body for OpenRouter, and whether the client gets the
    vectors in base64."""

    payload: dict[str, Any]
    base64: bool


def embeddings_request(body: Mapping[str, Any]) -> EmbeddingsRequest:
    """Return OpenRouter's body for OpenAI's, `base64` or no `encoding_format` asked as `float`.

    Raises ProxyError (400) for another format or no `input`.
    """
    if body.get("input") in (None, "", []):
        message = "`input` is required: the text (or texts) to embed"
        raise ProxyError(400, message, "unsupported_input")
    asked = body.get("encoding_format") or "base64"  # what OpenAI's SDK asks by default
    if asked not in FORMATS:
        message = f"`encoding_format` {asked!r} is not one of {', '.join(FORMATS)}"
        raise ProxyError(400, message, "unsupported_encoding_format")
    return EmbeddingsRequest({**body, "encoding_format": "float"}, base64=asked == "base64")


def float32_base64(vector: list[float]) -> str:
    """Return a vector as OpenAI's `base64` encoding has it: little-endian float32 values."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def whole_answer(model_id: str, as_base64: bool, body: bytes) -> bytes:
    """Return the client's answer to OpenRouter's whole 200 answer `body`.

    The vectors are in base64 when `as_base64`, else `body` goes as it came. Raises a 502
    (ProxyError) naming `model_id` when it holds no embeddings (`empty_embeddings`), is nested too
    deep to write again (likewise), or has a vector of non-numbers (`upstream_bad_answer`).
    """
    try:
        answer = orjson.loads(body)
        data = answer["data"]
    except (orjson.JSONDecodeError, TypeError, LookupError):
        raise not_embeddings(model_id) from None
    if not isinstance(data, list) or not data:
        raise ProxyError(
            502,
            f"OpenRouter answered {model_id} with no embeddings (an empty `data`); "
            "try again, or another model from GET /v1/models?output_modalities=embeddings",
            "empty_embeddings",
            "upstream_error",
        )
    if not as_base64:
        return body
    answer["data"] = [base64_item(model_id, item) for item in data]
    try:
        return orjson.dumps(answer)
    except TypeError:  # orjson parses 1,024 levels of nesting but writes only 254
        raise not_embeddings(model_id, "is nested deeper than the proxy can write") from None


def base64_item(model_id: str, item: object) -> object:
    """Return one item of `data` with its `embedding` in base64 (any other item as it is).

    Raises UpstreamBadAnswer (502) for a vector of non-numbers.
    """
    vector = item.get("embedding") if isinstance(item, dict) else None
    if not isinstance(vector, list):
        return item
    assert isinstance(item, dict)
    try:
        return {**item, "embedding": float32_base64(vector)}
    except (struct.error, OverflowError):  # OverflowError: a number beyond float32's range
        message = f"OpenRouter's answer for {model_id} has a vector of non-numbers"
        raise UpstreamBadAnswer(message) from None


def not_embeddings(model_id: str, why: str = "is not embeddings") -> ProxyError:
    """Return the 502 for an answer of another shape than embeddings."""
    message = f"OpenRouter's answer for {model_id} {why}"
    return ProxyError(502, message, "empty_embeddings", "upstream_error")
