"""Catalog records, page parsing, merging and lookup: hand-made entries and the real snapshots."""

from typing import Any

import orjson
import pytest

from app.catalog.records import (
    Catalog,
    CatalogError,
    Model,
    listing_of,
    merge_into,
    parse_model_answer,
    parse_page,
)
from tests.data import DATA_DIR


def entry(model_id: str, outputs: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": model_id, "architecture": {"output_modalities": outputs}, **extra}


def page(*entries: dict[str, Any], next_url: str | None = None) -> bytes:
    return orjson.dumps({"data": list(entries), "total_count": 1, "links": {"next": next_url}})


def snapshot(name: str) -> Catalog:
    return Catalog(tuple(parse_page((DATA_DIR / name).read_bytes()).models))


def test_parse_page_keeps_what_the_proxy_needs_and_the_entry_itself() -> None:
    raw = entry("a/b", ["image"], canonical_slug="a/b-2026", name="B")
    parsed = parse_page(page(raw, next_url="https://x/models?offset=1"))
    assert parsed.next_url == "https://x/models?offset=1"
    [model] = parsed.models
    assert (model.id, model.output_modalities, model.canonical_slug) == (
        "a/b",
        ("image",),
        "a/b-2026",
    )
    assert orjson.loads(model.raw) == raw


def test_parse_page_reads_the_fields_filters_and_aliases_use() -> None:
    raw = entry(
        "~a/b-latest",
        ["text"],
        name="A: B",
        alias_target={"name": "A: B 2", "slug": "a/b-2"},
        supported_parameters=["tools", 7, "seed"],
        supported_voices=["alloy", None, "echo"],
    )
    raw["architecture"]["input_modalities"] = ["text", "image", None]
    [model] = parse_page(page(raw)).models
    assert model.name == "A: B"
    assert model.alias_of == "a/b-2"
    assert model.input_modalities == ("text", "image")
    assert model.supported_parameters == frozenset({"tools", "seed"})
    assert model.supported_voices == ("alloy", "echo")


@pytest.mark.parametrize(
    "odd",
    [
        {"name": 7, "canonical_slug": 7, "alias_target": {"slug": 7}},
        {"name": "", "canonical_slug": "", "alias_target": {"slug": ""}},
        {"alias_target": "a/b-2"},
    ],
)
def test_parse_page_reads_odd_names_and_slugs_as_absent(odd: dict[str, Any]) -> None:
    [model] = parse_page(page(entry("a/b", ["text"], **odd))).models
    assert (model.name, model.canonical_slug, model.alias_of) == ("", None, None)


def test_an_alias_in_the_catalog_json_resolves_to_its_target() -> None:
    catalog = snapshot("models-all-2026-08-19.json")
    alias = catalog.lookup("~x-ai/grok-latest")
    assert alias is not None
    assert alias.id == "x-ai/grok-4.6"


@pytest.mark.parametrize("wrapped", [True, False])
def test_a_model_answer_is_read_with_or_without_its_data_wrapper(wrapped: bool) -> None:
    raw = entry("a/b", ["image"])
    model = parse_model_answer(orjson.dumps({"data": raw} if wrapped else raw))
    assert model is not None
    assert (model.id, model.output_modalities) == ("a/b", ("image",))


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"data": "a/b"}'])
def test_a_model_answer_of_another_shape_is_none(body: bytes) -> None:
    assert parse_model_answer(body) is None


def test_a_record_made_by_hand_lists_as_an_empty_entry() -> None:
    made = Model("a/b", ("text",))
    assert (made.name, made.raw) == ("", b"{}")
    assert orjson.loads(listing_of([made]))["data"] == [{}]


def test_with_model_adds_or_replaces_the_record_of_that_id() -> None:
    catalog = Catalog((Model("a/x", ("text",)), Model("a/y", ("text",))), 5.0, "snapshot")
    updated = catalog.with_model(Model("a/x", ("image",))).with_model(Model("a/z", ("text",)))
    assert [(m.id, m.output_modalities) for m in updated.models] == [
        ("a/y", ("text",)),
        ("a/x", ("image",)),
        ("a/z", ("text",)),
    ]
    assert (updated.loaded_at, updated.source) == (5.0, "snapshot")
    assert Catalog(()).source == "live"


@pytest.mark.parametrize(
    "bad_entry",
    [
        "not an object",
        {"name": "no id"},
        {"id": 42},
    ],
)
def test_parse_page_skips_entries_without_an_id(bad_entry: object) -> None:
    parsed = parse_page(orjson.dumps({"data": [bad_entry, entry("a/b", ["text"])]}))
    assert [m.id for m in parsed.models] == ["a/b"]


