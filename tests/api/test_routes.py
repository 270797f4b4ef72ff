"""The route table's exact-path index agrees with Starlette's route-by-route search; an endpoint
holds what reading its answer's usage takes before its handler runs."""

from typing import cast

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Message

from app.api.routes import ApiEndpoint, ExactPaths, routes
from app.api.services import Services
from app.errors import Busy
from app.ops.metrics import Note
from app.ops.reservations import Reservations, pools_of
from app.settings import Settings
from app.upstream.caps import Caps


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


WINDOW = 16 * 1024  # PROXY_MAX_USAGE_READ_BYTES' default


def endpoint_services(memory: int) -> Services:
    settings = Settings(proxy_memory_budget_bytes=memory, proxy_budget_wait_seconds=0.05)
    pools = pools_of(memory, 1024 * 1024, settings.proxy_budget_wait_seconds)
    fields = {
        "pools": pools,
        "caps": Caps.of(settings),
        "cors_origins": frozenset(),
        "client_keys": (),
    }
    return cast(Services, type("FakeServices", (), fields))


async def serve(route: str, services: Services, free: list[int]) -> None:
    """Serve a POST to `route`'s endpoint, noting in `free` the memory free when its handler ran."""

    async def handler(request: Request) -> Response:
        free.append(services.pools.memory.free)
        return Response(b"{}")

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass  # the answer is not what these tests look at

    state = {"services": services, "note": Note("r")}
    request = {"type": "http", "method": "POST", "headers": [], "state": state}
    await ApiEndpoint(route, handler)(request, receive, send)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("route", "held"), [("chat", 2 * WINDOW), ("speech", 2 * WINDOW), ("models", 0)]
)
async def test_a_route_with_usage_holds_what_reading_it_takes_before_its_handler_runs(
    route: str, held: int
) -> None:
    memory = 4 * 1024 * 1024
    services, free = endpoint_services(memory), list[int]()
    await serve(route, services, free)
    assert free == [memory - held]
    assert services.pools.memory.free == memory  # all given back once the answer is done


@pytest.mark.anyio
async def test_no_room_for_it_is_a_503_before_the_handler_asks_upstream() -> None:
    services = endpoint_services(1024 * 1024)
    held = Reservations(services.pools)
    await held.memory(1024 * 1024)  # another request holds the whole budget
    free: list[int] = []
    with pytest.raises(Busy) as busy:
        await serve("chat", services, free)
    assert busy.value.code == "memory_budget_full"
    assert free == []  # the handler, which would ask upstream, never ran
