"""The HTTP routes: thin handlers around the policy, the catalog and the upstream client.

Plain Starlette routes: FastAPI's layers cost 60% of the proxy's throughput (bench/README.md).
Every `/v1` route is also served under `/api/v1`, so a client configured with OpenRouter's base URL
only changes the host.
"""

import hmac
import time
from collections.abc import Awaitable, Callable

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.api.audio import speech, transcriptions
from app.api.bodies import read_body
from app.api.chat import chat_completions, responses
from app.api.embeddings import embeddings
from app.api.exchange import Outgoing
from app.api.images import image_edits, image_generations
from app.api.services import exchange_for, services
from app.api.video_native import create_native
from app.api.videos import create_video, not_offered, retrieve_video, video_content
from app.catalog.filters import ModelFilter
from app.catalog.records import listing_of
from app.errors import AuthError, ClientError, NotReady
from app.upstream.client import upstream_path

API_PREFIXES = ("/v1", "/api/v1")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


async def list_models(request: Request) -> Response:
    """The merged catalog (image-only models included) in OpenRouter's shape, filtered by the
    query (see `app.catalog.filters`). Before the first catalog load, upstream answers."""
    catalog = services(request).catalog.current
    if catalog is None:
        return await forward_as_is(request)
    if not request.query_params:
        return Response(catalog.listing, media_type="application/json")
    try:
        wanted = ModelFilter.from_query(request.query_params)
    except ValueError as error:
        raise ClientError(str(error), "invalid_filter") from None
    found = [model for model in catalog.models if wanted.accepts(model)]
    return Response(listing_of(found), media_type="application/json")


async def get_model(request: Request) -> Response:
    """One model, as OpenRouter lists it; `:variant` suffixes and `~` aliases resolve as they do
    for chat. 404 for a model the catalog does not have, 503 before the first catalog load."""
    model_id = f"{request.path_params['author']}/{request.path_params['slug']}"
    catalog = services(request).catalog
    if catalog.current is None:
        message = "The model catalog is still loading; try again in a few seconds"
        raise NotReady(message, "catalog_loading")
    model = await catalog.find(model_id)
    if model is None:
        message = f"No model {model_id!r}; search with GET /v1/models?q=..."
        raise ClientError(message, "model_not_found", 404)
    return Response(model.raw, media_type="application/json")


async def forward_as_is(request: Request) -> Response:
    """Any other `/v1/{path}`: forwarded to `{base}/{path}` unchanged."""
    body = await read_body(request, services(request).settings.proxy_max_body_bytes)
    return exchange_for(request).forward(Outgoing(_path_after_prefix(request), body, []))


def _path_after_prefix(request: Request) -> bytes:
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    prefix = b"/api/v1/" if raw_path.startswith(b"/api/v1/") else b"/v1/"
    return upstream_path(raw_path, prefix)


async def healthz(request: Request) -> Response:
    """Alive: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready while a catalog is loaded (from OpenRouter or a snapshot) and younger than
    `proxy_catalog_max_age_seconds`: 503 before the first load and once it is too old."""
    proxy = services(request)
    catalog = proxy.catalog.current
    if catalog is None:
        return JSONResponse({"status": "loading catalog"}, status_code=503)
    age = time.time() - catalog.loaded_at
    too_old = age > proxy.settings.proxy_catalog_max_age_seconds
    body = {
        "status": "catalog too old" if too_old else "ok",
        "models": len(catalog.models),
        "source": catalog.source,
        "age_seconds": round(age, 1),
    }
    return JSONResponse(body, status_code=503 if too_old else 200)


async def metrics(request: Request) -> Response:
    """The process's Prometheus metrics."""
    return Response(services(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


Endpoint = Callable[[Request], Awaitable[Response]]


def api_endpoint(route: str, endpoint: Endpoint) -> Endpoint:
    """`endpoint`, named `route` in the metrics and logs; in gateway mode it answers only
    requests bearing one of the client keys (401 in OpenAI format otherwise), compared in a
    time that does not depend on the key presented."""

    async def guarded(request: Request) -> Response:
        request.state.note.route = route
        keys = services(request).client_keys
        if keys and not _bears_one_of(request, keys):
            message = "A valid API key for this proxy is required: Authorization: Bearer <key>"
            raise AuthError(message)
        return await endpoint(request)

    return guarded


def _bears_one_of(request: Request, keys: tuple[bytes, ...]) -> bool:
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    token = presented.strip().encode()
    matches = [hmac.compare_digest(token, key) for key in keys]  # no early exit: constant time
    return scheme.lower() == "bearer" and any(matches)


# OpenAI's Videos API at /v1; OpenRouter's own, of another shape, at /api/v1 (its polling and
# content go through the catch-all route).
VIDEO_ROUTES: dict[str, tuple[tuple[str, str, Endpoint, list[str]], ...]] = {
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
    """Every route of the proxy, in matching order."""
    api = [
        Route(f"{prefix}{path}", api_endpoint(name, endpoint), methods=methods)
        for prefix in API_PREFIXES
        for path, name, endpoint, methods in (
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
    probes = [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics)]
    return [*api, *probes]
