"""What the request bodies' depth check (`app.api.bodies.parse_json_object`, issue 22 finding 8)
costs beside the parse it follows, on the bodies of ordinary requests: `python -m bench.json_depth`
prints a Markdown table. Each figure is the least of interleaved runs (the machine is shared)."""

import base64
import functools
import os
import timeit
from collections.abc import Callable
from typing import Any

import orjson

from app.api import bodies
from app.settings import DEFAULT_MAX_JSON_ITEMS

RUNS = 15


def _chat(messages: int, **extra: Any) -> bytes:
    turns = [
        {"role": "user", "content": [{"type": "text", "text": f"hello there, message {n}"}]}
        for n in range(messages)
    ]
    return orjson.dumps({"model": "openai/gpt-5", "messages": turns, **extra})


def _image(mib: int) -> list[dict[str, Any]]:
    data = base64.b64encode(os.urandom(mib * 3 * 2**20 // 4)).decode()
    return [{"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}]


def cases() -> dict[str, bytes]:
    return {
        "chat, 1 message": _chat(1),
        "chat, 100 messages": _chat(100),
        "chat, 1,000 messages": _chat(1000),
        "chat, 5,000 messages": _chat(5000),
        "chat, 1 message and a 20 MiB image": _chat(1, image=_image(20)),
        "chat, 300 messages and a 10 MiB image": _chat(300, image=_image(10)),
        "embeddings, 500,000 numbers": orjson.dumps({"model": "m", "input": [[0.1] * 1000] * 500}),
    }


def _least_µs(call: Callable[[], object], number: int) -> float:
    return timeit.timeit(call, number=number) / number * 1e6


def row(name: str, body: bytes) -> str:
    """The table's row for `body`: the depth check as `parse_json_object` makes it (with the
    containers counted when the JSON values are)."""
    payload = orjson.loads(body)
    counted = 2 * len(body) + 1 > DEFAULT_MAX_JSON_ITEMS
    containers = body.count(b"{") + body.count(b"[") if counted else None
    parse = functools.partial(bodies.parse_json_object, body)
    check = functools.partial(bodies.too_deep, payload, body, containers)
    number = max(3, min(20_000, 20_000_000 // len(body)))
    parsed = checked = float("inf")
    for _ in range(RUNS):
        parsed = min(parsed, _least_µs(parse, number))
        checked = min(checked, _least_µs(check, number))
    share = 100 * checked / parsed
    return f"| {name} | {len(body):,} | {parsed:,.1f} | {checked:,.2f} | {share:.0f}% |"


def main() -> None:
    print("| body | bytes | parse_json_object µs | its depth check µs | share |")
    print("|---|---:|---:|---:|---:|")
    for name, body in cases().items():
        print(row(name, body))


if __name__ == "__main__":
    main()
