"""OpenAI's image calls in OpenRouter's terms: pure translations, with no I/O.

`client.images.generate` and `client.images.edit` send OpenAI's fields to `/images/generations`
and `/images/edits`; OpenRouter's Images API takes its own (`POST /images`, `aspect_ratio`,
`resolution`, `input_references`) and says per model which it takes (`GET /images/models`,
`supported_parameters` as typed descriptors). Models that only chat serves are reached through
a chat request instead. Every field is either sent (mapped where OpenAI's differs) or refused
with a 400 that names it; none is dropped silently, except `user` (OpenAI's end-user id, which
the Images API has no field for), which the answer's `X-Dropped-Parameters` lists.
"""

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.catalog.image_models import ImageModel
from app.errors import ProxyError
from app.translate import ratios

# Taken by every model of the Images API, whatever its descriptors say.
ALWAYS_TAKEN = frozenset({"model", "prompt", "n", "provider"})
# Read by the proxy, not sent: how to answer. `partial_images` is a hint: partial images are
# relayed as upstream sends them.
ANSWER_FIELDS = frozenset({"response_format", "stream", "partial_images"})
NOT_FORWARDED = ("user",)
# "auto" asks for the model's default: the same as not sending the field.
AUTO_MEANS_DEFAULT = frozenset({"size", "quality", "background", "moderation", "aspect_ratio"})
QUALITY_ALIASES = {"hd": "high", "standard": "medium"}  # dall-e-3's names for gpt-image's
# OpenRouter's normalized aspect ratios (its SDK's SupportedAspectRatio and request enum).
ASPECT_RATIOS = (
    "1:1", "1:2", "1:4", "1:8", "2:1", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1",
    "9:16", "16:9", "9:19.5", "19.5:9", "9:20", "20:9", "9:21", "21:9",
)  # fmt: skip
RESOLUTIONS = ((1024, "1K"), (2048, "2K"), (4096, "4K"))  # by the longer side, at most
PNG = "image/png"


# What a model that only chat serves can be asked through the chat bridge.
CHAT_BRIDGE_PARAMETERS: Mapping[str, Mapping[str, Any]] = {
    "aspect_ratio": {"type": "enum", "values": ASPECT_RATIOS},
    "resolution": {"type": "enum", "values": [name for _, name in RESOLUTIONS]},
    "input_references": {"type": "range", "min": 0, "max": 16},
}


@dataclass(frozen=True)
class ImageRequest:
    """A checked image request: the Images API body, and how the client wants the answer."""

    payload: dict[str, Any]
    response_format: str  # "b64_json" or "url"
    stream: bool
    dropped: tuple[str, ...]


def images_request(
    body: Mapping[str, Any], model: ImageModel, references: Sequence[str] = ()
) -> ImageRequest:
    """Return the Images API request for OpenAI's `body`.

    For an edit, `references` are the uploaded images as data URLs. Raises ProxyError (400, naming
    the field) for anything `model` cannot take.
    """
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt:
        raise refused("prompt", "`prompt` is required: the text that describes the image")
    response_format = body.get("response_format") or "b64_json"
    if response_format not in ("b64_json", "url"):
        raise refused("response_format", "`response_format` must be 'b64_json' or 'url'")
    stream = body.get("stream") or False
    if not isinstance(stream, bool):
        raise refused("stream", "`stream` must be true or false")
    payload: dict[str, Any] = {"model": model.id, "prompt": prompt}
    for name, value in body.items():
        if name in ANSWER_FIELDS or name in NOT_FORWARDED or name in payload or value is None:
            continue
        if name in AUTO_MEANS_DEFAULT and value == "auto":
            continue
        payload |= _field(name, value, model)
    if references:
        _check(model, "input_references", len(references))
        payload["input_references"] = [
            {"type": "image_url", "image_url": {"url": url}} for url in references
        ]
    if stream and model.streams:
        payload["stream"] = True
    dropped = tuple(name for name in NOT_FORWARDED if name in body)
    return ImageRequest(payload, response_format, stream, dropped)


def _field(name: str, value: Any, model: ImageModel) -> dict[str, Any]:
    """Return `name: value` as the Images API takes it from `model`."""
    if name == "size":
        return _size(value, model)
    if name == "quality" and value not in _values(model, "quality"):
        value = QUALITY_ALIASES.get(value, value)
    _check(model, name, value)
    return {name: value}


