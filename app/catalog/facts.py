"""The numbers OpenRouter's listing filters and sorts on, and the bounds and orders over them.

Context length, prices, age and benchmark scores, read from a catalog entry (each entry parsed
once per catalog, see `Catalog.facts`); the numeric bounds and orders of `GET /v1/models`. Pure.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import orjson

DAY_SECONDS = 86_400
PER_MILLION = 1e6


@dataclass(frozen=True, slots=True)
class Facts:
    """One model's numbers; None where the entry does not say (or says a router's -1 price)."""

    context_length: float | None = None
    prompt_price: float | None = None  # dollars per million tokens, as the listing's bounds
    completion_price: float | None = None
    created: float | None = None  # seconds since the epoch
    intelligence: float | None = None  # Artificial Analysis indices
    coding: float | None = None
    agentic: float | None = None
    design_arena_elo: float | None = None  # the best of its Design Arena ELOs

    @property
    def average_price(self) -> float | None:
        """The mean of the prompt and completion prices, which OpenRouter's price sorts use."""
        if self.prompt_price is None or self.completion_price is None:
            return None
        return (self.prompt_price + self.completion_price) / 2


def facts_of(raw: bytes) -> Facts:
    """Return the facts of one catalog entry (OpenRouter's JSON).

    A field of another type counts as absent, never as an error.
    """
    entry = orjson.loads(raw)
    pricing = _mapping(entry.get("pricing"))
    benchmarks = _mapping(entry.get("benchmarks"))
    scores = _mapping(benchmarks.get("artificial_analysis"))
    arenas = benchmarks.get("design_arena")
    elos = (
        [_number(a.get("elo")) for a in arenas if isinstance(a, dict)]
        if isinstance(arenas, list)
        else []
    )
    return Facts(
        context_length=_number(entry.get("context_length")),
        prompt_price=_price(pricing.get("prompt")),
        completion_price=_price(pricing.get("completion")),
        created=_number(entry.get("created")),
        intelligence=_number(scores.get("intelligence_index")),
        coding=_number(scores.get("coding_index")),
        agentic=_number(scores.get("agentic_index")),
        design_arena_elo=max((elo for elo in elos if elo is not None), default=None),
    )


class Sort(StrEnum):
    """The orders of OpenRouter's `sort` that the catalog's own numbers can give."""

    PRICE_UP = "pricing-low-to-high"
    PRICE_DOWN = "pricing-high-to-low"
    CONTEXT = "context-high-to-low"
    NEWEST = "newest"
    INTELLIGENCE = "intelligence-high-to-low"
    CODING = "coding-high-to-low"
    AGENTIC = "agentic-high-to-low"
    DESIGN_ARENA = "design-arena-elo-high-to-low"


Key = Callable[[Facts], float | None]
SORT_KEYS: Mapping[Sort, tuple[Key, bool]] = {  # the number sorted on, and whether descending
    Sort.PRICE_UP: (lambda f: f.average_price, False),
    Sort.PRICE_DOWN: (lambda f: f.average_price, True),
    Sort.CONTEXT: (lambda f: f.context_length, True),
    Sort.NEWEST: (lambda f: f.created, True),
    Sort.INTELLIGENCE: (lambda f: f.intelligence, True),
    Sort.CODING: (lambda f: f.coding, True),
    Sort.AGENTIC: (lambda f: f.agentic, True),
    Sort.DESIGN_ARENA: (lambda f: f.design_arena_elo, True),
}


def sort_key(order: Sort) -> Callable[[Facts], tuple[bool, float]]:
    """Return a key for `sorted` by `order` that puts models without the number last.

    As OpenRouter does; `sorted` is stable, so ties keep the catalog's order.
    """
    number, descending = SORT_KEYS[order]

    def key(facts: Facts) -> tuple[bool, float]:
        value = number(facts)
        if value is None:
            return (True, 0.0)
        return (False, -value if descending else value)

    return key


@dataclass(frozen=True, slots=True)
class Bound:
    """`number(facts)` at least (`lowest`) or at most `limit`; a model without it is out."""

    number: Key
    limit: float
    lowest: bool

    def admits(self, facts: Facts) -> bool:
        """Return whether a model with `facts` is within the bound."""
        value = self.number(facts)
        if value is None:
            return False
        return value >= self.limit if self.lowest else value <= self.limit


# Each bound of OpenRouter's listing the catalog can check: the number and whether a minimum.
BOUNDS: Mapping[str, tuple[Key, bool]] = {
    "context": (lambda f: f.context_length, True),
    "min_price": (lambda f: f.prompt_price, True),
    "max_price": (lambda f: f.prompt_price, False),
    "min_output_price": (lambda f: f.completion_price, True),
    "max_output_price": (lambda f: f.completion_price, False),
    "min_intelligence_index": (lambda f: f.intelligence, True),
    "max_intelligence_index": (lambda f: f.intelligence, False),
    "min_coding_index": (lambda f: f.coding, True),
    "max_coding_index": (lambda f: f.coding, False),
    "min_agentic_index": (lambda f: f.agentic, True),
    "max_agentic_index": (lambda f: f.agentic, False),
}
# Ages bound `created` the other way round: at least N days old is created at most N days ago.
AGE_BOUNDS = {"min_age_days": False, "max_age_days": True}


def bound(name: str, limit: float, now: float) -> Bound:
    """Return the bound that the query parameter `name` (of BOUNDS or AGE_BOUNDS) sets."""
    if name in AGE_BOUNDS:
        return Bound(lambda f: f.created, now - limit * DAY_SECONDS, AGE_BOUNDS[name])
    number, lowest = BOUNDS[name]
    return Bound(number, limit, lowest)


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, dict) else {}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _price(value: object) -> float | None:
    """Return a decimal string of dollars per token as dollars per million, or None for -1.

    A router's price is -1: it depends on the model routed to.
    """
    try:
        dollars = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return dollars * PER_MILLION if dollars >= 0 else None
