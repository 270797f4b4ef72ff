"""The fake's embeddings API (`POST /embeddings`, `GET /embeddings/models`), from
docs/openrouter.md: OpenAI's shape plus `usage.cost`, in compact JSON; `float` or `base64`
vectors, of `dimensions` values when the request names them (as OpenAI's `text-embedding-3`
models take it; `DIMENSIONS` else); and a model that answers `base64` with an empty `data` as
some do (which ones is not recorded: the fake picks `EMPTY_ON_BASE64`). Vectors are made from
the input's text, so a test can tell them apart.
"""

from __future__ import annotations

import base64
import functools
import struct
from typing import Any, Final

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.dev.emulator.routing import (
    Lookup,
    checked_model,
    error,
    outputs,
)
from app.dev.emulator.usage import UsageLedger, embeddings_usage

EMPTY_ON_BASE64: Final = frozenset({"baai/bge-m3"})
DIMENSIONS: Final = 4
MAX_DIMENSIONS: Final = 3072  # text-embedding-3-large's, the largest OpenAI offers
# Values past the 4th: exact in float32 and, like a real model's, about a dozen characters each
# in JSON (`-0.4130859375`), so that an answer has a real answer's size.
_FILLER: Final = [n / 1024 for n in range(-1024, 1024)]


def vector(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """The fake's embedding of `text`: values exact in float32, different for different texts."""
    head = [float(len(text)), float(sum(map(ord, text)) % 1024), 0.5, -0.25][:dimensions]
    extra = dimensions - len(head)
    start = sum(map(ord, text)) % len(_FILLER)
    cycles = (start + extra) // len(_FILLER) + 1
    return head + (_FILLER * cycles)[start : start + extra]


class FakeEmbeddingsApi:
    """Embeddings over the fake's models (`lookup` resolves an id as chat does); tests may add
    ids to `empty_models`, which then answer an empty `data` whatever the format."""

    def __init__(
        self, models: list[dict[str, Any]], lookup: Lookup, ledger: UsageLedger | None = None
    ) -> None:
        self._models = models
        self._ledger = ledger or UsageLedger()
        self._lookup = lookup
        self.empty_models: set[str] = set()

    async def list_models(self, request: Request) -> Response:
        """GET /embeddings/models: the catalog's embedding models."""
        found = [model for model in self._models if "embeddings" in outputs(model)]
        return JSONResponse({"data": found})

    async def create(self, request: Request) -> Response:
        asked = await checked_model(request, self._lookup)
        if isinstance(asked, Response):
            return asked
        body, model = asked
        if "embeddings" not in outputs(model):
            return error(400, f"{model['id']} is not an embedding model")
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
            return error(400, "'input' must be a string or a list of strings")
        encoding = body.get("encoding_format", "float")
        if encoding not in ("float", "base64"):
            return error(400, "encoding_format must be 'float' or 'base64'")
        dimensions = body.get("dimensions", DIMENSIONS)
        if not isinstance(dimensions, int) or not 1 <= dimensions <= MAX_DIMENSIONS:
            return error(400, f"'dimensions' must be an integer from 1 to {MAX_DIMENSIONS}")
        empty = model["id"] in self.empty_models or (
            encoding == "base64" and model["id"] in EMPTY_ON_BASE64
        )
        data = (
            []
            if empty
            else [_item(i, vector(text, dimensions), encoding) for i, text in enumerate(texts)]
        )
        fixed = {"prompt_tokens": len(texts), "total_tokens": len(texts), "cost": 0.00001}
        made = functools.partial(embeddings_usage, sum(map(len, texts)))
        usage = self._ledger.give("/embeddings", model["id"], fixed, made)
        answer = {"object": "list", "data": data, "model": model["id"], "usage": usage}
        # orjson, not JSONResponse's json: the same compact JSON, 10 times sooner for a big batch.
        return Response(orjson.dumps(answer), media_type="application/json")


def _item(index: int, values: list[float], encoding: str) -> dict[str, Any]:
    embedding: Any = values
    if encoding == "base64":
        embedding = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
    return {"object": "embedding", "index": index, "embedding": embedding}
