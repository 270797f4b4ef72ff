"""What an error answer of OpenRouter says, for the proxy to act on (pure).

Two refusals mean the proxy's view of a model was wrong, not the client's request: the modality
404 (the model's outputs differ from the catalog's) and the wrong-endpoint refusal (the model is
served only by the Images API), in its older 404 form and its newer `availability` form.
"""

import zlib
from typing import Any

import orjson

MODALITY_STEP = "Filter by Model Output Modalities"
MODALITY_MESSAGE = "No endpoints found that support the requested output modalities"
IMAGES_ENDPOINT_HINT = "Use the /api/v1/images endpoint instead"
# Statuses of the refusals below: only their bodies are worth reading.
TELLING_STATUSES = frozenset({400, 404})


def error_of(body: bytes, content_encoding: str | None, limit: int) -> dict[str, Any]:
    """The `error` object of an answer's body (gzip or deflate undone), or {} if it has none,
    or if it is more than `limit` bytes once undone (a small gzip body can hold gigabytes)."""
    if content_encoding in ("gzip", "deflate"):
        inflate = zlib.decompressobj(wbits=47)  # 47: gzip or zlib, whichever it is
        try:
            body = inflate.decompress(body, limit)
        except zlib.error:
            return {}
        if inflate.unconsumed_tail:
            return {}
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return {}
    error = document.get("error") if isinstance(document, dict) else None
    return error if isinstance(error, dict) else {}


def refuses_modalities(status: int, error: dict[str, Any]) -> bool:
    """Whether upstream refused the request's `modalities` for its model."""
    metadata = error.get("metadata")
    step = metadata.get("failed_routing_step") if isinstance(metadata, dict) else None
    message = error.get("message")
    return status == 404 and (
        step == MODALITY_STEP or (isinstance(message, str) and message.startswith(MODALITY_MESSAGE))
    )


def wants_images_endpoint(status: int, error: dict[str, Any]) -> bool:
    """Whether upstream says the model is served by the Images API, not by chat."""
    availability = error.get("availability")
    if isinstance(availability, dict) and availability.get("code") == "wrong_endpoint":
        return True
    message = error.get("message")
    return status == 404 and isinstance(message, str) and IMAGES_ENDPOINT_HINT in message
