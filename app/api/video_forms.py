"""The body of `POST /v1/videos`: OpenAI's multipart form, as the SDK always sends it, or JSON.

Parsed as it arrives, within the request body limit; the one file it may hold, the
`input_reference` image, within `MAX_REFERENCE_BYTES` (it is sent on as a data URL, a third
larger, held in memory while the request goes upstream).
"""

import base64
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from app.api import multipart
from app.api.bodies import parse_json_object, read_body
from app.errors import ClientError

MAX_REFERENCE_BYTES = 20 * 1024 * 1024
REFERENCE = "input_reference"
SIGNATURES = ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif"))


async def read_create(request: Request, limit: int) -> tuple[dict[str, Any], str | None]:
    """The create request's fields (as the JSON body would carry them) and its uploaded
    `input_reference` as a data URL; ClientError (400, 413) for a body that is neither a form
    nor a JSON object, or too large."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _read_form(request, limit)
    if content_type.startswith("application/json"):
        return parse_json_object(await read_body(request, limit)), None
    message = "POST /v1/videos takes multipart/form-data (as the OpenAI SDK sends it) or JSON"
    raise ClientError(message, "invalid_form")


async def _read_form(request: Request, limit: int) -> tuple[dict[str, Any], str | None]:
    form = await multipart.read_form(request, limit, multipart.FormKind(max_files=1))
    try:
        items = form.multi_items()
        pairs = [(name, value) for name, value in items if isinstance(value, str)]
        files = [(name, value) for name, value in items if isinstance(value, UploadFile)]
        upload = await _reference(files)
    finally:
        await form.close()
    return form_fields(pairs), upload


async def _reference(files: list[tuple[str, UploadFile]]) -> str | None:
    """The uploaded `input_reference` as a data URL, or None without one."""
    if not files:
        return None
    [(name, file)] = files  # the parser takes one file at most
    if name != REFERENCE:
        raise ClientError(f"Unexpected file field `{name}`: only `{REFERENCE}`", "invalid_form")
    if file.size is not None and file.size > MAX_REFERENCE_BYTES:
        message = f"`{REFERENCE}` is larger than the proxy sends on ({MAX_REFERENCE_BYTES:,} bytes)"
        raise ClientError(message, "reference_too_large", 413)
    content = await file.read()
    media_type = file.content_type or ""
    if not media_type.startswith("image/"):
        media_type = _sniffed(content) or media_type
    if not media_type.startswith("image/"):
        message = f"`{REFERENCE}` must be a PNG, JPEG, GIF or WebP image, not {media_type!r}"
        raise ClientError(message, f"unsupported_{REFERENCE}")
    return f"data:{media_type};base64,{base64.b64encode(content).decode()}"


def _sniffed(content: bytes) -> str | None:
    """The image type of `content` by its first bytes: the SDK sends bytes without a file name
    as application/octet-stream."""
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for start, kind in SIGNATURES if content.startswith(start)), None)


def form_fields(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """A multipart form's text fields as the JSON body would carry them: `a[b]` (how the SDK
    sends nested values) as `{"a": {"b": ...}}`. ClientError for a field sent twice or nested
    deeper."""
    fields: dict[str, Any] = {}
    for name, value in pairs:
        outer, _, inner = name.partition("[")
        if not inner:
            _put(fields, name, value)
            continue
        key = inner.removesuffix("]")
        if not key or "[" in key or "]" in key or not inner.endswith("]"):
            raise ClientError(f"Unexpected form field `{name}`", "invalid_form")
        _put(fields.setdefault(outer, {}), key, value, name)
    return fields


def _put(target: Any, key: str, value: str, name: str | None = None) -> None:
    if not isinstance(target, dict) or key in target:
        raise ClientError(f"The form sends `{name or key}` twice", "invalid_form")
    target[key] = value
