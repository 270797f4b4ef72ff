"""The Images API's answers in OpenAI's terms: `usage` as OpenAI's `ImageGenUsage`, URLs for
`response_format: "url"`, the events of a stream, edit events named as OpenAI names them, and a
chat completion's images as an Images API answer (pure, but that an answer is taken apart as
its images are moved into another, where a function says so: an image of megabytes is held once).
An answer collected whole comes parsed (`app.translate.whole.Parsed`): these take its value."""

import time
from collections.abc import Mapping
from typing import Any

import orjson

from app.translate import sse
from app.translate.images import PNG
from app.translate.json_member import MemberRewriter
from app.translate.usage import amount, mapping, whole_count


def as_images_response(answer: Any) -> dict[str, Any]:
    """An Images API answer (parsed) as OpenAI's `ImagesResponse`: its `usage` in OpenAI's terms
    (see `image_gen_usage`), the rest as it came."""
    return {**answer, "usage": image_gen_usage(answer.get("usage"))}


def usage_rewriter() -> MemberRewriter:
    """`as_images_response` as the answer streams by: only its `usage` is held and rewritten,
    never its images (an answer without `usage` passes as it came)."""
    return MemberRewriter("usage", lambda usage: orjson.dumps(image_gen_usage(orjson.loads(usage))))


def with_urls(answer: dict[str, Any]) -> dict[str, Any]:
    """An `ImagesResponse` with each `b64_json` turned into a `data:` URL in `url`, for
    `response_format: "url"` (the proxy keeps no files to link to)."""
    data = [_with_url(item) if "b64_json" in item else item for item in answer.get("data", [])]
    return {**answer, "data": data}


def _with_url(item: dict[str, Any]) -> dict[str, Any]:
    kept = {name: value for name, value in item.items() if name != "b64_json"}
    return {**kept, "url": image_data_url(item)}


def image_gen_usage(usage: Any) -> dict[str, Any]:
    """OpenRouter's image `usage` (chat's token names: `prompt_tokens`, `completion_tokens`,
    `total_tokens`, `cost`) as OpenAI's `ImageGenUsage`, with `cost` kept beside. OpenRouter
    does not say how many of its prompt tokens are images': all are counted as text. A count that
    is missing or not a whole number counts 0, and so does every count of no usage."""
    usage = mapping(usage)
    prompt = whole_count(usage, "prompt_tokens") or 0
    completion = whole_count(usage, "completion_tokens") or 0
    made: dict[str, Any] = {
        "input_tokens": prompt,
        "output_tokens": completion,
        "total_tokens": whole_count(usage, "total_tokens") or prompt + completion,
        "input_tokens_details": {"text_tokens": prompt, "image_tokens": 0},
    }
    if (cost := amount(usage, "cost")) is not None:
        made["cost"] = cost
    return made


def image_data_url(item: Mapping[str, Any]) -> str:
    """One image of an Images API answer (`b64_json`, `media_type`) as a `data:` URL."""
    return f"data:{item.get('media_type') or PNG};base64,{item['b64_json']}"


def completed_events(answer: dict[str, Any], kind: str) -> bytes:
    """An `ImagesResponse` as the events of a stream that has only its end: one
    `{kind}.completed` event per image (`kind` is "image_generation" or "image_edit"), each with
    the fields OpenAI's event requires (`size`, `quality` and `background` "auto" where the answer
    does not say)."""
    settings = {name: answer.get(name) or "auto" for name in ("size", "quality", "background")}
    events = (
        {
            "type": f"{kind}.completed",
            "b64_json": item.get("b64_json"),
            "created_at": answer.get("created"),
            **settings,
            "output_format": (item.get("media_type") or PNG).removeprefix("image/"),
            "usage": answer.get("usage"),
        }
        for item in answer.get("data", [])
    )
    return sse.stream_of(events)


def as_edit_event(event: bytes) -> bytes:
    """An Images API stream event named as OpenAI names it for an edit (`image_edit.*`, which
    the SDK expects of `images.edit`); base64 holds no dot, so only the names match."""
    return event.replace(b"image_generation.", b"image_edit.") + b"\n\n"


def images_from_chat(completion: Any) -> dict[str, Any]:
    """A chat completion's images (parsed) as OpenAI's `ImagesResponse` (`data[].b64_json`,
    `usage` as `image_gen_usage` makes it); ValueError when it holds no image. The images are
    taken out of `completion` (its message keeps no `images`): each is then held once, as the
    answer's base64, not as a data URL besides."""
    message = (completion.get("choices") or [{}])[0].get("message") or {}
    data = [
        _from_data_url(image["image_url"]["url"]) for image in message.pop("images", None) or []
    ]
    if not data:
        raise ValueError(f"{completion.get('model')} answered without an image")
    created = completion.get("created")
    answer = {
        "created": created if isinstance(created, int) else int(time.time()),
        "data": data,
        "usage": completion.get("usage"),
    }
    return as_images_response(answer)


def _from_data_url(url: str) -> dict[str, str]:
    head, _, data = url.partition(",")
    if not head.startswith("data:") or not head.endswith(";base64"):
        raise ValueError("an image that is not a base64 data URL")
    return {"b64_json": data, "media_type": head[5:].removesuffix(";base64")}
