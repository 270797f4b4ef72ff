"""The video models for people: a table of what each takes, and a video request's fate in words.

For `modality-proxy models --output video` and `modality-proxy explain`.
"""

from collections.abc import Sequence

from app.catalog.video_models import VideoModel

COLUMNS = ("id", "seconds", "resolutions", "aspect ratios", "sizes", "frames", "audio", "seed")
SHOWN_SIZES = 4  # more are counted, not listed: some models list about 60


def video_table(models: Sequence[VideoModel]) -> list[tuple[str, ...]]:
    """Return the header and one row per model; `-` where a model publishes no list."""
    return [COLUMNS, *(_row(model) for model in models)]


def _row(model: VideoModel) -> tuple[str, ...]:
    sizes = model.sizes
    many = sizes is not None and len(sizes) > SHOWN_SIZES
    return (
        model.id,
        _listed(sorted(model.durations) if model.durations is not None else None),
        _listed(model.resolutions),
        _listed(model.aspect_ratios),
        f"{len(sizes)} sizes" if many and sizes else _listed(sizes),
        _listed(model.frame_images),
        "yes" if model.generate_audio else "no",
        "yes" if model.seed else "no",
    )


def _listed(values: Sequence[object] | None) -> str:
    if values is None:
        return "-"
    return ",".join(map(str, values)) or "none"


def explain_video(model: VideoModel) -> str:
    """Describe what `POST /v1/videos` and `POST /api/v1/videos` do for `model`."""
    flags = [flag for flag in ("generate_audio", "seed") if getattr(model, flag)]
    lacks = [flag for flag in ("generate_audio", "seed") if not getattr(model, flag)]
    lacking = f"; {', '.join(lacks)}: refused (POST /api/v1/videos: dropped)" if lacks else ""
    return "\n".join(
        [
            f"{model.id} is a video model (GET /videos/models). POST /v1/videos sends:",
            f"  seconds -> duration, {_among(model.durations)}",
            f"  size -> {_size(model)}",
            f"  input_reference -> frame_images first_frame, {_among(model.frame_images)}",
            f"  takes {', '.join(flags) or 'neither generate_audio nor seed'}{lacking}",
        ]
    )


def _among(values: Sequence[object] | None) -> str:
    return "not checked (the model lists none)" if values is None else f"among {_listed(values)}"


def _size(model: VideoModel) -> str:
    """Describe where OpenAI's `size` goes for `model` (see `app.translate.videos`)."""
    ratio = "aspect_ratio, the nearest within 5% among " + _listed(model.aspect_ratios)
    if model.resolutions is not None:
        ratio += f", and the smallest resolution covering it among {_listed(model.resolutions)}"
    if model.sizes is None:
        return "size, not checked (the model lists none)" if model.aspect_ratios is None else ratio
    sizes = f"size, among {_listed(model.sizes)}"
    return sizes if model.aspect_ratios is None else f"{sizes}; else {ratio}"
