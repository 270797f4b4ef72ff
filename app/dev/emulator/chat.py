"""The fake's chat route: auth, `models` lists, the special `test/*` models, OpenRouter's
modality routing and refusals, and the completion, whole or streamed."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from app.dev.emulator import real
from app.dev.emulator.answers import (
    IMAGE,
    RESETS,
    STREAMS,
    completion_chunks,
    dropped,
    paused,
)
from app.dev.emulator.audio import NEEDS_STREAM
from app.dev.emulator.images import IMAGES_ONLY
from app.dev.emulator.routing import checked_body, error, outputs, routed, unknown_model
from app.dev.emulator.usage import chat_usage

if TYPE_CHECKING:
    from app.dev.emulator import FakeOpenRouter

CHAT_MODALITIES = frozenset({"text", "image", "audio"})  # what chat `modalities` may name


class FakeChat:
    """`POST /chat/completions` of `fake`, reading the switches tests set on it."""

    def __init__(self, fake: FakeOpenRouter) -> None:
        self.fake = fake

    def _wrong_endpoint(self, model_id: str) -> Response:
        """Chat's refusal of a model served only by the Images API: the 404 seen before, or the
        400 with `availability.code` of the 2026-08 changelog (``wrong_endpoint_as_400``)."""
        if self.fake.wrong_endpoint_as_400:
            availability = {"code": "wrong_endpoint", "retryable": False}
            message = f"{model_id} is served by the Images API (POST /api/v1/images)"
            return error(400, message, availability=availability)
        message = f"{model_id} is an image generation model and cannot be used with the "
        return error(
            404, message + "chat/completions endpoint. Use the /api/v1/images endpoint instead."
        )

    async def answer(self, request: Request) -> Response:
        """POST /chat/completions: auth, then the answer of `model`, or of each model of a
        `models` list in turn (with the same body) until one answers 200; else the last
        failure."""
        body = await checked_body(request)
        if isinstance(body, Response):
            return body
        listed = body.get("models")
        if not isinstance(listed, list):
            return await self._answer(request, body, body["model"])
        answer = error(400, "'models' is empty")
        for model_id in listed:
            answer = await self._answer(request, body, model_id)
            if answer.status_code == 200:
                break
        return answer

    async def _answer(self, request: Request, body: dict[str, Any], model_id: str) -> Response:
        """One model's answer: special test models, lookup, modality routing, the completion."""
        if model_id in self.fake.down_models:
            return error(503, f"No provider of {model_id} is available right now")
        if model_id == "test/error-429":
            return real.rate_limited()
        if model_id == "test/error-402":
            return real.needs_credits()
        if model_id == "test/slow" and await self._abandoned_within(
            request, self.fake.slow_seconds
        ):
            self.fake.request_abandoned.set()
            return error(499, "Client closed the request")
        model = self.fake.lookup(model_id)
        if model is None:
            return unknown_model(model_id)
        if model["id"] in IMAGES_ONLY:
            return self._wrong_endpoint(model["id"])
        served = outputs(model) & CHAT_MODALITIES
        want = routed(model_id, body.get("modalities"), served, self.fake.subsets_served)
        if isinstance(want, Response):
            return want
        if body.get("tools") and "tools" not in model.get("supported_parameters", []):
            return error(404, "No endpoints found that support tool use")
        if "audio" in want and body.get("stream") is not True:
            return error(400, NEEDS_STREAM)
        text = f"Hello from {model['id']}" if "text" in want else ""
        base: dict[str, Any] = {
            "id": real.generation_id(),
            "provider": "FakeProvider",
            "model": real.canonical_slug(model),
            "created": int(time.time()),
        }
        generation = {"X-Generation-Id": str(base["id"])}
        if model_id in RESETS:
            return dropped(model_id, base)
        stream = STREAMS.get(model_id)
        counts = real.USAGE
        if stream is None:
            prompt = len(real.compact(body.get("messages")))
            made = functools.partial(chat_usage, prompt, len(text))
            counts = self.fake.usage.give("/chat/completions", model["id"], real.USAGE, made)
        if body.get("stream") is True:
            shape = self.fake.usage_chunk
            chunks = (
                stream(base)
                if stream
                else completion_chunks(base, text, "image" in want, "audio" in want, shape, counts)
            )
            if model_id == "test/stream-slow":
                chunks = paused(chunks, self.fake.slow_seconds)
            headers = {**real.SSE_HEADERS, **generation}
            return StreamingResponse(self._watched(chunks), headers=headers)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        message |= {"refusal": None, "reasoning": None}
        if "image" in want and not self.fake.chat_without_images:
            message["images"] = [{**IMAGE, "index": 0}]
        choice = {"logprobs": None, "finish_reason": "stop", "native_finish_reason": "STOP"}
        choices = [{**choice, "index": 0, "message": message}]
        # Null in a whole answer; a stream's chunks leave it out (OpenRouter's schema, which its
        # own SDKs validate, allows a string or nothing there, not null).
        answer = {**base, "object": "chat.completion", "system_fingerprint": None}
        answer |= {"choices": choices, "usage": counts}
        return real.json_answer(answer, headers=generation, request=request)

    @staticmethod
    async def _abandoned_within(request: Request, seconds: float) -> bool:
        """Wait `seconds`, like a slow generation; True as soon as the client goes away."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if await request.is_disconnected():
                return True
            await asyncio.sleep(0.01)
        return False

    async def _watched(self, chunks: AsyncGenerator[bytes, None]) -> AsyncGenerator[bytes, None]:
        """Relay `chunks` one body message each; set ``stream_cancelled`` unless they all went."""
        finished = False
        try:
            async with aclosing(chunks):
                async for piece in chunks:
                    yield piece
            finished = True
        finally:
            if not finished:
                self.fake.stream_cancelled.set()
