"""What the fake's chat and Responses API share, from docs/openrouter.md: OpenRouter's error
envelope, the checks before a model is reached, and routing by output modality, under either rule
reported: endpoints whose outputs equal the requested ones exactly (what the seed saw, the
default), or whose outputs include every requested one (reports of 2026-06 and 2026-09)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.dev.emulator.real import user_not_found

UNKNOWN_KEYS = frozenset({"sk-or-v1-unknown", "sk-or-revoked"})  # answered "User not found."

# As captured from OpenRouter when `modalities` does not match the model's outputs.
MODALITY_404_METADATA = {
    "routing_funnel": [{"step": "Initial Endpoints", "endpoint_count": 1}],
    "failed_routing_step": "Filter by Model Output Modalities",
}


def error(
    status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
) -> Response:
    """OpenRouter's error envelope; before generation starts the HTTP status equals ``code``."""
    return JSONResponse({"error": {"message": message, "code": status, **extra}}, status, headers)


def outputs(model: dict[str, Any]) -> set[str]:
    """A model's output modalities as a set: their order varies between models."""
    return set(model["architecture"]["output_modalities"])


Lookup = Callable[[str], dict[str, Any] | None]  # resolves a model id as chat does


def authorized(request: Request) -> Response | None:
    """OpenRouter's 401 for a request without a bearer key, else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(401, "No auth credentials found")
    if token.strip() in UNKNOWN_KEYS:
        return user_not_found()
    return None


async def checked_body(request: Request) -> dict[str, Any] | Response:
    """The request's JSON object, with a string ``model``; else OpenRouter's 401 (no bearer key)
    or 400."""
    refusal = authorized(request)
    if refusal is not None:
        return refusal
    try:
        body = json.loads(await request.body())
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("model") or _first(body), str):
        return error(400, "Request body must be a JSON object with a string 'model'")
    return body


async def checked_model(
    request: Request, lookup: Lookup
) -> tuple[dict[str, Any], dict[str, Any]] | Response:
    """The request's JSON object (see `checked_body`) and its model, resolved by `lookup`; else
    OpenRouter's refusal (401, 400, or the 400 for a model it does not know)."""
    body = await checked_body(request)
    if isinstance(body, Response):
        return body
    model = lookup(body["model"])
    return unknown_model(body["model"]) if model is None else (body, model)


def _first(body: dict[str, Any]) -> object:
    """The first of a `models` fallback list, which may stand in for `model`."""
    listed = body.get("models")
    return listed[0] if isinstance(listed, list) and listed else None


def unknown_model(model_id: str) -> Response:
    """OpenRouter's answer (since 2026-08-19) to a model id it does not know."""
    availability = {"code": "model_not_found", "retryable": False}
    return error(400, f"{model_id} is not a valid model ID", availability=availability)


def routed(
    model_id: str, requested: Any, served: set[str], subsets: bool = False
) -> set[str] | Response:
    """What the answer holds when the API can return `served` of the model's outputs and the
    request's ``modalities`` is `requested` (None when absent); else OpenRouter's refusal. The
    requested set must equal `served`, or with `subsets` be part of it (then the answer holds
    only what was asked)."""
    if not served:  # embeddings, video, speech...: no endpoint at all
        return error(404, f"No endpoints found for {model_id}.")
    if requested is None:
        return _unfiltered(served)
    if not isinstance(requested, list) or not all(isinstance(m, str) for m in requested):
        return error(400, "'modalities' must be a list of strings")
    asked = set(requested)
    if asked == served or (subsets and asked < served):
        return asked or _unfiltered(served)
    message = "No endpoints found that support the requested output modalities: "
    return error(404, message + ", ".join(requested), metadata=MODALITY_404_METADATA)


def _unfiltered(served: set[str]) -> set[str]:
    """No modality filter applies: text, or an image from an image-only model."""
    return {"image"} if served == {"image"} else {"text"}
