"""The Images API's answer for a chat request, as a chat image model's would be: one
`chat.completion`, or the chunks of a streamed one, with `message.images[]` holding `data:` URLs
(pure, but that the Images API's answer, parsed, is taken apart as its images move into the chat
answer: an image of megabytes is held once; the request side is `app.translate.chat_images`).

Valid against both published schemas a chat answer claims: OpenRouter's `ChatResult` requires
`system_fingerprint` (a string or null: its SDKs reject an answer without it), OpenAI's
`CreateChatCompletionResponse` wants it a string when present, and each choice's `logprobs` and
message's `refusal` (null); the chunks are `ChatStreamChunk` and
`CreateChatCompletionStreamResponse`.
"""

import os
import time
from collections.abc import Iterator
from typing import Any

import orjson

from app.translate import sse
from app.translate.image_answers import image_data_url
from app.translate.usage import amount, mapping, whole_count

# No model's backend to fingerprint: a string names where the answer came from (null would do
# for OpenRouter's schema, not for OpenAI's).
SYSTEM_FINGERPRINT = "openrouter-images-api"


def chat_completion_from_images(answer: Any, model: str) -> bytes:
    """An Images API answer (parsed) as the `chat.completion` a chat image model answers: one
    choice whose `message.images[]` holds each image as a `data:` URL; ValueError for an answer
    without images. The images are taken out of `answer` (its items keep no `b64_json`): each
    is then held once, as its URL, not as base64 besides."""
    return orjson.dumps(_completion(answer, model))


def chat_chunks_from_images(answer: Any, model: str) -> bytes:
    """The same answer as the SSE events of a streamed chat completion: the role, the images,
    the end (`finish_reason`, `usage`), then `[DONE]`; ValueError, and `answer` taken apart, as
    above."""
    return sse.stream_of(_chunks(_completion(answer, model)))


def _chunks(completion: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The chunks of `completion`, made one at a time: its images are taken out of it for
    theirs, so that once that chunk is written nothing holds them."""
    head = {name: completion[name] for name in ("id", "created", "model", "system_fingerprint")}
    head["object"] = "chat.completion.chunk"
    images = completion["choices"][0]["message"].pop("images")
    yield {**head, "choices": [_choice("delta", {"role": "assistant", "content": ""}, None)]}
    yield {**head, "choices": [_choice("delta", {"images": images}, None)]}
    del images  # else this frame holds them through the last chunk
    yield {**head, "choices": [_choice("delta", {}, "stop")], "usage": completion["usage"]}


def _completion(answer: Any, model: str) -> dict[str, Any]:
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, list) or not data or not all(map(_is_image, data)):
        raise ValueError(f"the Images API answered {model} without images")
    urls = [{"type": "image_url", "image_url": {"url": _url_taken(item)}} for item in data]
    message = {"role": "assistant", "content": "", "refusal": None, "images": urls}
    created = answer.get("created")
    return {
        "id": f"gen-{os.urandom(12).hex()}",
        "object": "chat.completion",
        "created": created if isinstance(created, int) else int(time.time()),
        "model": model,
        "system_fingerprint": SYSTEM_FINGERPRINT,
        "choices": [{**_choice("message", message, "stop"), "logprobs": None}],
        "usage": _usage(answer.get("usage")),
    }


def _choice(kind: str, content: dict[str, Any], end: str | None) -> dict[str, Any]:
    return {"index": 0, kind: content, "finish_reason": end, "native_finish_reason": end}


def _url_taken(item: dict[str, Any]) -> str:
    """The image of `item` as a `data:` URL, its base64 taken out of `item`."""
    url = image_data_url(item)
    del item["b64_json"]
    return url


def _is_image(item: Any) -> bool:
    image = item.get("b64_json") if isinstance(item, dict) else None
    return isinstance(image, str) and bool(image)


def _usage(usage: Any) -> dict[str, Any]:
    """The Images API's `usage` in chat's names: each count a whole number (0 when missing, the
    total their sum), its `cost` kept when it is a number."""
    usage = mapping(usage)
    names = ("prompt_tokens", "completion_tokens")
    tokens: dict[str, Any] = {name: whole_count(usage, name) or 0 for name in names}
    total = whole_count(usage, "total_tokens")
    tokens["total_tokens"] = sum(tokens.values()) if total is None else total
    if (cost := amount(usage, "cost")) is not None:
        tokens["cost"] = cost
    return tokens
