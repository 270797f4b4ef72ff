"""OpenAI's embeddings request (`client.embeddings.create`) in OpenRouter's terms, and its answer
in OpenAI's (pure).

openai-python asks `encoding_format: "base64"` unless told otherwise, and some OpenRouter models
answer that with an empty `data`, which the SDK turns into "No embedding data received". The proxy
asks `float` instead and encodes the vectors as OpenAI does (base64 of little-endian float32);
and an answer with no embeddings becomes a 502 naming the model, never a success.
"""

import base64
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from app.errors import ProxyError, error_body
from app.translate.whole import Whole

FORMATS: Final = ("float", "base64")


@dataclass(frozen=True, slots=True)
class EmbeddingsRequest:
    """A checked embeddings request: the body for OpenRouter, and whether the client gets the
    vectors in base64."""

    payload: dict[str, Any]
    base64: bool


def embeddings_request(body: Mapping[str, Any]) -> EmbeddingsRequest:
    """OpenRouter's body for OpenAI's: `base64` or no `encoding_format` asked as `float`;
    ProxyError (400) for another format or no `input`."""
    if body.get("input") in (None, "", []):
        message = "`input` is required: the text (or texts) to embed"
        raise ProxyError(400, message, "unsupported_input")
    asked = body.get("encoding_format") or "base64"  # what OpenAI's SDK asks by default
    if asked not in FORMATS:
        message = f"`encoding_format` {asked!r} is not one of {', '.join(FORMATS)}"
        raise ProxyError(400, message, "unsupported_encoding_format")
    return EmbeddingsRequest({**body, "encoding_format": "float"}, base64=asked == "base64")


def float32_base64(vector: list[float]) -> str:
    """A vector as OpenAI's `base64` encoding has it: little-endian float32 values."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


class EmbeddingsAnswer(Whole):
    """Collects OpenRouter's 200 answer (see `app.translate.whole.Collector`) and makes the
    client's: the vectors in base64 when asked so, else the answer as it came; a 502 naming
    `model_id` when it holds no embeddings."""

    def __init__(self, model_id: str, base64: bool) -> None:
        super().__init__()
        self._model_id = model_id
        self._base64 = base64

    def answer(self, body: bytes) -> tuple[int, bytes]:
        try:
            answer = orjson.loads(body)
            data = answer["data"]
        except (orjson.JSONDecodeError, TypeError, LookupError):
            return self._failed(f"OpenRouter's answer for {self._model_id} is not embeddings")
        if not isinstance(data, list) or not data:
            return self._failed(
                f"OpenRouter answered {self._model_id} with no embeddings (an empty `data`); "
                "try again, or another model from GET /v1/models?output_modalities=embeddings"
            )
        if not self._base64:
            return 200, body
        try:
            for item in data:
                vector = item.get("embedding") if isinstance(item, dict) else None
                if isinstance(vector, list):
                    item["embedding"] = float32_base64(vector)
        except struct.error:
            return self._failed(
                f"OpenRouter's answer for {self._model_id} has a vector of non-numbers"
            )
        return 200, orjson.dumps(answer)

    @staticmethod
    def _failed(message: str) -> tuple[int, bytes]:
        return 502, error_body(message, "empty_embeddings", "upstream_error")
