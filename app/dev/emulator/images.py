"""The fake's Images API (`GET /images/models`, `POST /images`), from docs/openrouter.md.

It serves every image model of the catalog but the chat-only ones (`CHAT_ONLY`); chat refuses
the Images-API-only ones (`IMAGES_ONLY`) with OpenRouter's wrong-endpoint 404. What each model
takes is made up in OpenRouter's descriptor shape: gpt-image models take OpenAI's own fields
(pixel `size`, `quality`, `background`, `mask`...), the others `aspect_ratio` and `resolution`.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncGenerator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from app.dev.emulator.usage import UsageLedger, images_usage

IMAGES_ONLY = frozenset({"qwen/qwen-image-3", "qwen/qwen-image-3-pro"})
CHAT_ONLY = frozenset(
    {"openrouter/auto", "openrouter/auto-beta", "openai/gpt-5-image", "openai/gpt-5-image-mini"}
)
ALWAYS_TAKEN = frozenset({"model", "prompt", "n", "stream", "provider"})
RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "9:16", "16:9", "21:9"]
OPENAI_STYLE = {
    "size": {"type": "enum", "values": ["1024x1024", "1536x1024", "1024x1536"]},
    "quality": {"type": "enum", "values": ["low", "medium", "high"]},
    "background": {"type": "enum", "values": ["transparent", "opaque"]},
    "output_format": {"type": "enum", "values": ["png", "jpeg", "webp"]},
    "output_compression": {"type": "range", "min": 0, "max": 100},
    "input_references": {"type": "range", "min": 0, "max": 16},
    "mask": {"type": "boolean"},
}
RATIO_STYLE = {
    "aspect_ratio": {"type": "enum", "values": RATIOS},
    "resolution": {"type": "enum", "values": ["1K", "2K", "4K"]},
    "seed": {"type": "boolean"},
}
IMAGE_USAGE = {"prompt_tokens": 12, "completion_tokens": 1290, "total_tokens": 1302, "cost": 0.04}


def listing_row(model: dict[str, Any]) -> dict[str, Any]:
    """A catalog model as `GET /images/models` lists it."""
    openai_style = model["id"].startswith("openai/gpt-image")
    parameters = dict(OPENAI_STYLE if openai_style else RATIO_STYLE)
    if not openai_style and "image" in model["architecture"].get("input_modalities", []):
        parameters["input_references"] = {"type": "range", "min": 0, "max": 4}
    return {
        "id": model["id"],
        "name": model.get("name", model["id"]),
        "architecture": model["architecture"],
        "supported_parameters": parameters,
        "supports_streaming": openai_style or model["id"].startswith("google/"),
        "endpoints": f"/api/v1/images/models/{model['id']}/endpoints",
    }


class FakeImagesApi:
    """The Images API over the fake's catalog; `image_b64` is what every image holds; with
    `models_down`, GET /images/models answers 500."""

    def __init__(
        self, models: list[dict[str, Any]], image_b64: str, ledger: UsageLedger | None = None
    ) -> None:
        self._ledger = ledger or UsageLedger()
        self.rows = {
            model["id"]: listing_row(model)
            for model in models
            if "image" in model["architecture"]["output_modalities"]
            and model["id"] not in CHAT_ONLY
        }
        self.image_b64 = image_b64
        self.models_down = False

    async def list_models(self, request: Request) -> Response:
        if self.models_down:
            return _error(500, "Internal Server Error")
        return JSONResponse({"data": list(self.rows.values())})

    async def generate(self, request: Request) -> Response:
        """POST /images: check the fields against the model's descriptors, answer n images."""
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return _error(401, "No auth credentials found")
        body = json.loads(await request.body())
        row = self.rows.get(body.get("model", ""))
        if row is None:
            return _error(404, f"{body.get('model')} is not served by the Images API")
        for name, value in body.items():
            refusal = _refusal(row, name, value)
            if refusal:
                return _error(400, refusal)
        n = body.get("n", 1)
        made = functools.partial(images_usage, len(str(body.get("prompt", ""))), n)
        answer = {
            "created": int(time.time()),
            "data": [{"b64_json": self.image_b64, "media_type": "image/png"}] * n,
            "usage": self._ledger.give("/images", row["id"], IMAGE_USAGE, made),
        }
        if body.get("stream") is True and row["supports_streaming"]:
            return StreamingResponse(self._events(answer), media_type="text/event-stream")
        return JSONResponse(answer)

    async def _events(self, answer: dict[str, Any]) -> AsyncGenerator[bytes, None]:
        partial = {"type": "image_generation.partial_image", "partial_image_index": 0}
        yield _sse({**partial, "b64_json": self.image_b64})
        for item in answer["data"]:
            completed = {"type": "image_generation.completed", "created_at": answer["created"]}
            yield _sse({**completed, **item, "usage": answer["usage"]})
        yield b"data: [DONE]\n\n"


def _refusal(row: dict[str, Any], name: str, value: Any) -> str | None:
    if name in ALWAYS_TAKEN:
        return None
    descriptor = row["supported_parameters"].get(name)
    if descriptor is None:
        return f"{row['id']} does not support the parameter '{name}'"
    if descriptor["type"] == "enum" and value not in descriptor["values"]:
        return f"'{name}' must be one of {descriptor['values']}"
    return None


def _error(status: int, message: str) -> Response:
    return JSONResponse({"error": {"code": status, "message": message}}, status)


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()
