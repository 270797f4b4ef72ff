"""The fake's embeddings API (`POST /embeddings`, `GET /embeddings/models`), from the team's
API.md: OpenAI's shape plus `usage.cost`, `float` or `base64` vectors, and a model that answers
`base64` with an empty `data` as some do (which ones is not recorded: the fake picks
`EMPTY_ON_BASE64`). Vectors are made from the input's text, so a test can tell them apart.
"""

from __future__ import annotations

import base64
import struct
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.dev.emulator.routing import (
    Lookup,
    checked_model,
    error,
    outputs,
)

EMPTY_ON_BASE64: Final = frozenset({"baai/bge-m3"})
DIMENSIONS: Final = 4


def vector(text: str) -> list[float]:
    """The fake's embedding of `text`: values exact in float32, different for different texts."""
    return [float(len(text)), float(sum(map(ord, text)) % 1024), 0.5, -0.25][:DIMENSIONS]


class FakeEmbeddingsApi:
    """Embeddings over the fake's models (`lookup` resolves an id as chat does); tests may add
    ids to `empty_models`, which then answer an empty `data` whatever the format."""

    def __init__(self, models: list[dict[str, Any]], lookup: Lookup) -> None:
        self._models = models
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
        empty = model["id"] in self.empty_models or (
            encoding == "base64" and model["id"] in EMPTY_ON_BASE64
        )
        data = [] if empty else [_item(i, vector(text), encoding) for i, text in enumerate(texts)]
        usage = {"prompt_tokens": len(texts), "total_tokens": len(texts), "cost": 0.00001}
        return JSONResponse({"object": "list", "data": data, "model": model["id"], "usage": usage})


def _item(index: int, values: list[float], encoding: str) -> dict[str, Any]:
    embedding: Any = values
    if encoding == "base64":
        embedding = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
    return {"object": "embedding", "index": index, "embedding": embedding}
