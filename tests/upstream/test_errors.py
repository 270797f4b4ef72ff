"""Reading OpenRouter's error answers (app/upstream/errors.py)."""

import gzip
import zlib
from typing import Any

import orjson
import pytest

from app.dev.emulator.routing import MODALITY_404_METADATA
from app.upstream import errors as upstream_errors

MODALITY = {
    "message": "No endpoints found that support the requested output modalities: image, text",
    "code": 404,
    "metadata": MODALITY_404_METADATA,
}
WRONG_ENDPOINT_404 = {
    "message": "qwen/qwen-image-3 is an image generation model and cannot be used with the "
    "chat/completions endpoint. Use the /api/v1/images endpoint instead.",
    "code": 404,
}
WRONG_ENDPOINT_400 = {
    "message": "Use the Images API for this model",
    "code": 400,
    "availability": {"code": "wrong_endpoint", "retryable": False},
}
TOOLS_404 = {"message": "No endpoints found that support tool use", "code": 404}


@pytest.mark.parametrize(
    ("status", "error", "modalities", "images"),
    [
        (404, MODALITY, True, False),
        (404, {"message": MODALITY["message"], "code": 404}, True, False),  # without metadata
        (404, {"metadata": MODALITY_404_METADATA}, True, False),  # without the message
        (400, MODALITY, False, False),  # that refusal is a 404
        (404, WRONG_ENDPOINT_404, False, True),
        (400, WRONG_ENDPOINT_400, False, True),
        (404, TOOLS_404, False, False),
        (404, {}, False, False),
        (404, {"message": 5, "metadata": "x", "availability": "y"}, False, False),
    ],
)
def test_what_an_error_says(
    status: int, error: dict[str, Any], modalities: bool, images: bool
) -> None:
    assert upstream_errors.refuses_modalities(status, error) is modalities
    assert upstream_errors.wants_images_endpoint(status, error) is images


@pytest.mark.parametrize(
    ("status", "error"), [(404, MODALITY), (404, WRONG_ENDPOINT_404), (400, WRONG_ENDPOINT_400)]
)
def test_the_body_of_every_refusal_acted_on_is_read(status: int, error: dict[str, Any]) -> None:
    # The route reads only bodies of these statuses: a refusal outside them would go unnoticed.
    assert status in upstream_errors.TELLING_STATUSES


BODY = orjson.dumps({"error": MODALITY})


@pytest.mark.parametrize(
    ("body", "encoding", "error"),
    [
        (BODY, None, MODALITY),
        (gzip.compress(BODY), "gzip", MODALITY),
        (zlib.compress(BODY), "deflate", MODALITY),
        (b"not gzip", "gzip", {}),
        (b"<html>", None, {}),
        (b"[1]", None, {}),
        (b'{"error": "text"}', None, {}),
    ],
)
def test_the_error_of_a_body(body: bytes, encoding: str | None, error: dict[str, Any]) -> None:
    assert upstream_errors.error_of(body, encoding, 1024) == error
