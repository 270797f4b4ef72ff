"""OpenAI's Videos API in OpenRouter's terms: pure translations, with no I/O.

`client.videos.create` sends OpenAI's fields (`model`, `prompt`, `seconds`, `size`,
`input_reference`); OpenRouter's video API (`POST /videos`) takes its own (`duration`,
`resolution`, `aspect_ratio`, `size`, `frame_images`) and lists per model which values it takes
(`app.catalog.video_models`). Every field is sent as the model takes it or refused with a 400
that names it and lists what the model takes: nothing is dropped or changed silently. OpenRouter's
own `generate_audio` and `seed` may come along (`extra_body`) and are checked likewise.

OpenRouter's native requests (`/api/v1/videos`) get the same checks (`checked_native`), except
that `generate_audio` and `seed` are dropped, and named, for a model that lacks them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.catalog.video_models import VideoModel
from app.errors import ClientError
from app.translate import ratios

OPENAI_FIELDS = ("model", "prompt", "seconds", "size", "input_reference")
FLAGS = ("generate_audio", "seed")  # OpenRouter's, taken only by models that say so
# Lines of each resolution name: the `p` names say theirs; 1K, 2K and 4K are taken as the video
# formats of those names (1080, 1440 and 2160 lines), an assumption: OpenRouter does not say.
LINES = {"480p": 480, "720p": 720, "768p": 768, "1080p": 1080, "1K": 1080, "2K": 1440, "4K": 2160}
MAX_SIDE = 16384
MAX_TEXT = 11  # characters of `seconds` or `size` ("16384x16384"): ids carry them


@dataclass(frozen=True)
class VideoRequest:
    """A checked create: OpenRouter's body, and what OpenAI's `Video` reports of it (`seconds`
    and `size` as the client asked, None when it did not: upstream's defaults apply)."""

    payload: dict[str, Any]
    model: str
    prompt: str
    seconds: str | None
    size: str | None


def refused(name: str, message: str) -> ClientError:
    """Return the 400 for a field that cannot be sent: `code` is `unsupported_<name>`."""
    return ClientError(message, f"unsupported_{name}")


def video_request(
    fields: Mapping[str, Any], model: VideoModel, upload: str | None = None
) -> VideoRequest:
    """Return OpenRouter's `POST /videos` body for OpenAI's create `fields`.

    `fields` are JSON or form values, with an uploaded `input_reference` as a data URL. Raises
    ClientError (400, naming the field) for anything `model` does not take.
    """
    unknown = sorted(set(fields) - {*OPENAI_FIELDS, *FLAGS})
    if unknown:
        message = f"POST /v1/videos takes {', '.join((*OPENAI_FIELDS, *FLAGS))}, not `{unknown[0]}`"
        raise refused(unknown[0], message + "; OpenRouter's own fields go to /api/v1/videos")
    prompt = fields.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise refused("prompt", "`prompt` is required: the text that describes the video")
    payload: dict[str, Any] = {"model": model.id, "prompt": prompt}
    seconds = _text(fields, "seconds")
    if seconds is not None:
        payload["duration"] = _duration(seconds, model)
    size = _text(fields, "size")
    if size is not None:
        payload |= _size(size, model)
    reference = _reference(fields.get("input_reference"), upload)
    if reference is not None:
        payload["frame_images"] = [_first_frame(reference, model)]
    for flag in FLAGS:
        if fields.get(flag) is not None:
            payload[flag] = _flag(flag, fields[flag], model)
    return VideoRequest(payload, model.id, prompt, seconds, size)


def _text(fields: Mapping[str, Any], name: str) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not 0 < len(value) <= MAX_TEXT:
        example = "8" if name == "seconds" else "1280x720"
        raise refused(name, f"`{name}` must be a short string, like {example!r}")
    return value


def _duration(seconds: str, model: VideoModel) -> int:
    if not seconds.isdigit() or not 0 < int(seconds) <= MAX_SIDE:
        raise refused("seconds", f"`seconds` must be a whole number of seconds, not {seconds!r}")
    duration = int(seconds)
    if model.durations is not None and duration not in model.durations:
        taken = _listing(sorted(model.durations))
        raise refused("seconds", f"{model.id} makes videos of {taken} seconds, not {duration}")
    return duration


def pixels(size: str) -> tuple[int, int]:
    """Return `WIDTHxHEIGHT` as two numbers; raise ClientError (400) for anything else."""
    width, _, height = size.partition("x")
    if not (width.isdigit() and height.isdigit()) or not (
        0 < int(width) <= MAX_SIDE and 0 < int(height) <= MAX_SIDE
    ):
        raise refused("size", f"`size` must be WIDTHxHEIGHT, like 1280x720, not {size!r}")
    return int(width), int(height)


def _size(size: str, model: VideoModel) -> dict[str, Any]:
    """Return OpenAI's `size` as the model takes it.

    That is itself when the model lists it (or lists neither sizes nor aspect ratios: upstream
    decides), else the nearest aspect ratio (within `app.translate.ratios.TOLERANCE`) and the
    smallest resolution whose lines cover the size's shorter side.
    """
    width, height = pixels(size)
    if (model.sizes is not None and size in model.sizes) or (
        model.sizes is None and model.aspect_ratios is None
    ):
        return {"size": size}
    if model.aspect_ratios is None:
        raise refused("size", f"{model.id} makes videos of size {_listing(model.sizes or ())}")
    mapped: dict[str, Any] = {"aspect_ratio": _nearest_ratio(size, width / height, model)}
    if model.resolutions is not None:
        mapped["resolution"] = _covering(size, min(width, height), model)
    return mapped


def _nearest_ratio(size: str, wanted: float, model: VideoModel) -> str:
    nearest = ratios.nearest(model.aspect_ratios or (), wanted)
    if nearest is None:
        sizes = f"; sizes {_listing(model.sizes)}" if model.sizes else ""
        message = f"`size` {size} is near no aspect ratio {model.id} takes"
        raise refused("size", f"{message}: {_listing(model.aspect_ratios or ())}{sizes}")
    return nearest


def _covering(size: str, shorter: int, model: VideoModel) -> str:
    known = [name for name in model.resolutions or () if name in LINES]
    covering = sorted((LINES[name], name) for name in known if LINES[name] >= shorter)
    if not covering:
        taken = _listing(model.resolutions or ())
        raise refused("size", f"`size` {size} is larger than {model.id} makes: {taken}")
    return covering[0][1]


def _reference(value: Any, upload: str | None) -> str | None:
    """Return the URL of OpenAI's `input_reference`: an upload (a data URL), or `{"image_url"}`."""
    if upload is not None:
        if value is not None:
            raise refused("input_reference", "Send one `input_reference`: a file or an image_url")
        return upload
    if value is None:
        return None
    if isinstance(value, Mapping) and set(value) == {"image_url"}:
        url = value["image_url"]
        if isinstance(url, str) and url.startswith(("https://", "http://", "data:image/")):
            return url
    message = "`input_reference` must be an image file or {image_url: an http(s) or data: URL}"
    if isinstance(value, Mapping) and "file_id" in value:
        message += "; OpenRouter has no Files API, so a file_id cannot be used"
    raise refused("input_reference", message)


def _first_frame(url: str, model: VideoModel) -> dict[str, Any]:
    if model.frame_images is not None and "first_frame" not in model.frame_images:
        taken = _listing(model.frame_images) if model.frame_images else "no frame images"
        message = f"{model.id} takes {taken}: `input_reference` (a first frame) cannot be used"
        raise refused("input_reference", message)
    return {"type": "image_url", "image_url": {"url": url}, "frame_type": "first_frame"}


def _flag(name: str, value: Any, model: VideoModel) -> Any:
    if not getattr(model, name):
        raise refused(name, f"{model.id} does not take `{name}`")
    if name == "seed":
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise refused(name, f"`seed` must be a whole number, not {value!r}")
    if value in (True, "true"):
        return True
    if value in (False, "false"):
        return False
    raise refused(name, f"`generate_audio` must be true or false, not {value!r}")


def _listing(values: Sequence[object]) -> str:
    return ", ".join(map(str, values)) or "none"
