"""The catalog for people, in-process: loading it, the models table, prices, the demo."""

import httpx2
import orjson
import pytest

from app.catalog import views as catalog_views
from app.catalog.records import Catalog, Model, parse_page
from app.cli.catalog import load_catalog
from app.dev import demo
from app.settings import Settings
from tests.data import DATA_DIR

SNAPSHOT = DATA_DIR / "models-all-2026-08-19.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(Settings(), SNAPSHOT)


def test_a_catalog_file_loads_with_its_name_as_source(catalog: Catalog) -> None:
    assert len(catalog.models) == 549
    assert catalog.source == str(SNAPSHOT)


def test_the_live_catalog_loads_like_the_proxys(fake_url: str) -> None:
    settings = Settings(openrouter_base_url=f"{fake_url}/api/v1")
    assert len(load_catalog(settings, None).models) == 549


@pytest.mark.parametrize(
    ("pricing", "shown"),
    [
        ({"prompt": "0.00000125", "completion": "0.00001"}, "$1.25 in / $10 out per M"),
        ({"prompt": "0", "completion": "0", "image_output": "0.00003"}, "image out $30 per M"),
        ({"prompt": "-1", "completion": "-1"}, "varies"),
        ({"prompt": "0", "completion": "0"}, "free"),
        ({"prompt": "n/a"}, "free"),
        (None, ""),
    ],
)
def test_prices_per_million_tokens(pricing: object, shown: str) -> None:
    raw = orjson.dumps({"id": "a/b", "context_length": 1000, "pricing": pricing})
    [row] = catalog_views.table([Model("a/b", ("text",), raw=raw)]).splitlines()[1:]
    assert row.split("1,000", 1)[1].strip() == shown


def test_the_table_has_one_aligned_line_per_model(catalog: Catalog) -> None:
    flux = [m for m in catalog.models if m.id.startswith("black-forest-labs/flux.2")]
    lines = catalog_views.table(flux).splitlines()
    assert len(lines) == 1 + len(flux)
    assert len({line.index("image ") for line in lines[1:]}) == 1  # one column start


def test_demo_rows() -> None:
    rows = {row[0]: row for row in demo.run()}
    flux = rows["black-forest-labs/flux.2-pro"]
    assert flux[2].startswith("404: No endpoints found")
    assert flux[3:] == ("200, 1 image", "image")
    assert rows["openai/gpt-5"][3:] == ("200, text", "none (dropped)")


def test_a_catalog_from_parse_page_has_the_live_source() -> None:
    assert Catalog(tuple(parse_page(SNAPSHOT.read_bytes()).models)).source == "live"


@pytest.mark.parametrize(
    ("message", "shown"),
    [("Rate limited", "429: Rate limited"), ("x" * 41, "429: " + "x" * 40 + "...")],
)
def test_demo_errors_show_their_status_whatever_their_length(message: str, shown: str) -> None:
    answer = httpx2.Response(429, json={"error": {"message": message, "code": 429}})
    assert demo._status(answer) == shown
