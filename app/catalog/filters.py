"""Searching the merged catalog: the filters of `GET /v1/models`, as pure functions.

OpenRouter's `output_modalities` filter means "any of these"; `match` adds "all of these" and
"exactly these", which is how a client asks which models output both image and text.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from app.catalog.records import Model

EVERY_MODALITY = "all"


class Match(StrEnum):
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

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "ModelFilter":
        """The filter of a query string's parameters; others are ignored. Raises ValueError
        for a malformed value (an unknown value of a list only matches nothing)."""
        match = params.get("match", Match.ANY)
        if match not in Match.__members__.values():
            choices = ", ".join(Match)
            raise ValueError(f"`match` must be one of {choices}, not {match!r}")
        return cls(
            output_modalities=_modalities(params.get("output_modalities")),
            input_modalities=_modalities(params.get("input_modalities")),
            match=Match(match),
            supported_parameters=_comma_list(params.get("supported_parameters")) or frozenset(),
            text=params.get("q", "").strip().lower(),
        )

    def accepts(self, model: Model) -> bool:
        return (
            _matches(model.output_modalities, self.output_modalities, self.match)
            and _matches(model.input_modalities, self.input_modalities, self.match)
            and self.supported_parameters <= model.supported_parameters
            and (self.text in model.id.lower() or self.text in model.name.lower())
        )


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
    """`a, b` as {"a", "b"}; None for an absent or empty value."""
    items = frozenset(item.strip() for item in (value or "").split(",") if item.strip())
    return items or None