@pytest.mark.parametrize(
    ("architecture", "outputs"),
    [
        ({"output_modalities": ["text", "decisions", 7]}, ("text", "decisions")),
        ({"output_modalities": "text"}, ()),
        ("text->text", ()),
        (None, ()),
    ],
)
def test_parse_page_tolerates_odd_architectures(architecture: object, outputs: tuple[str]) -> None:
    [model] = parse_page(
        orjson.dumps({"data": [{"id": "a/b", "architecture": architecture}]})
    ).models
    assert model.output_modalities == outputs


@pytest.mark.parametrize("body", [b"", b"<html>", b"[]", b'{"data": {}}', b'{"models": []}'])
def test_parse_page_rejects_what_is_not_a_listing(body: bytes) -> None:
    with pytest.raises(CatalogError):
        parse_page(body)


@pytest.mark.parametrize("body", [b"[]", b'{"data": {}}'])
def test_a_listing_without_data_says_so(body: bytes) -> None:
    with pytest.raises(CatalogError, match=r'^models page has no "data" list$'):
        parse_page(body)


def test_merge_is_the_union_in_first_seen_order_first_record_winning() -> None:
    merged: dict[str, Model] = {}
    merge_into(merged, [Model("a/x", ("text",)), Model("a/y", ("text",))])
    merge_into(merged, [Model("a/y", ("image",)), Model("a/z", ("image",))])
    assert [(m.id, m.output_modalities) for m in merged.values()] == [
        ("a/x", ("text",)),
        ("a/y", ("text",)),
        ("a/z", ("image",)),
    ]


def test_lookup_by_id_alias_canonical_slug_and_variant() -> None:
    catalog = Catalog(
        (
            Model("x-ai/grok-4.6", ("text",), canonical_slug="x-ai/grok-4.6-20260801"),
            Model("~x-ai/grok-latest", ("text", "image"), alias_of="x-ai/grok-4.6"),
            Model("~x-ai/orphan-latest", ("text",), alias_of="x-ai/missing"),
            Model("google/g:batch", ("text",)),
        )
    )
    assert catalog.lookup("x-ai/grok-4.6") is catalog.models[0]
    assert catalog.lookup("~x-ai/grok-latest") is catalog.models[0]
    assert catalog.lookup("~x-ai/orphan-latest") is catalog.models[2]
    assert catalog.lookup("x-ai/grok-4.6-20260801") is catalog.models[0]
    assert catalog.lookup("x-ai/grok-4.6:nitro") is catalog.models[0]
    assert catalog.lookup("x-ai/grok-4.6-20260801:free") is catalog.models[0]
    assert catalog.lookup("google/g:batch") is catalog.models[3]
    assert catalog.lookup("google/g") is None
    assert catalog.lookup("nobody/nothing:free") is None


def test_exact_ids_win_over_canonical_slugs() -> None:
    catalog = Catalog(
        (Model("a/new", ("text",), canonical_slug="a/old"), Model("a/old", ("image",)))
    )
    assert catalog.lookup("a/old") is catalog.models[1]


def test_listing_is_openrouters_shape_with_every_entry_as_sent() -> None:
    catalog = snapshot("models-all-2026-08-19.json")
    listing = orjson.loads(catalog.listing)
    original = orjson.loads((DATA_DIR / "models-all-2026-08-19.json").read_bytes())
    assert listing == {"data": original["data"], "total_count": 549, "links": {"next": None}}


def test_real_snapshot_knows_the_models_that_started_this_project() -> None:
    catalog = snapshot("models-all-2026-08-19.json")
    flux = catalog.lookup("black-forest-labs/flux.2-pro")
    gemini = catalog.lookup("google/gemini-2.5-flash-image")
    assert flux is not None
    assert flux.output_modalities == ("image",)
    assert gemini is not None
    assert gemini.output_modalities == ("image", "text")
    assert {"text", "image", "audio", "embeddings", "video"} <= catalog.output_modalities_seen()


def test_default_snapshot_hides_image_only_models() -> None:
    default = snapshot("models-default-2026-08-19.json")
    assert len(default.models) == 414
    assert default.lookup("black-forest-labs/flux.2-pro") is None
    union = {model.id: model for model in default.models}
    merge_into(union, snapshot("models-image-2026-08-19.DERIVED.json").models)
    assert Catalog(tuple(union.values())).lookup("black-forest-labs/flux.2-pro") is not None
