"""The policy's decision explained in words, for the real catalog snapshot."""

import pytest

from app.catalog.records import Catalog, Model
from app.cli.catalog import load_catalog
from app.policy.explain import explain
from app.settings import OnUnsupported, Settings
from tests.data import DATA_DIR

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


FULL = [
    (
        "google/gemini-2.5-flash-image",
        None,
        "google/gemini-2.5-flash-image is google/gemini-2.5-flash-image in the catalog; "
        "it outputs image, text.\n"
        "Asked for no modalities field: unchanged.\n"
        "Why: the request has no modalities field.\n"
        "So the request goes upstream unchanged, byte for byte.\n"
        "X-Modalities: none",
    ),
    (
        "acme/none",
        ["image"],
        "acme/none is not in the catalog (549 models).\n"
        "Asked for modalities ['image']: unchanged.\n"
        "Why: acme/none is not in the catalog.\n"
        "So the request goes upstream unchanged, byte for byte.\n"
        "X-Modalities: unchanged",
    ),
    (
        "~x-ai/grok-latest",
        ["image", "text"],
        "~x-ai/grok-latest is x-ai/grok-4.6 in the catalog; it outputs text.\n"
        "Asked for modalities ['image', 'text']: dropped.\n"
        "Why: ~x-ai/grok-latest shares only text with the request; text is the default.\n"
        "So the modalities field is dropped (text is OpenRouter's default).\n"
        "X-Modalities: none",
    ),
    (
        "openai/gpt-5",
        ["image"],
        "openai/gpt-5 is openai/gpt-5 in the catalog; it outputs text.\n"
        "Asked for modalities ['image']: rejected.\n"
        "Why: Model openai/gpt-5 outputs text, not image. "
        "List the models that do with GET /v1/models?output_modalities=image.\n"
        "So the proxy answers 400 itself; nothing goes upstream.\n"
        "X-Modalities: none",
    ),
]


GEMINI_IMAGE = "google/gemini-2.5-flash-image"
SUBSET = [
    (
        False,
        f"{GEMINI_IMAGE} is {GEMINI_IMAGE} in the catalog; it outputs image, text.\n"
        "Asked for modalities ['image']: subset.\n"
        f"Why: {GEMINI_IMAGE} outputs image and text; the request asks for a part: image.\n"
        "So modalities goes as asked, ['image'].\n"
        "If upstream refuses it, the proxy sends ['image', 'text'] at once instead, and so asks "
        f"{GEMINI_IMAGE} for 600 s (PROXY_EXACT_MODALITIES_SECONDS).\n"
        "X-Modalities: image",
    ),
    (
        True,
        f"{GEMINI_IMAGE} is {GEMINI_IMAGE} in the catalog; it outputs image, text.\n"
        "Asked for modalities ['image']: rewritten.\n"
        f"Why: {GEMINI_IMAGE} outputs image and text.\n"
        "So modalities is set to ['image', 'text'].\n"
        f"Learned: upstream refused {GEMINI_IMAGE} a part of its outputs, so for 600 s "
        "(PROXY_EXACT_MODALITIES_SECONDS) it is asked for all of them.\n"
        "X-Modalities: image,text",
    ),
]


@pytest.mark.parametrize(("wants_exact", "says"), SUBSET)
def test_explain_a_subset_as_asked_or_as_learned(
    catalog: Catalog, wants_exact: bool, says: str
) -> None:
    settings = Settings(proxy_exact_modalities_seconds=600)
    assert explain(catalog, GEMINI_IMAGE, ["image"], settings, wants_exact) == says


@pytest.mark.parametrize("wants_exact", [False, True])
def test_what_is_learned_of_subsets_is_said_only_of_subsets(
    catalog: Catalog, wants_exact: bool
) -> None:
    flux = "black-forest-labs/flux.2-pro"
    words = explain(catalog, flux, ["image", "text"], Settings(), wants_exact)
    assert "PROXY_EXACT_MODALITIES_SECONDS" not in words
    assert "set to ['image']" in words


@pytest.mark.parametrize(("model", "modalities", "says"), FULL)
def test_explain_in_full(
    catalog: Catalog, model: str, modalities: list[str] | None, says: str
) -> None:
    assert explain(catalog, model, modalities, Settings()) == says


def test_a_model_that_lists_no_outputs_outputs_nothing() -> None:
    silent = Catalog((Model("a/silent", ()),))
    words = explain(silent, "a/silent", ["image"], Settings())
    assert words.startswith("a/silent is a/silent in the catalog; it outputs nothing.\n")
