"""What the handler tests share: the whole app (`create_app`) in-process over a fake upstream
that serves the real catalog snapshot and the Images API's models, through Starlette's
TestClient."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from app.dev.emulator.catalog import load_catalog
from app.dev.emulator.images import FakeImagesApi
from app.main import create_app
from app.settings import Settings
from tests.data import DATA_DIR
from tests.fake_upstream import FakeUpstream

FLUX = "black-forest-labs/flux.2-pro"
IMAGE_MODELS = {"data": list(FakeImagesApi(load_catalog(), "").rows.values())}
CATALOG = (DATA_DIR / "models-all-2026-08-19.json").read_bytes()


@pytest.fixture
def upstream() -> FakeUpstream:
    downloads = {"/api/v1/models": CATALOG, "/api/v1/images/models": orjson.dumps(IMAGE_MODELS)}
    return FakeUpstream(downloads=downloads)


@contextmanager
def ready_client(upstream: FakeUpstream, **overrides: Any) -> Iterator[TestClient]:
    """The app over `upstream`, settings overridden by keyword, once its catalog is loaded."""
    settings = Settings(
        openrouter_base_url=FakeUpstream.base, proxy_log_level="WARNING", **overrides
    )
    with TestClient(create_app(settings, upstream)) as client:
        for _ in range(500):  # the catalog loads in the background
            if client.get("/readyz").status_code == 200:
                break
            time.sleep(0.02)
        yield client


@pytest.fixture
def client(upstream: FakeUpstream) -> Iterator[TestClient]:
    with ready_client(upstream) as client:
        yield client
