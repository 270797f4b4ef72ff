"""The video API's own model list (`GET {base}/videos/models`): what each video model takes.

Pure and cheap to import. Every `supported_*` list may be null upstream (edit, upscale and
avatar models publish none); null is kept as None and means "not published": the proxy does not
check that parameter and lets upstream decide. An empty list means the model takes none.
`generate_audio` and `seed` are true only when upstream says so: null or false means the model
does not take them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

import orjson

T = TypeVar("T")


class VideoModelsError(ValueError):
    """A `GET /videos/models` answer that is not the documented shape."""


@dataclass(frozen=True, slots=True)
class VideoModel:
    """One video model and the values it takes (None: not published, not checked)."""

    id: str
    name: str = ""
    canonical_slug: str | None = None
    durations: tuple[int, ...] | None = None
    resolutions: tuple[str, ...] | None = None
    aspect_ratios: tuple[str, ...] | None = None
    sizes: tuple[str, ...] | None = None
    frame_images: tuple[str, ...] | None = None
    generate_audio: bool = False
    seed: bool = False
    raw: bytes = b"{}"  # the entry as upstream sent it, listed again as it came


def parse_video_models(body: bytes) -> tuple[VideoModel, ...]:
    """Parse a `GET /videos/models` answer (`{"data": [...]}`) into its models, in its order.

    Entries without a string `id` are skipped; a malformed list value reads as not published.
    Raises VideoModelsError when the body is not JSON or has no `data` list.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise VideoModelsError(f"GET /videos/models answered with no JSON: {error}") from None
    return video_models_of(document)


def video_models_of(document: object) -> tuple[VideoModel, ...]:
    """Return the models of a parsed `GET /videos/models` answer.

    Raises VideoModelsError for another shape.
    """
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise VideoModelsError('GET /videos/models answered without a "data" list')
    return tuple(_video_model(entry) for entry in document["data"] if _has_id(entry))


def _has_id(entry: object) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("id"), str) and bool(entry["id"])


def _video_model(entry: dict[str, Any]) -> VideoModel:
    slug = entry.get("canonical_slug")
    return VideoModel(
        id=entry["id"],
        name=entry["name"] if isinstance(entry.get("name"), str) else "",
        canonical_slug=slug if isinstance(slug, str) and slug else None,
        durations=_listed(entry.get("supported_durations"), int),
        resolutions=_listed(entry.get("supported_resolutions"), str),
        aspect_ratios=_listed(entry.get("supported_aspect_ratios"), str),
        sizes=_listed(entry.get("supported_sizes"), str),
        frame_images=_listed(entry.get("supported_frame_images"), str),
        generate_audio=entry.get("generate_audio") is True,
        seed=entry.get("seed") is True,
        raw=orjson.dumps(entry),
    )


def _listed(value: object, kind: type[T]) -> tuple[T, ...] | None:
    """Return a list of `kind` values as a tuple; None for null or anything else."""
    if not isinstance(value, list):
        return None
    # bool is an int subclass: `true` in a durations list is not a duration.
    if not all(isinstance(item, kind) and not isinstance(item, bool) for item in value):
        return None
    return tuple(value)


@dataclass(frozen=True)
class VideoModels:
    """An immutable snapshot of the video model list; the refresher swaps whole snapshots."""

    models: tuple[VideoModel, ...] = ()
    _index: Mapping[str, VideoModel] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index = {model.canonical_slug: model for model in self.models if model.canonical_slug}
        index.update((model.id, model) for model in self.models)
        object.__setattr__(self, "_index", index)

    def lookup(self, model_id: str) -> VideoModel | None:
        """Return the video model `model_id` names, or None.

        By id or canonical slug, then the id without its `:variant` suffix.
        """
        found = self._index.get(model_id)
        if found is None and ":" in model_id:
            found = self._index.get(model_id.partition(":")[0])
        return found

    @cached_property
    def listing(self) -> bytes:
        """The list in `GET /videos/models`'s shape, each entry as upstream sent it."""
        return listing_of(self.models)


def listing_of(models: Iterable[VideoModel]) -> bytes:
    """Return `models` in `GET /videos/models`'s shape, each entry as upstream sent it."""
    return b'{"data":[' + b",".join(model.raw for model in models) + b"]}"
