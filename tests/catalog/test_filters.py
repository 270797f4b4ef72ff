"""`GET /v1/models` filters on the real 549-model snapshot (counts from app/data/SOURCES.md)."""

import pytest

from app.catalog.filters import Match, ModelFilter
from app.catalog.records import Catalog, Model, parse_page
from app.dev.emulator import DATA_DIR


@pytest.fixture(scope="module")
def models() -> tuple[Model, ...]:
    body = (DATA_DIR / "models-all-2026-08-19.json").read_bytes()
    return Catalog(tuple(parse_page(body).models)).models


def ids(models: tuple[Model, ...], query: dict[str, str]) -> set[str]:
    wanted = ModelFilter.from_query(query)
    return {model.id for model in models if wanted.accepts(model)}


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
        ({"sort": "price", "offset": "10"}, 549),  # other parameters are ignored
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
