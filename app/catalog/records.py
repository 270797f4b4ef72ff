"""The model catalog: records, parsing of `GET /models` pages, merging, and lookup.

Everything here is pure and cheap to import: the parse worker process
(`app.catalog.parse_worker`) imports this module alone. One load of the pages is
`app.catalog.listings`; the refresher that keeps the catalog fresh, `app.catalog.refresh`.
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import orjson

from app.catalog import bodies
from app.catalog.facts import Facts, facts_of
from app.catalog.video_models import VideoModels


class CatalogError(ValueError):
    """A `GET /models` answer that is not the documented shape."""


@dataclass(frozen=True, slots=True)
class Model:
    """What the proxy needs of one catalog entry, plus the entry itself as OpenRouter sent it."""

    id: str
    output_modalities: tuple[str, ...]
    canonical_slug: str | None = None
    alias_of: str | None = None  # `alias_target.slug` of a `~author/name-latest` alias
    raw: bytes = b"{}"  # the entry's JSON, served again by `GET /v1/models`
    name: str = ""
    input_modalities: tuple[str, ...] = ()
    supported_parameters: frozenset[str] = frozenset()
    supported_voices: tuple[str, ...] = ()  # a speech model's voices, when the catalog lists them

    def __reduce__(self) -> tuple[type["Model"], tuple[Any, ...]]:
        # The parse worker pickles these by the hundred; rebuilding them from constructor
        # arguments unpickles several times faster than the default state of a slotted dataclass.
        return (Model, tuple(getattr(self, name) for name in self.__slots__))


@dataclass(frozen=True, slots=True)
class Page:
    models: list[Model]
    next_url: str | None


def parse_page(body: bytes) -> Page:
    """Parse one `GET /models` answer. Entries without a string `id` are skipped, not fatal.

    Raises CatalogError when the body is not JSON or not `{"data": [...]}`.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise CatalogError(f"models page is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise CatalogError('models page has no "data" list')
    models = [m for entry in document["data"] if (m := _parse_model(entry)) is not None]
    return Page(models, _next_url(document.get("links")))


def parse_model_answer(body: bytes) -> Model | None:
    """Parse a `GET /model/{author}/{slug}` answer into its model, or None for another shape.

    The answer is `{"data": {...}}`, or the model itself.
    """
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    entry = document.get("data", document) if isinstance(document, dict) else None
    return _parse_model(entry)


def _parse_model(entry: object) -> Model | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        return None
    architecture = entry.get("architecture")
    if not isinstance(architecture, dict):
        architecture = {}
    alias = entry.get("alias_target")
    return Model(
        id=entry["id"],
        output_modalities=_strings(architecture.get("output_modalities")),
        canonical_slug=_str_or_none(entry.get("canonical_slug")),
        alias_of=_str_or_none(alias.get("slug")) if isinstance(alias, dict) else None,
        raw=orjson.dumps(entry),
        name=_str_or_none(entry.get("name")) or "",
        input_modalities=_strings(architecture.get("input_modalities")),
        supported_parameters=frozenset(_strings(entry.get("supported_parameters"))),
        supported_voices=_strings(entry.get("supported_voices")),
    )


def _strings(value: object) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str)) if isinstance(value, list) else ()


def _next_url(links: object) -> str | None:
    return _str_or_none(links.get("next")) if isinstance(links, dict) else None


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def merge_into(merged: dict[str, Model], listing: Iterable[Model]) -> None:
    """Add `listing` to the union `merged` (by id, in first-seen order).

    The first record of an id wins, so a later listing never replaces or removes a model.
    """
    for model in listing:
        merged.setdefault(model.id, model)


@dataclass(frozen=True)
class Catalog:
    """An immutable snapshot of the merged catalog; the refresher swaps whole snapshots."""

    models: tuple[Model, ...]
    loaded_at: float = field(default_factory=time.time)  # seconds since the epoch
    source: str = "live"  # or "snapshot": loaded from PROXY_CATALOG_SNAPSHOT at start-up
    videos: VideoModels | None = None  # the video API's own list; None until it loads
    _index: Mapping[str, Model] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _build_index(self.models))

    def lookup(self, model_id: str) -> Model | None:
        """Return the model a request's `model` names, or None.

        By exact id, alias, canonical slug, then the id without its `:variant` suffix (`:free`,
        `:nitro`, ... need not be listed).
        """
        found = self._index.get(model_id)
        if found is None and ":" in model_id:
            found = self._index.get(model_id.partition(":")[0])
        return found

    def with_model(self, model: Model) -> "Catalog":
        """Return this catalog with `model` added, or in place of the record of the same id."""
        kept = tuple(known for known in self.models if known.id != model.id)
        return Catalog((*kept, model), self.loaded_at, self.source, self.videos)

    def output_modalities_seen(self) -> set[str]:
        """Return every output modality that a model of the catalog has."""
        return {modality for model in self.models for modality in model.output_modalities}

    @cached_property
    def listing(self) -> bytes:
        """The whole catalog in OpenRouter's `GET /models` shape."""
        return listing_of(self.models)

    @cached_property
    def facts(self) -> Mapping[str, Facts]:
        """Each model's numbers by id (what the listing's bounds and sorts use), parsed once."""
        return {model.id: facts_of(model.raw) for model in self.models}

    @cached_property
    def openai_listing(self) -> bytes:
        """The whole catalog as OpenAI's `ListModelsResponse` (see `app.catalog.bodies`)."""
        return listing_of(self.models, openai=True)


def listing_of(
    models: Sequence[Model],
    total_count: int | None = None,
    next_url: str | None = None,
    *,
    openai: bool = False,
) -> bytes:
    """Return `models` as a listing in OpenRouter's `GET /models` shape, or with `openai` OpenAI's.

    Each entry goes as OpenRouter sent it (with OpenAI's fields added for `openai`).
    `total_count` defaults to the number of `models` (a whole listing).
    """
    entries = (
        (bodies.openai_entry(m.raw, m.id) for m in models) if openai else (m.raw for m in models)
    )
    count = len(models) if total_count is None else total_count
    return bodies.listing(entries, count, next_url, openai=openai)


def _build_index(models: tuple[Model, ...]) -> dict[str, Model]:
    # Later updates win: an alias resolves to its target's record (the target's modalities are the
    # truth), exact ids beat canonical slugs.
    by_id = {model.id: model for model in models}
    index = {model.canonical_slug: model for model in models if model.canonical_slug}
    index.update(by_id)
    index.update((m.id, by_id[m.alias_of]) for m in models if m.alias_of and m.alias_of in by_id)
    return index
