"""The route table: every route of the proxy, each handler named for the metrics and logs and,
in gateway mode, guarded by the client keys.

Plain Starlette routes: FastAPI's layers cost a fifth of the proxy's throughput (bench/README.md,
"Decision record: the stack"). Starlette's router tries its routes one regex at a time, the video
routes before chat's, so the paths without parameters are found first by one dict lookup
(`ExactPaths`; docs/internals.md says what it gains and risks).
Every `/v1` route is also served under `/api/v1`, so a client configured with OpenRouter's base URL
only changes the host.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound, Route
from starlette.types import Receive, Scope, Send

from app.api import guards
from app.api.audio import speech, transcriptions
from app.api.chat import chat_completions, responses
from app.api.embeddings import embeddings
from app.api.forward import forward_as_is
from app.api.images import image_edits, image_generations
from app.api.models import get_model, list_models
from app.api.probes import guarded_metrics, healthz, readyz
from app.api.services import Services
from app.api.video_native import create_native
from app.api.videos import create_video, not_offered, retrieve_video, video_content
from app.ops.labels import USAGE_ROUTES
from app.ops.reservations import Reservations
from app.translate.usage_read import HELD_WINDOWS

API_PREFIXES = ("/v1", "/api/v1")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Routes that take multipart forms (OpenAI's SDK sends a video's reference image as one).
FORMS = frozenset(
    {
        "/images/edits",
        "/audio/transcriptions",
        "/videos",
        "/videos/edits",
        "/videos/extensions",
        "/videos/characters",
    }
)

Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class ApiEndpoint:
    """An ASGI app: `handler`, named `route` in the metrics and logs, for the requests that
    `guards.admit` lets through (a JSON body unless the route takes a `form`); what it reserves
    (`app.ops.reservations`: for a route whose answers carry a usage, first what reading it
    holds, `app.translate.usage_read`) is given back once its answer is done.

    An app rather than a function, so that Starlette calls it as it is: a function would be
    wrapped in an exception handler of Starlette's and a send wrapper, paid on every chunk
    (errors are answered by `app.api.error_answers`)."""

    route: str
    handler: Handler
    form: bool = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        state = scope["state"]  # see `app.api.services`
        state["note"].route = self.route
        services: Services = state["services"]
        json_body = not self.form and request.method in BODY_METHODS
        guards.admit(request, services, json_body)
        async with Reservations(services.pools) as held:
            state["held"] = held
            # What reading its answer's usage holds, taken before upstream is asked: a budget
            # with no room is a 503 before an answer is paid for.
            if self.route in USAGE_ROUTES:
                await held.memory(HELD_WINDOWS * services.caps.usage)
            response = await self.handler(request)
            await response(scope, receive, send)


class ExactPaths(BaseRoute):
    """The routes of `routes` without path parameters, found by their path in one dict lookup;
    a path it does not take in full (another method, a parameter) is left to the routes that
    follow it in the router, which hold all of them again."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_path: dict[str, list[Route]] = defaultdict(list)
        for route in routes:
            if not route.param_convertors:
                self._by_path[route.path].append(route)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        for route in self._by_path.get(scope["path"], ()):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                return match, {**child_scope, "route": route}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: Route = scope["route"]
        await route.handle(scope, receive, send)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # the routes that follow it name them


# OpenAI's Videos API at /v1; OpenRouter's own, of another shape, at /api/v1 (its polling and
# content go through the catch-all route).
VIDEO_ROUTES: dict[str, tuple[tuple[str, str, Handler, list[str]], ...]] = {
    "/v1": (
        ("/videos", "videos", create_video, ["POST"]),
        ("/videos", "videos", not_offered("list"), ["GET"]),
        ("/videos/models", "forward", forward_as_is, ["GET"]),
        ("/videos/edits", "videos", not_offered("edits"), ["POST"]),
        ("/videos/extensions", "videos", not_offered("extensions"), ["POST"]),
        ("/videos/characters", "videos", not_offered("characters"), ["POST"]),
        ("/videos/characters/{character_id}", "videos", not_offered("characters"), ["GET"]),
        ("/videos/{video_id}", "videos", retrieve_video, ["GET"]),
        ("/videos/{video_id}", "videos", not_offered("delete"), ["DELETE"]),
        ("/videos/{video_id}/content", "videos", video_content, ["GET"]),
        ("/videos/{video_id}/remix", "videos", not_offered("remix"), ["POST"]),
    ),
    "/api/v1": (("/videos", "videos", create_native, ["POST"]),),
}


def routes() -> list[BaseRoute]:
    """Return every route of the proxy, in matching order."""
    api = [
        Route(f"{prefix}{path}", ApiEndpoint(name, handler, path in FORMS), methods=methods)
        for prefix in API_PREFIXES
        for path, name, handler, methods in (
            *VIDEO_ROUTES[prefix],
            ("/chat/completions", "chat", chat_completions, ["POST"]),
            ("/responses", "responses", responses, ["POST"]),
            ("/models", "models", list_models, ["GET"]),
            ("/models/{author}/{slug}", "model", get_model, ["GET"]),
            ("/images/generations", "images", image_generations, ["POST"]),
            ("/images/edits", "images", image_edits, ["POST"]),
            ("/audio/speech", "speech", speech, ["POST"]),
            ("/audio/transcriptions", "transcriptions", transcriptions, ["POST"]),
            ("/embeddings", "embeddings", embeddings, ["POST"]),
            ("/{path:path}", "forward", forward_as_is, ALL_METHODS),
        )
    ]
    metrics_route = Route("/metrics", guarded_metrics)
    probes = [Route("/healthz", healthz), Route("/readyz", readyz), metrics_route]
    return [ExactPaths(api), *api, *probes]
