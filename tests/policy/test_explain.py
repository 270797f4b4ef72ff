"""The policy's decision explained in words, for the real catalog snapshot."""

import pytest

from app.catalog.records import Catalog
from app.cli import load_catalog
from app.dev.emulator import DATA_DIR
from app.policy.explain import explain
from app.settings import OnUnsupported, Settings

SNAPSHOT = DATA_DIR / "models-all-2026-08-19.json"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(Settings(), SNAPSHOT)


@pytest.mark.parametrize(
    ("model", "modalities", "on_unsupported", "says"),
    [
        (
            "black-forest-labs/flux.2-pro",
            ["image", "text"],
            OnUnsupported.REJECT,
            "set to ['image']",
        ),
        ("openai/gpt-5", ["image"], OnUnsupported.DROP, "is dropped"),
        ("openai/gpt-5", ["image"], OnUnsupported.PASSTHROUGH, "unchanged"),
        ("openai/gpt-5", None, OnUnsupported.REJECT, "no modalities field"),
        ("openai/gpt-5", [], OnUnsupported.REJECT, "is dropped"),
        ("openai/text-embedding-ada-002", ["text"], OnUnsupported.REJECT, "outputs embeddings"),
    ],
)
def test_explain(
    catalog: Catalog,
    model: str,
    modalities: list[str] | None,
    on_unsupported: OnUnsupported,
    says: str,
) -> None:
    settings = Settings(proxy_on_unsupported=on_unsupported)
    assert says in explain(catalog, model, modalities, settings)
