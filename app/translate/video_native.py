"""OpenRouter's own video requests (`POST /api/v1/videos`), checked against the model's list.

Pure, with no I/O; the check comes before they go, and the body stays OpenRouter's. A value the
model does not take (`duration`, `resolution`, `aspect_ratio`, `size`, a `frame_images` entry's
`frame_type`) is a 400 listing what it takes, as upstream's own 400 would be, without the round
trip. `generate_audio` and `seed` sent to a model that lacks them are dropped and named (clients
such as OpenRouter's AI SDK provider send them whatever the model), since upstream would refuse
the whole request for them.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.catalog.video_models import VideoModel
from app.translate.videos import FLAGS, refused

# Request field -> the model's list of the values it takes.
LISTED = {
    "duration": "durations",
    "resolution": "resolutions",
    "aspect_ratio": "aspect_ratios",
    "size": "sizes",
}


@dataclass(frozen=True)
class NativeRequest:
    """A checked native request: the body to send, and the fields dropped from it."""

    payload: dict[str, Any]
    dropped: tuple[str, ...]


def checked_native(body: Mapping[str, Any], model: VideoModel) -> NativeRequest:
    """Return `body` as it may go to `model`; raise ClientError (400) for a value not taken."""
    for name, listed in LISTED.items():
        taken: tuple[Any, ...] | None = getattr(model, listed)
        value = body.get(name)
        if value is not None and taken is not None and not _among(value, taken):
            message = f"{model.id} takes `{name}` among {', '.join(map(str, taken)) or 'none'}"
            raise refused(name, f"{message}, not {value!r}")
    _check_frames(body.get("frame_images"), model)
    dropped = tuple(flag for flag in FLAGS if flag in body and not getattr(model, flag))
    payload = {name: value for name, value in body.items() if name not in dropped}
    return NativeRequest(payload, dropped)


def _among(value: Any, taken: tuple[Any, ...]) -> bool:
    # `True == 1`: a boolean is never a duration.
    return not isinstance(value, bool) and value in taken


def _check_frames(frames: Any, model: VideoModel) -> None:
    if frames is None or model.frame_images is None:
        return
    if not isinstance(frames, list):
        raise refused("frame_images", "`frame_images` must be a list")
    for frame in frames:
        kind = frame.get("frame_type") if isinstance(frame, dict) else None
        if kind not in model.frame_images:
            taken = ", ".join(model.frame_images) or "none"
            message = f"{model.id} takes frame images of type {taken}, not {kind!r}"
            raise refused("frame_images", message)
