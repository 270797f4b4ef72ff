"""`GET /v1/models` filters on the real 549-model snapshot (counts from tests/data/SOURCES.md)."""

from typing import Any

import orjson
import pytest

from app.catalog.facts import Facts
from app.catalog.filters import Match, ModelFilter, UnsupportedFilter
from app.catalog.records import Catalog, Model, parse_page
from tests.data import DATA_DIR

SNAPSHOT = DATA_DIR / "models-all-2026-08-19.json"
NOW = 1_786_800_000.0  # a day after the snapshot's newest model


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog(tuple(parse_page(SNAPSHOT.read_bytes()).models))


@pytest.fixture(scope="module")
def models(catalog: Catalog) -> tuple[Model, ...]:
    return catalog.models


@pytest.fixture(scope="module")
def entries() -> dict[str, dict[str, Any]]:
    """The snapshot's entries by id, read apart from the catalog's parsing."""
    return {entry["id"]: entry for entry in orjson.loads(SNAPSHOT.read_bytes())["data"]}


def ids(models: tuple[Model, ...], query: dict[str, str]) -> set[str]:
    wanted = ModelFilter.from_query(query)
    return {model.id for model in models if wanted.accepts(model)}


def selected(catalog: Catalog, query: dict[str, str]) -> list[str]:
    wanted = ModelFilter.from_query(query, NOW)
    return [model.id for model in wanted.select(catalog.models, lambda: catalog.facts)]


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({}, 549),
        ({"output_modalities": "all"}, 549),
        # "Which models output both image and text?" (9 say image,text and 2 text,image)
        ({"output_modalities": "image,text", "match": "exact"}, 11),
        ({"output_modalities": "text, image", "match": "all"}, 11),
        ({"output_modalities": "image,text"}, 399 + 34 + 9 + 4 + 2),  # any: OpenRouter's meaning
        ({"output_modalities": "image", "match": "exact"}, 34),
        ({"output_modalities": "image"}, 45),
        ({"output_modalities": "text,audio", "match": "exact"}, 4),
        ({"output_modalities": "embeddings"}, 34),
        ({"output_modalities": "holograms"}, 0),
        ({"output_modalities": ""}, 549),
        ({"input_modalities": "image"}, 307),
        ({"input_modalities": "text", "match": "exact"}, 211),
        (
            {"input_modalities": "text,image", "output_modalities": "text,image", "match": "exact"},
            6,
        ),
        ({"supported_parameters": "tools"}, 347),
        ({"supported_parameters": "tools,no_such_parameter"}, 0),
        ({"q": "FLUX.2"}, 4),
        ({"q": "flux"}, 6),
        ({"q": "flux", "output_modalities": "image", "match": "exact"}, 4),
        ({"offset": "10", "limit": "1", "cache_buster": "1"}, 549),  # others: not filters
    ],
)
def test_filters(models: tuple[Model, ...], query: dict[str, str], count: int) -> None:
    assert len(ids(models, query)) == count


def test_image_and_text_models_are_the_ones_expected(models: tuple[Model, ...]) -> None:
    found = ids(models, {"output_modalities": "image,text", "match": "exact"})
    assert {"google/gemini-2.5-flash-image", "openai/gpt-5-image", "openrouter/auto"} <= found
    assert "black-forest-labs/flux.2-pro" not in found


def test_q_searches_names_too(models: tuple[Model, ...]) -> None:
    assert "deepgram/flux-tts:free" in ids(models, {"q": "Flux"})


@pytest.mark.parametrize("q", ["SpaceXAI: Grok", "x-ai/grok-4.6", " GROK 4.6 "])
def test_q_is_a_substring_of_the_id_or_of_the_name(models: tuple[Model, ...], q: str) -> None:
    # The model is named "SpaceXAI: Grok 4.6": the first is only in its name, the second only
    # in its id.
    assert "x-ai/grok-4.6" in ids(models, {"q": q})


def test_a_filter_of_nothing_accepts_every_model(models: tuple[Model, ...]) -> None:
    assert all(map(ModelFilter().accepts, models))


@pytest.mark.parametrize("match", ["sometimes", "ANY", ""])
def test_a_malformed_match_is_refused(match: str) -> None:
    with pytest.raises(ValueError, match="`match` must be one of any, all, exact"):
        ModelFilter.from_query({"match": match})


