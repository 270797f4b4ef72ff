"""The filters and orders of `GET /v1/models` over the merged catalog, as pure functions.

OpenRouter's `output_modalities` filter means "any of these"; `match` adds "all of these" and
"exactly these", which is how a client asks which models output both image and text. Of the
other parameters OpenRouter's listing documents, those the catalog's own entries can answer are
honoured (`app.catalog.facts`); those that need OpenRouter's live data (providers, regions,
traffic, latency) are refused rather than silently ignored.
"""

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.catalog.bodies import owner
from app.catalog.facts import AGE_BOUNDS, BOUNDS, Bound, Facts, Sort, bound, sort_key
from app.catalog.records import Model

EVERY_MODALITY = "all"
# Documented by OpenRouter's listing, but answered from data its catalog entries do not carry.
NEEDS_OPENROUTER = frozenset(
    {
        "category",
        "arch",
        "providers",
        "distillable",
        "zdr",
        "region",
        "min_tool_success_rate",
        "max_tool_success_rate",
    }
)
LIVE_SORTS = frozenset(
    {"throughput-high-to-low", "latency-low-to-high", "most-popular", "top-weekly"}
)


class UnsupportedFilter(ValueError):
    """A documented parameter of OpenRouter's listing that the proxy's catalog cannot answer."""


class Match(StrEnum):
    """How a query's modality list matches a model's (the `match` parameter)."""

    ANY = "any"  # the model has at least one of the listed modalities (OpenRouter's meaning)
    ALL = "all"  # it has every one listed, and maybe more
    EXACT = "exact"  # it has exactly the listed ones


@dataclass(frozen=True)
class ModelFilter:
    """One `GET /v1/models` query. A None modality set filters nothing."""

    output_modalities: frozenset[str] | None = None
    input_modalities: frozenset[str] | None = None
    match: Match = Match.ANY
    supported_parameters: frozenset[str] = frozenset()
    text: str = ""  # `q`, lower-cased: a substring of the id or the name
    authors: frozenset[str] | None = None  # `model_authors`, lower-cased
    bounds: tuple[Bound, ...] = ()
    sort: Sort | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str], now: float = 0.0) -> "ModelFilter":
        """Return the filter of a query string's parameters; others are ignored.

        Age bounds are counted back from `now`. Raises ValueError for a malformed value (an
        unknown value of a list only matches nothing), UnsupportedFilter for a parameter the
        catalog cannot answer.
        """
        _refuse_live(params)
        match = params.get("match", Match.ANY)
        if match not in Match.__members__.values():
            choices = ", ".join(Match)
            raise ValueError(f"`match` must be one of {choices}, not {match!r}")
        authors = _comma_list(params.get("model_authors", "").lower())
        return cls(
            output_modalities=_modalities(params.get("output_modalities")),
            input_modalities=_modalities(params.get("input_modalities")),
            match=Match(match),
            supported_parameters=_comma_list(params.get("supported_parameters")) or frozenset(),
            text=params.get("q", "").strip().lower(),
            authors=authors,
            bounds=tuple(_bounds(params, now)),
            sort=_sort(params.get("sort")),
        )

    def accepts(self, model: Model) -> bool:
        """Return whether `model` passes the filter's modalities, parameters, text and authors."""
        return (
            _matches(model.output_modalities, self.output_modalities, self.match)
            and _matches(model.input_modalities, self.input_modalities, self.match)
            and self.supported_parameters <= model.supported_parameters
            and (self.text in model.id.lower() or self.text in model.name.lower())
            and (self.authors is None or owner(model.id).lower() in self.authors)
        )

    def select(
        self, models: Iterable[Model], facts: Callable[[], Mapping[str, Facts]]
    ) -> Sequence[Model]:
        """Return the `models` this filter accepts, within its bounds, in its order.

        Without an order, the catalog's. `facts` gives each model's numbers by id; it is called
        only when a bound or an order needs them (the first call parses every entry of a
        catalog).
        """
        found = [model for model in models if self.accepts(model)]
        if not self.bounds and self.sort is None:
            return found
        numbers = facts()
        found = [m for m in found if all(b.admits(numbers[m.id]) for b in self.bounds)]
        if self.sort is None:
            return found
        key = sort_key(self.sort)
        return sorted(found, key=lambda model: key(numbers[model.id]))


def _refuse_live(params: Mapping[str, str]) -> None:
    asked = sorted(NEEDS_OPENROUTER.intersection(params))
    if params.get("sort") in LIVE_SORTS:
        asked.append(f"sort={params['sort']}")
    if asked:
        message = (
            f"{', '.join(asked)}: answered from OpenRouter's live data, which the proxy's "
            "catalog does not hold; ask OpenRouter's GET /api/v1/models for it"
        )
        raise UnsupportedFilter(message)


def _bounds(params: Mapping[str, str], now: float) -> Iterable[Bound]:
    for name in BOUNDS.keys() | AGE_BOUNDS.keys():
        if name in params:
            yield bound(name, _number(name, params[name]), now)


def _number(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"`{name}` must be a number of 0 or more, not {value!r}")
    return number


def _sort(value: str | None) -> Sort | None:
    if value is None:
        return None
    if value not in Sort.__members__.values():
        choices = ", ".join(Sort)
        raise ValueError(f"`sort` must be one of {choices}, not {value!r}")
    return Sort(value)


def _matches(have: Iterable[str], wanted: frozenset[str] | None, match: Match) -> bool:
    if wanted is None:
        return True
    present = frozenset(have)
    if match is Match.ANY:
        return bool(present & wanted)
    if match is Match.ALL:
        return wanted <= present
    return present == wanted


def _modalities(value: str | None) -> frozenset[str] | None:
    listed = _comma_list(value)
    return None if listed is None or listed == {EVERY_MODALITY} else listed


def _comma_list(value: str | None) -> frozenset[str] | None:
    """Return `a, b` as {"a", "b"}, or None for an absent or empty value."""
    items = frozenset(item.strip() for item in (value or "").split(",") if item.strip())
    return items or None
