"""Request bodies: read within the size limit, and parsed as the JSON object that every JSON
route takes."""

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request

from app.api.services import reservations, services
from app.errors import ClientError
from app.ops import budget
from app.settings import DEFAULT_MAX_JSON_ITEMS

RESERVE_STEP = 1024 * 1024  # a body of unknown length is reserved a mebibyte ahead
Cover = Callable[[int], Awaitable[None]]  # reserves what so many bytes of body cost, in all


async def read_body(request: Request, limit: int) -> bytes:
    """The request body; ClientError (413) as soon as it is known to exceed `limit` bytes, from
    its Content-Length or while it arrives, so an oversized body is never read whole.

    Before its bytes are read, the memory they may cost is reserved for the rest of the request
    (`app.ops.budget.json_cost_before_reading`: read, parsed and sent, its values not yet
    counted), and once it is read, what its values do not need is given back: Busy (503, with
    Retry-After) when the memory budget has no room for it in time."""
    held = reservations(request)
    max_values = services(request).settings.proxy_max_json_items
    covered = taken = 0  # the cost covered, and the bytes taken for it (less beyond the pool)

    async def cover(size: int) -> None:
        nonlocal covered, taken
        cost = budget.json_cost_before_reading(size, max_values)
        taken += await held.memory(cost - covered)
        covered = cost

    body = b"".join([chunk async for chunk in limited_stream(request, limit, cover)])
    cost = budget.json_cost(len(body), min(json_items(body), max_values))
    held.give_back_memory(taken - cost)
    return body


async def limited_stream(request: Request, limit: int, cover: Cover) -> AsyncGenerator[bytes, None]:
    """The request body as it arrives; ClientError (413) as soon as it is known to exceed
    `limit` bytes. `cover(n)` is awaited before the bytes up to the n-th are read: once for all
    of them when the Content-Length declares them, else `RESERVE_STEP` further whenever the
    bytes covered are passed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    covered = int(declared) if declared.isdigit() else 0
    await cover(covered)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        if size > covered:
            covered = min(max(size, covered + RESERVE_STEP), limit)
            await cover(covered)
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
