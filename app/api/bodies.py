"""Request bodies: read within the size limit, and parsed as the JSON object that every JSON
route takes."""

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request

from app.api.services import reservations
from app.errors import ClientError
from app.ops import budget
from app.settings import DEFAULT_MAX_JSON_ITEMS

RESERVE_STEP = 1024 * 1024  # a body of unknown length is reserved a mebibyte ahead
Reserve = Callable[[int], Awaitable[None]]  # takes the budget's share of so many body bytes


async def read_body(request: Request, limit: int, memory: float = budget.JSON_BODY) -> bytes:
    """The request body; ClientError (413) as soon as it is known to exceed `limit` bytes, from
    its Content-Length or while it arrives, so an oversized body is never read whole. Before
    its bytes are read, `memory` bytes of memory per byte (what holding it costs, read, parsed
    and sent: `app.ops.budget`) are reserved for the rest of the request: Busy (503, with
    Retry-After) when the memory budget has no room for them in time."""
    held = reservations(request)
    chunks = limited_stream(request, limit, lambda size: held.memory(size * memory))
    return b"".join([chunk async for chunk in chunks])


async def limited_stream(
    request: Request, limit: int, reserve: Reserve
) -> AsyncGenerator[bytes, None]:
    """The request body as it arrives; ClientError (413) as soon as it is known to exceed
    `limit` bytes. `reserve` is awaited before bytes are read: for all of them when the
    Content-Length declares them, else for `RESERVE_STEP` more whenever those reserved are
    passed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    reserved = int(declared) if declared.isdigit() else 0
    await reserve(reserved)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        if size > reserved:
            step = min(max(size - reserved, RESERVE_STEP), limit - reserved)
            await reserve(step)
            reserved += step
        yield chunk


# Every byte but `{`, `[` and `,`: deleted from a body, they leave those three to be counted.
NOT_STRUCTURAL = bytes(sorted(set(range(256)) - set(b"{[,")))


def json_items(body: bytes) -> int:
    """An upper bound of the values in the JSON `body`, found at the speed of a byte scan: each
    value opens a container (`{`, `[`), follows a `,`, or is the first in a container. Parsed, a
    value costs up to 30 times its bytes (`{}` is a 64-byte dict; bench/body_memory.py), so a
    limit on values bounds a body's memory better than its size alone.

    One C-level pass keeps those three bytes (2 ms for 5 MiB, against 5 ms for three
    `bytes.count`s, each a pass of its own); the few kept are counted after."""
    structural = body.translate(None, NOT_STRUCTURAL)
    containers = structural.count(b"{") + structural.count(b"[")
    return 2 * containers + (len(structural) - containers) + 1


def _too_large(limit: int) -> ClientError:
    message = f"The request body is larger than the proxy accepts ({limit:,} bytes)"
    return ClientError(message, "request_too_large", 413)


def parse_json_object(body: bytes, max_items: int = DEFAULT_MAX_JSON_ITEMS) -> dict[str, Any]:
    """The body as a JSON object; ClientError (400) for anything else (bad JSON, not UTF-8, empty,
    an array or a scalar), and (413) for a body of more than `max_items` values, counted before
    parsing (see `json_items`)."""
    # No body under half as many bytes can hold more values: most are not counted at all.
    if 2 * len(body) + 1 > max_items and json_items(body) > max_items:
        message = f"The request body holds more JSON values than the proxy takes ({max_items:,})"
        raise ClientError(message, "too_many_json_values", 413)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        message = f"The request body is not valid JSON: {error}"
        raise ClientError(message, "invalid_json") from None
    if not isinstance(payload, dict):
        raise ClientError("The request body must be a JSON object", "invalid_json")
    return payload
