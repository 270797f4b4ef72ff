"""The fake's Responses API (`POST /responses`), from docs/openrouter.md.

Routed as chat is (`app.dev.emulator.routing`), among the only modalities it takes, text and image.
The answer is a Responses API object: a `message` item holding the text, an
`image_generation_call` item whose `result` is the image as raw base64 (not a data URL). With
`stream: true`, OpenAI's Responses SSE events as OpenRouter sends them: `data:` lines only (no
`event:`: the SDK reads the data's `type`), bare `: ` comments, ending in `data: [DONE]`; ids
`gen-...`, message items `msg_tmp_...`. Other shapes (usage, the events) are OpenAI's.
"""

from __future__ import annotations

import functools
import itertools
import re
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.dev.emulator.answers import sse
from app.dev.emulator.real import SSE_HEADERS, compact, generation_id, json_answer
from app.dev.emulator.routing import checked_model, outputs, routed
from app.dev.emulator.usage import UsageLedger, responses_usage

RESPONSES_MODALITIES = frozenset({"text", "image"})  # what `modalities` may name here
USAGE = {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}
KEEP_ALIVE = b": \n\n"  # the bare comment /responses streams carry

Lookup = Callable[[str], dict[str, Any] | None]


class FakeResponsesApi:
    """`POST /responses` over the fake's models (`lookup` resolves an id as chat does); every
    image holds `image_b64`; `subsets_served` says which routing rule applies (as for chat)."""

    def __init__(
        self,
        lookup: Lookup,
        image_b64: str,
        subsets_served: Callable[[], bool],
        ledger: UsageLedger | None = None,
    ) -> None:
        self._lookup = lookup
        self._ledger = ledger or UsageLedger()
        self.image_b64 = image_b64
        self._subsets_served = subsets_served

    async def create(self, request: Request) -> Response:
        """Check the request and its `modalities` as chat does, then answer whole or streamed."""
        asked = await checked_model(request, self._lookup)
        if isinstance(asked, Response):
            return asked
        body, model = asked
        served = outputs(model) & RESPONSES_MODALITIES
        want = routed(body["model"], body.get("modalities"), served, self._subsets_served())
        if isinstance(want, Response):
            return want
        items = self._items(model["id"], want)
        made = functools.partial(responses_usage, len(compact(body.get("input"))), _chars(items))
        usage = self._ledger.give("/responses", model["id"], USAGE, made)
        answer = response_object(model["id"], items, usage)
        generation = {"X-Generation-Id": answer["id"]}
        if body.get("stream") is True:
            return StreamingResponse(events(answer), headers={**SSE_HEADERS, **generation})
        return json_answer(answer, headers=generation, request=request)

    def _items(self, model_id: str, want: set[str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        if "image" in want:
            image = {"type": "image_generation_call", "id": f"ig_{uuid.uuid4().hex}"}
            items.append({**image, "status": "completed", "result": self.image_b64})
        if "text" in want:
            text = {"type": "output_text", "text": f"Hello from {model_id}", "annotations": []}
            message = {"type": "message", "id": f"msg_tmp_{uuid.uuid4().hex}", "role": "assistant"}
            items.append({**message, "status": "completed", "content": [text]})
        return items


def _chars(items: list[dict[str, Any]]) -> int:
    """The characters of the text in `items`."""
    return sum(len(part["text"]) for item in items for part in item.get("content", []))


def response_object(
    model_id: str, items: list[dict[str, Any]], usage: dict[str, Any] = USAGE
) -> dict[str, Any]:
    """A completed Responses API object holding `items`."""
    return {
        "id": generation_id(),
        "object": "response",
        "created_at": int(time.time()),
        "model": model_id,
        "status": "completed",
        "output": items,
        "usage": usage,
    }


async def events(answer: dict[str, Any]) -> AsyncGenerator[bytes, None]:
    """`answer` as Responses SSE events: created, then per item added, its text in word-sized
    deltas, done; then completed."""
    numbers = itertools.count()

    def event(kind: str, **fields: Any) -> bytes:
        return sse({"type": kind, "sequence_number": next(numbers), **fields})

    yield KEEP_ALIVE
    yield event("response.created", response={**answer, "status": "in_progress", "output": []})
    for index, item in enumerate(answer["output"]):
        at = {"output_index": index}
        yield event("response.output_item.added", **at, item=_started(item))
        for part in item.get("content", []):
            for delta in re.findall(r"\S+\s*", part["text"]):
                ids = {"item_id": item["id"], "content_index": 0}
                yield event("response.output_text.delta", **at, **ids, delta=delta)
        yield event("response.output_item.done", **at, item=item)
    yield KEEP_ALIVE
    yield event("response.completed", response=answer)
    yield sse("[DONE]")


def _started(item: dict[str, Any]) -> dict[str, Any]:
    """`item` as `response.output_item.added` announces it: in progress, nothing made yet."""
    begun = {name: value for name, value in item.items() if name not in ("result", "content")}
    return {**begun, "status": "in_progress", **({"content": []} if "content" in item else {})}
