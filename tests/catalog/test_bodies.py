"""The bodies of a models listing: OpenRouter's shape and OpenAI's `ListModelsResponse`."""

import orjson
import pytest

from app.catalog.bodies import listing, openai_entry, owner


@pytest.mark.parametrize(
    ("model_id", "owned_by"),
    [
        ("black-forest-labs/flux.2-pro", "black-forest-labs"),
        ("google/gemini-2.5-flash-image:free", "google"),
        ("~x-ai/grok-latest", "x-ai"),
        ("openrouter/auto", "openrouter"),
        ("solo", "openrouter"),
        ("/slug", "openrouter"),
    ],
)
def test_the_owner_is_the_author_of_the_id(model_id: str, owned_by: str) -> None:
    assert owner(model_id) == owned_by


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            {"id": "a/b", "created": 1},
            {"id": "a/b", "created": 1, "object": "model", "owned_by": "a"},
        ),
        ({}, {"object": "model", "owned_by": "a"}),
        # Fields of the same name from upstream lose: OpenAI's shape is the promise at /v1.
        ({"id": "a/b", "object": "thing"}, {"id": "a/b", "object": "model", "owned_by": "a"}),
    ],
)
def test_an_openai_entry_adds_object_and_owned_by(
    entry: dict[str, object], expected: dict[str, object]
) -> None:
    assert orjson.loads(openai_entry(orjson.dumps(entry), "a/b")) == expected


@pytest.mark.parametrize(
    ("openai", "expected"),
    [
        (False, {"data": [{"id": "a/b"}], "total_count": 7, "links": {"next": "http://x/?o=1"}}),
        (
            True,
            {
                "object": "list",
                "data": [{"id": "a/b"}],
                "total_count": 7,
                "links": {"next": "http://x/?o=1"},
            },
        ),
    ],
)
def test_a_listing_in_either_shape(openai: bool, expected: dict[str, object]) -> None:
    body = listing([b'{"id":"a/b"}'], 7, "http://x/?o=1", openai=openai)
    assert orjson.loads(body) == expected


def test_an_empty_listing() -> None:
    body = orjson.loads(listing([], 0, None, openai=True))
    assert body == {"object": "list", "data": [], "total_count": 0, "links": {"next": None}}
