"""The route table's exact-path index agrees with Starlette's route-by-route search."""

import pytest
from starlette.routing import Match, Route

from app.api.routes import ApiEndpoint, ExactPaths, routes


def scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "path_params": {}}


def first_full_match(method: str, path: str) -> Route:
    """What Starlette's router finds without the index: the first route that matches in full."""
    plain = [route for route in routes() if isinstance(route, Route)]
    return next(route for route in plain if route.matches(scope(method, path))[0] is Match.FULL)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/chat/completions"),
        ("POST", "/api/v1/chat/completions"),
        ("POST", "/v1/responses"),
        ("GET", "/v1/models"),
        ("HEAD", "/v1/models"),
        ("POST", "/v1/videos"),
        ("GET", "/v1/videos"),
        ("POST", "/api/v1/videos"),
        ("POST", "/v1/images/edits"),
        ("POST", "/v1/embeddings"),
    ],
)
def test_an_exact_path_finds_the_route_the_search_finds(method: str, path: str) -> None:
    index = routes()[0]
    assert isinstance(index, ExactPaths)
    match, child_scope = index.matches(scope(method, path))
    assert match is Match.FULL
    found = child_scope["route"]
    expected = first_full_match(method, path)
    assert (found.path, found.methods) == (expected.path, expected.methods)
    assert isinstance(found.endpoint, ApiEndpoint)
    assert found.endpoint == expected.endpoint


@pytest.mark.parametrize(
    ("method", "path", "left_to"),
    [
        ("GET", "/v1/chat/completions", "/v1/{path:path}"),  # another method: a stray
        ("POST", "/v1/chat/completions/", "/v1/{path:path}"),  # a trailing slash
        ("GET", "/v1/videos/video_1", "/v1/videos/{video_id}"),  # a parameter
        ("GET", "/v1/models/openai/gpt-4o", "/v1/models/{author}/{slug}"),
        ("GET", "/v1/credits", "/v1/{path:path}"),  # forwarded as it is
    ],
)
def test_what_the_index_does_not_take_is_left_to_the_routes_after_it(
    method: str, path: str, left_to: str
) -> None:
    index = routes()[0]
    assert isinstance(index, ExactPaths)
    assert index.matches(scope(method, path)) == (Match.NONE, {})
    assert first_full_match(method, path).path == left_to