def test_default_match_is_any() -> None:
    assert ModelFilter.from_query({}).match is Match.ANY


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"context": "1000000"}, 130),
        ({"max_price": "0.1"}, 173),  # dollars per million prompt tokens; routers (-1) are out
        ({"max_price": "0"}, 83),
        ({"min_price": "0", "max_price": "0", "output_modalities": "all"}, 83),
        ({"model_authors": "google"}, 51),
        ({"model_authors": "Google, nobody"}, 51),
        ({"min_intelligence_index": "0"}, 141),  # the models with a score
        ({"min_intelligence_index": "63"}, 2),
        ({"max_age_days": "1"}, 1),  # created within a day of NOW
        ({"min_age_days": "100000"}, 0),
        ({"sort": "newest"}, 549),  # an order filters nothing
    ],
)
def test_the_listings_other_filters(catalog: Catalog, query: dict[str, str], count: int) -> None:
    assert len(selected(catalog, query)) == count


def _number(entry: dict[str, Any], sort: str) -> float | None:
    """The number `sort` orders by, read straight from an entry."""
    scores = (entry.get("benchmarks") or {}).get("artificial_analysis") or {}
    pricing = entry["pricing"]
    # Per million tokens and rounded, as (1.8e-07 against 1.7999999999999997e-07) the same
    # price may come out of another sum a hair apart.
    average = round((float(pricing["prompt"]) + float(pricing["completion"])) / 2 * 1e6, 9)
    arenas = [arena["elo"] for arena in (entry.get("benchmarks") or {}).get("design_arena", [])]
    numbers: dict[str, float | None] = {
        "pricing-low-to-high": average if average >= 0 else None,
        "pricing-high-to-low": average if average >= 0 else None,
        "context-high-to-low": entry["context_length"],
        "newest": entry["created"],
        "intelligence-high-to-low": scores.get("intelligence_index"),
        "coding-high-to-low": scores.get("coding_index"),
        "agentic-high-to-low": scores.get("agentic_index"),
        "design-arena-elo-high-to-low": max(arenas, default=None),
    }
    return numbers[sort]


@pytest.mark.parametrize(
    "sort",
    [
        "pricing-low-to-high",
        "pricing-high-to-low",
        "context-high-to-low",
        "newest",
        "intelligence-high-to-low",
        "coding-high-to-low",
        "agentic-high-to-low",
        "design-arena-elo-high-to-low",
    ],
)
def test_each_sort_orders_every_model_and_puts_the_unscored_last(
    catalog: Catalog, entries: dict[str, dict[str, Any]], sort: str
) -> None:
    order = selected(catalog, {"sort": sort})
    assert sorted(order) == sorted(entries)
    numbers = [_number(entries[model_id], sort) for model_id in order]
    scored = [n for n in numbers if n is not None]
    assert numbers[: len(scored)] == scored  # every None after every number
    ascending = sort == "pricing-low-to-high"
    assert scored == sorted(scored, reverse=not ascending)
    unscored = [model_id for model_id in order if _number(entries[model_id], sort) is None]
    assert unscored == [m for m in entries if m in set(unscored)]  # in the catalog's order


@pytest.mark.parametrize(
    ("query", "wrong"),
    [
        ({"sort": "price"}, "`sort` must be one of pricing-low-to-high, "),
        ({"context": "lots"}, "`context` must be a number of 0 or more, not 'lots'"),
        ({"max_price": "-1"}, "`max_price` must be a number of 0 or more, not '-1'"),
        ({"min_age_days": "nan"}, "`min_age_days` must be a number of 0 or more, not 'nan'"),
        ({"max_coding_index": "inf"}, "`max_coding_index` must be a number of 0 or more"),
    ],
)
def test_a_malformed_bound_or_sort_is_refused(query: dict[str, str], wrong: str) -> None:
    with pytest.raises(ValueError, match="^" + wrong.replace("(", r"\(")):
        ModelFilter.from_query(query)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"zdr": "true"}, "zdr"),
        ({"providers": "OpenAI", "region": "eu"}, "providers, region"),
        ({"sort": "most-popular"}, "sort=most-popular"),
        ({"category": "programming", "sort": "top-weekly"}, "category, sort=top-weekly"),
    ],
)
def test_what_needs_openrouters_live_data_is_refused_not_ignored(
    query: dict[str, str], named: str
) -> None:
    with pytest.raises(UnsupportedFilter, match=f"^{named}: answered from OpenRouter's live"):
        ModelFilter.from_query(query)


def test_the_numbers_are_read_only_for_a_bound_or_an_order(models: tuple[Model, ...]) -> None:
    def unread() -> dict[str, Facts]:
        raise AssertionError("parsed every entry for a filter that needs none of it")

    wanted = ModelFilter.from_query({"output_modalities": "image", "offset": "5"})
    assert len(wanted.select(models, unread)) == 45