def _size(size: Any, model: ImageModel) -> dict[str, Any]:
    """Return OpenAI's pixel `size` ("1536x1024") as the Images API takes it from `model`.

    As it is for a model that takes `size`, else as the nearest `aspect_ratio` (and the
    `resolution` that covers the longer side).
    """
    width, _, height = str(size).partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) and int(height)):
        raise refused("size", f"`size` must be 'auto' or WIDTHxHEIGHT, like 1024x1024: {size!r}")
    if "size" in model.parameters:
        _check(model, "size", size)
        return {"size": size}
    if "aspect_ratio" not in model.parameters:
        message = f"{model.id} takes neither `size` nor `aspect_ratio`: leave `size` out"
        raise refused("size", message)
    mapped = {"aspect_ratio": _nearest_ratio(int(width), int(height), model)}
    if "resolution" in model.parameters:
        longer = max(int(width), int(height))
        resolution = next((name for side, name in RESOLUTIONS if longer <= side), "4K")
        _check(model, "resolution", resolution)
        mapped["resolution"] = resolution
    return mapped


def _nearest_ratio(width: int, height: int, model: ImageModel) -> str:
    taken = _values(model, "aspect_ratio") or ASPECT_RATIOS
    found = ratios.nearest(taken, width / height)
    if found is None:
        message = f"`size` {width}x{height} is near no aspect ratio {model.id} takes: {taken}"
        raise refused("size", message)
    return found


def _values(model: ImageModel, name: str) -> list[Any]:
    values: list[Any] = model.parameters.get(name, {}).get("values", [])
    return values


def _check(model: ImageModel, name: str, value: Any) -> None:
    """Raise ProxyError unless `model` takes `name` with `value`, by its descriptor."""
    if name in ALWAYS_TAKEN:
        return
    descriptor = model.parameters.get(name)
    if descriptor is None:
        taken = ", ".join(sorted(model.parameters)) or "none"
        raise refused(name, f"{model.id} does not take `{name}` (it takes: {taken})")
    kind = descriptor.get("type")
    if kind == "enum" and value not in descriptor.get("values", ()):
        message = f"{model.id} takes `{name}` among {descriptor.get('values')}, not {value!r}"
        raise refused(name, message)
    if kind == "range" and not _within(value, descriptor):
        low, high = descriptor.get("min"), descriptor.get("max")
        raise refused(name, f"{model.id} takes `{name}` from {low} to {high}, not {value!r}")


def _within(value: Any, descriptor: Mapping[str, Any]) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    low, high = descriptor.get("min"), descriptor.get("max")
    return (low is None or value >= low) and (high is None or value <= high)


def refused(name: str, message: str) -> ProxyError:
    """Return the 400 for a request field that cannot be sent: `code` is `unsupported_<name>`."""
    return ProxyError(400, message, f"unsupported_{name}" if name else "invalid_request")


def chat_body(request: ImageRequest, modalities: Sequence[str]) -> dict[str, Any]:
    """Return the chat request that asks a model only chat serves for what `request` asks.

    The prompt and input images go as one user message, `aspect_ratio` and `resolution` as
    `image_config`.
    """
    payload = request.payload
    if payload.get("n", 1) != 1:
        raise refused("n", f"{payload['model']} makes one image a request: leave `n` at 1")
    content: list[dict[str, Any]] = [{"type": "text", "text": payload["prompt"]}]
    content += payload.get("input_references", [])
    body: dict[str, Any] = {
        "model": payload["model"],
        "messages": [{"role": "user", "content": content}],
        "modalities": list(modalities),
    }
    config = {"aspect_ratio": payload.get("aspect_ratio"), "image_size": payload.get("resolution")}
    if config := {name: value for name, value in config.items() if value is not None}:
        body["image_config"] = config
    if "provider" in payload:
        body["provider"] = payload["provider"]
    return body


def data_url(content: bytes, media_type: str | None) -> str:
    """Return an uploaded file as a data URL, as `input_references` takes it."""
    encoded = base64.b64encode(content).decode()
    return f"data:{media_type or PNG};base64,{encoded}"
