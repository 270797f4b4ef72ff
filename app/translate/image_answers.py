"""The Images API's answers in OpenAI's terms: URLs for `response_format: "url"`, the events of
a stream, edit events named as OpenAI names them, and a chat completion's images as an Images API
answer (pure)."""

from collections.abc import Mapping
from typing import Any

import orjson

from app.translate import sse
from app.translate.images import PNG


def with_urls(body: bytes) -> bytes:
    """An Images API answer with each `b64_json` turned into a `data:` URL in `url`, for
    `response_format: "url"` (the proxy keeps no files to link to)."""
    answer = orjson.loads(body)
    for item in answer.get("data", []):
        if "b64_json" in item:
            item["url"] = image_data_url(item)
            del item["b64_json"]
    return orjson.dumps(answer)


def image_data_url(item: Mapping[str, Any]) -> str:
    """One image of an Images API answer (`b64_json`, `media_type`) as a `data:` URL."""
    return f"data:{item.get('media_type') or PNG};base64,{item['b64_json']}"


def completed_events(body: bytes, kind: str) -> bytes:
    """A buffered Images API answer as the events of a stream that has only its end: one
    `{kind}.completed` event per image (`kind` is "image_generation" or "image_edit")."""
    answer = orjson.loads(body)
    events = [
        sse.event(
            {
                "type": f"{kind}.completed",
                "b64_json": item.get("b64_json"),
                "created_at": answer.get("created"),
                "output_format": item.get("media_type", PNG).removeprefix("image/"),
                "usage": answer.get("usage"),
            }
        )
        for item in answer.get("data", [])
    ]
    return b"".join(events) + sse.DONE


def as_edit_event(event: bytes) -> bytes:
    """An Images API stream event named as OpenAI names it for an edit (`image_edit.*`, which
    the SDK expects of `images.edit`); base64 holds no dot, so only the names match."""
    return event.replace(b"image_generation.", b"image_edit.") + b"\n\n"


def images_from_chat(body: bytes) -> bytes:
    """A chat completion's images as an Images API answer (`data[].b64_json`, `usage` in OpenAI's
    token names); ValueError when it holds no image."""
    completion = orjson.loads(body)
    message = (completion.get("choices") or [{}])[0].get("message") or {}
    data = [_from_data_url(image["image_url"]["url"]) for image in message.get("images") or []]
    if not data:
        raise ValueError(f"{completion.get('model')} answered without an image")
    usage = completion.get("usage") or {}
    tokens = {
        "input_tokens": usage.get("prompt_tokens", 0),
        "output_tokens": usage.get("completion_tokens", 0),
        "total_tokens": usage.get("total_tokens", 0),
    }
    return orjson.dumps({"created": completion.get("created"), "data": data, "usage": tokens})


def _from_data_url(url: str) -> dict[str, str]:
    head, _, data = url.partition(",")
    if not head.startswith("data:") or not head.endswith(";base64"):
        raise ValueError("an image that is not a base64 data URL")
    return {"b64_json": data, "media_type": head[5:].removesuffix(";base64")}
