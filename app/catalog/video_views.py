"""The video models for people: a table of what each takes, and what the proxy does with a
video request to one, in words (`modality-proxy models --output video`, `explain`)."""

from collections.abc import Sequence

from app.catalog.video_models import VideoModel

COLUMNS = ("id", "seconds", "resolutions", "aspect ratios", "sizes", "frames", "audio", "seed")
SHOWN_SIZES = 4  # more are counted, not listed: some models list about 60


def video_table(models: Sequence[VideoModel]) -> list[tuple[str, ...]]:
    """The header and one row per model; `-` where the model publishes no list (not checked)."""
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
    """What `POST /v1/videos` (OpenAI's fields) and `POST /api/v1/videos` do for `model`."""
    sizes = "as it is" if model.sizes is None else f"as it is if among {_listed(model.sizes)}"
    ratios, lines = _listed(model.aspect_ratios), _listed(model.resolutions)
    mapped = "" if model.aspect_ratios is None else f"; else aspect_ratio ({ratios})"
    covered = "" if model.resolutions is None else f" and resolution ({lines})"
    flags = [flag for flag in ("generate_audio", "seed") if getattr(model, flag)]
    lacks = [flag for flag in ("generate_audio", "seed") if not getattr(model, flag)]
    return "\n".join(
        [
            f"{model.id} is a video model (GET /videos/models). POST /v1/videos sends:",
            f"  seconds -> duration, among {_listed(model.durations)} (- : not checked)",
            f"  size -> size {sizes}{mapped}{covered}",
            f"  input_reference -> frame_images first_frame (frames taken: "
            f"{_listed(model.frame_images)})",
            f"  takes {', '.join(flags) or 'neither generate_audio nor seed'}"
            + (f"; {', '.join(lacks)}: refused (POST /api/v1/videos: dropped)" if lacks else ""),
        ]
    )
