"""`GET /v1/models` and `GET /api/v1/models` through the proxy: pages as OpenRouter's, OpenAI's
`ListModelsResponse` at /v1, OpenRouter's shape at /api/v1."""

from typing import Any

import httpx2
import pytest

from app.dev.emulator import FakeOpenRouter
from tests.error_codes import proxy_code

PREFIXES = ["/v1", "/api/v1"]
ALL_MODELS = 549


def listing(url: str, **params: str) -> dict[str, Any]:
    response = httpx2.get(url, params=params or None)  # {} would drop the query of `url`
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize("prefix", PREFIXES)
def test_links_next_walks_every_model_once_and_ends(proxy_url: str, prefix: str) -> None:
    url: str | None = f"{proxy_url}{prefix}/models?offset=0&limit=200&output_modalities=all"
    ids: list[str] = []
    pages = []
    for _ in range(10):  # 3 pages expected; a listing that never ends fails here
        if url is None:
            break
        page = listing(url)
        pages.append((len(page["data"]), page["total_count"]))
        ids += [model["id"] for model in page["data"]]
        url = page["links"]["next"]
    assert url is None
    assert pages == [(200, ALL_MODELS), (200, ALL_MODELS), (149, ALL_MODELS)]
    assert len(set(ids)) == len(ids) == ALL_MODELS


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_page_keeps_the_filters_and_counts_what_they_match(proxy_url: str, prefix: str) -> None:
    first = listing(f"{proxy_url}{prefix}/models", output_modalities="image", limit="40")
    rest = listing(first["links"]["next"])
    assert (len(first["data"]), len(rest["data"])) == (40, 5)
    assert first["total_count"] == rest["total_count"] == 45
    assert "output_modalities=image" in first["links"]["next"]
    assert rest["links"]["next"] is None


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_page_past_the_end_is_empty(proxy_url: str, prefix: str) -> None:
    page = listing(f"{proxy_url}{prefix}/models", offset="549", limit="500")
    assert page["data"] == []
    assert page["total_count"] == ALL_MODELS
    assert page["links"] == {"next": None}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_without_offset_or_limit_the_whole_list_comes_back(proxy_url: str, prefix: str) -> None:
    page = listing(f"{proxy_url}{prefix}/models")
    assert len(page["data"]) == page["total_count"] == ALL_MODELS
    assert page["links"] == {"next": None}


@pytest.mark.parametrize(
    ("query", "wrong"),
    [("offset=-1", "`offset`"), ("offset=abc", "`offset`"), ("limit=1001", "`limit`")],
)
@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_malformed_page_is_a_400(proxy_url: str, prefix: str, query: str, wrong: str) -> None:
    response = httpx2.get(f"{proxy_url}{prefix}/models?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert proxy_code(error) == "invalid_filter"
    assert error["message"].startswith(wrong)


@pytest.mark.parametrize("query", ["", "?output_modalities=image", "?offset=1&limit=2"])
def test_v1_models_is_openais_list_of_models(proxy_url: str, query: str) -> None:
    page = listing(f"{proxy_url}/v1/models{query}")
    assert page["object"] == "list"
    for model in page["data"]:
        assert model["object"] == "model"
        assert isinstance(model["created"], int)
        assert model["owned_by"] == model["id"].removeprefix("~").split("/")[0]
        assert "architecture" in model  # OpenRouter's fields kept


def test_owned_by_is_the_author_of_the_id(proxy_url: str) -> None:
    models = {m["id"]: m for m in listing(f"{proxy_url}/v1/models")["data"]}
    assert models["black-forest-labs/flux.2-pro"]["owned_by"] == "black-forest-labs"
    assert models["~x-ai/grok-latest"]["owned_by"] == "x-ai"


def test_api_v1_models_stays_openrouters_shape(fake: FakeOpenRouter, proxy_url: str) -> None:
    page = listing(f"{proxy_url}/api/v1/models", limit="3")
    assert "object" not in page
    assert page["data"] == fake.models[:3]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_sorted_filtered_and_paged_together(proxy_url: str, prefix: str) -> None:
    query = {"model_authors": "anthropic", "sort": "intelligence-high-to-low", "limit": "2"}
    first = listing(f"{proxy_url}{prefix}/models", **query)
    second = listing(first["links"]["next"])
    scores = [
        m["benchmarks"]["artificial_analysis"]["intelligence_index"]
        for m in first["data"] + second["data"]
    ]
    assert scores == sorted(scores, reverse=True)
    assert {m["id"].split("/")[0] for m in first["data"] + second["data"]} == {"anthropic"}
    assert "sort=intelligence-high-to-low" in first["links"]["next"]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_a_filter_that_needs_openrouters_live_data_is_a_400(proxy_url: str, prefix: str) -> None:
    response = httpx2.get(f"{proxy_url}{prefix}/models?zdr=true")
    assert response.status_code == 400
    error = response.json()["error"]
    assert proxy_code(error) == "unsupported_filter"
    assert error["message"].startswith("zdr: answered from OpenRouter's live data")
