"""Request bodies: read within the size limit, and parsed as the JSON object that every JSON
route takes."""

from collections.abc import AsyncGenerator
from typing import Any

import orjson
from starlette.requests import Request

from app.errors import ClientError


async def read_body(request: Request, limit: int) -> bytes:
    """The request body; ClientError (413) as soon as it is known to exceed `limit` bytes, from
    its Content-Length or while it arrives, so an oversized body is never read whole."""
    return b"".join([chunk async for chunk in limited_stream(request, limit)])


async def limited_stream(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    """The request body as it arrives; ClientError (413) as soon as it is known to exceed
    `limit` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        yield chunk


def _too_large(limit: int) -> ClientError:
    message = f"The request body is larger than the proxy accepts ({limit:,} bytes)"
    return ClientError(message, "request_too_large", 413)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; ClientError (400) for anything else (bad JSON, not UTF-8, empty,
    an array or a scalar)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        message = f"The request body is not valid JSON: {error}"
        raise ClientError(message, "invalid_json") from None
    if not isinstance(payload, dict):
        raise ClientError("The request body must be a JSON object", "invalid_json")
    return payload
