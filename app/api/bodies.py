"""Request bodies: read within the size limit, and parsed as the JSON object that every JSON
route takes, of a bounded number of values nested no deeper than the proxy can write again."""

from collections.abc import AsyncGenerator, Awaitable, Callable
from itertools import compress
from typing import Any, Final

import orjson
from starlette.requests import Request

from app.api.services import reservations, services_of
from app.errors import ClientError
from app.ops import memory_costs
from app.settings import DEFAULT_MAX_JSON_ITEMS

Cover = Callable[[int], Awaitable[None]]  # reserves what so many bytes of body cost, in all


async def read_body(request: Request, limit: int) -> bytes:
    """The request body; ClientError (413) as soon as it is known to exceed `limit` bytes, from
    its Content-Length or while it arrives, so an oversized body is never read whole.

    Before its bytes are read, the memory they may cost is reserved for the rest of the request
    (`app.ops.memory_costs.json_cost_before_reading`: read, parsed and sent, its values not yet
    counted), and once it is read, what its values do not need is given back: Busy (503, with
    Retry-After) when the memory budget has no room for it in time."""
    held = reservations(request)
    max_values = services_of(request).settings.proxy_max_json_items
    covered = taken = 0  # the cost covered, and the bytes taken for it (less beyond the pool)

    async def cover(size: int) -> None:
        nonlocal covered, taken
        cost = memory_costs.json_cost_before_reading(size, max_values)
        taken += await held.memory(cost - covered)
        covered = cost

    body = b"".join([chunk async for chunk in limited_stream(request, limit, cover)])
    cost = memory_costs.json_cost(len(body), min(json_items(body), max_values))
    held.give_back_memory(taken - cost)
    return body


async def limited_stream(request: Request, limit: int, cover: Cover) -> AsyncGenerator[bytes, None]:
    """The request body as it arrives; ClientError (413) as soon as it is known to exceed
    `limit` bytes. `cover(n)` is awaited before the bytes up to the n-th are read: once for all
    of them when the Content-Length declares them, else a step further
    (`memory_costs.covered_ahead`) whenever the bytes covered are passed."""
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
            covered = memory_costs.covered_ahead(size, covered, limit)
            await cover(covered)
        yield chunk


# Every byte but `{`, `[` and `,`: deleted from a body, they leave those three to be counted.
NOT_STRUCTURAL = bytes(sorted(set(range(256)) - set(b"{[,")))
# orjson parses JSON nested up to 1,024 levels but writes only up to 254 (its recursion limit;
# tests/api/test_bodies.py finds it): a body nested deeper could be parsed but never sent on.
MAX_JSON_DEPTH: Final = 254
# A body's depth is checked by writing it again (in C: a tenth of a walk in Python for 1,000
# chat messages), unless its values were counted and it has more bytes than this a container
# (long strings: base64 images): then by walking its containers, which copies nothing.
WALKED_BYTES_PER_CONTAINER: Final = 1024
CONTAINERS: Final = frozenset({dict, list})


def json_items(body: bytes) -> int:
    """An upper bound of the values in the JSON `body`, found at the speed of a byte scan: each
    value opens a container (`{`, `[`), follows a `,`, or is the first in a container. Parsed, a
    value costs up to 30 times its bytes (`{}` is a 64-byte dict; bench/body_memory.py), so a
    limit on values bounds a body's memory better than its size alone.

    One C-level pass keeps those three bytes (2 ms for 5 MiB, against 5 ms for three
    `bytes.count`s, each a pass of its own); the few kept are counted after."""
    return _counted(body)[1]


def _counted(body: bytes) -> tuple[int, int]:
    """The `{` and `[` in `body` (an upper bound of its depth), and `json_items`."""
    structural = body.translate(None, NOT_STRUCTURAL)
    containers = structural.count(b"{") + structural.count(b"[")
    return containers, 2 * containers + (len(structural) - containers) + 1


def _too_large(limit: int) -> ClientError:
    message = f"The request body is larger than the proxy accepts ({limit:,} bytes)"
    return ClientError(message, "request_too_large", 413)


def parse_json_object(body: bytes, max_items: int = DEFAULT_MAX_JSON_ITEMS) -> dict[str, Any]:
    """The body as a JSON object; ClientError (400) for anything else (bad JSON, not UTF-8, empty,
    an array or a scalar) or for one nested deeper than `MAX_JSON_DEPTH`, and (413) for a body
    of more than `max_items` values, counted before parsing (see `json_items`)."""
    containers = _containers_within(body, max_items)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        message = f"The request body is not valid JSON: {error}"
        raise ClientError(message, "invalid_json") from None
    if not isinstance(payload, dict):
        raise ClientError("The request body must be a JSON object", "invalid_json")
    if too_deep(payload, body, containers):
        message = (
            f"The request body is JSON nested deeper than the proxy can send on "
            f"({MAX_JSON_DEPTH} levels)"
        )
        raise ClientError(message, "json_too_deep")
    return payload


def _containers_within(body: bytes, max_items: int) -> int | None:
    """The containers of `body` when its values were counted (None when it is too short to hold
    more than `max_items`: most bodies); ClientError (413) when they are more than that."""
    if 2 * len(body) + 1 <= max_items:
        return None
    containers, items = _counted(body)
    if items > max_items:
        message = f"The request body holds more JSON values than the proxy takes ({max_items:,})"
        raise ClientError(message, "too_many_json_values", 413)
    return containers


def too_deep(payload: dict[str, Any], body: bytes, containers: int | None = None) -> bool:
    """Whether `payload`, parsed of `body` (of `containers` when they were counted), is nested
    deeper than `MAX_JSON_DEPTH`."""
    # Deeper than the limit takes more containers, and more than two bytes a level.
    few = containers is not None and containers <= MAX_JSON_DEPTH
    if few or len(body) <= 2 * MAX_JSON_DEPTH:
        return False
    if containers is not None and len(body) > containers * WALKED_BYTES_PER_CONTAINER:
        return _nested_deeper(payload, MAX_JSON_DEPTH)
    try:
        orjson.dumps(payload)  # fails only past its recursion limit, once parsed by orjson
    except orjson.JSONEncodeError:
        return True
    return False


def _nested_deeper(value: dict[str, Any], limit: int) -> bool:
    """Whether `value` holds containers more than `limit` levels deep (itself the first): its
    containers walked level by level, each level's picked out in C (`compress`)."""
    level: list[Any] = [value]
    for _ in range(limit):
        inner: list[Any] = []
        for container in level:
            values = container.values() if type(container) is dict else container
            inner.extend(compress(values, map(CONTAINERS.__contains__, map(type, values))))
        if not inner:
            return False
        level = inner
    return True
