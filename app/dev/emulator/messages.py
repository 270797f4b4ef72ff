"""The fake's Anthropic-compatible `POST /messages` (OpenRouter's route for Anthropic's SDK and
Claude Code, in its OpenAPI spec of 2026-08-22): Anthropic's Messages shape, whole or streamed
as Anthropic's named SSE events, answered for any chat model the fake knows (text only)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.dev.emulator.real import SSE_HEADERS, canonical_slug, compact, generation_id, json_answer
from app.dev.emulator.routing import Lookup, checked_model, error, outputs

USAGE = {"input_tokens": 10, "output_tokens": 5}  # message_delta repeats output_tokens
PIECES = 3  # the text streams in this many deltas


class FakeMessagesApi:
    """`POST /messages` over the fake's models; `lookup` resolves an id as chat does."""

    def __init__(self, lookup: Lookup) -> None:
        self._lookup = lookup

    async def create(self, request: Request) -> Response:
        checked = await checked_model(request, self._lookup)
        if isinstance(checked, Response):
            return checked
        body, model = checked
        if "text" not in outputs(model):
            return error(404, f"No endpoints found for {model['id']}.")
        if not isinstance(body.get("max_tokens"), int):
            return error(400, "max_tokens: Field required")
        message: dict[str, Any] = {
            "id": generation_id(),
            "type": "message",
            "role": "assistant",
            "model": canonical_slug(model),
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": USAGE,
        }
        text = f"Hello from {model['id']}"
        if body.get("stream") is True:
            return StreamingResponse(events(message, text), headers=SSE_HEADERS)
        whole = {**message, "content": [{"type": "text", "text": text}], "stop_reason": "end_turn"}
        return json_answer(whole, request=request)


def event(name: str, data: dict[str, Any]) -> bytes:
    """One named SSE event, as Anthropic's streams carry them."""
    return b"event: " + name.encode() + b"\ndata: " + compact({"type": name, **data}) + b"\n\n"


async def events(message: dict[str, Any], text: str) -> AsyncGenerator[bytes, None]:
    """Anthropic's event sequence: the message, one text block in PIECES deltas, its stop."""
    yield event("message_start", {"message": {**message, "usage": {**USAGE, "output_tokens": 0}}})
    yield event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})
    step = -(-len(text) // PIECES)
    for start in range(0, len(text), step):
        delta = {"type": "text_delta", "text": text[start : start + step]}
        yield event("content_block_delta", {"index": 0, "delta": delta})
    yield event("content_block_stop", {"index": 0})
    stop = {"stop_reason": "end_turn", "stop_sequence": None}
    yield event("message_delta", {"delta": stop, "usage": {"output_tokens": 5}})
    yield event("message_stop", {})
