"""The app factory. Run with `uvicorn --factory app.main:create_app` or the `modality-proxy` CLI."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from app.api.routes import routes
from app.api.services import Services
from app.catalog.image_models import ImageModels
from app.catalog.refresh import CatalogRefresher
from app.errors import ProxyError, error_response
from app.ops.access_log import AccessLog
from app.ops.metrics import Metrics
from app.ops.observe import Observe
from app.settings import Settings
from app.upstream.client import Upstream
from app.upstream.interface import UpstreamApi

logger = logging.getLogger(__name__)

# How uvicorn runs the proxy. Relayed answers carry upstream's own Date and Server headers, so
# uvicorn adds none of its own.
SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "server_header": False,
    "date_header": False,
    "proxy_headers": False,  # nothing reads the client's address; skip rewriting it
}


def create_app(settings: Settings | None = None, upstream: UpstreamApi | None = None) -> Starlette:
    """Build the proxy; settings default to the environment's. Resources (the upstream
    connection pool, the catalog refresher) live in the lifespan. `upstream` stands in for the
    real client (tests: an in-process fake)."""
    settings = settings or Settings()
    metrics = Metrics()
    access_log = AccessLog() if settings.proxy_log_level in ("DEBUG", "INFO") else None

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
        async with contextlib.AsyncExitStack() as stack:
            client: UpstreamApi
            if upstream is None:
                client = await stack.enter_async_context(Upstream(settings))
            else:
                client = upstream
            refresher = CatalogRefresher(client, settings)
            metrics.catalog.source = refresher
            await refresher.load_snapshot()
            refresher.start()
            stack.push_async_callback(refresher.aclose)
            if access_log is not None:
                stack.push_async_callback(_stopped, asyncio.create_task(access_log.run()))
            image_models = ImageModels(
                client, settings.proxy_catalog_refresh_seconds, settings.proxy_images_only_seconds
            )
            services = Services(
                settings, client, refresher, metrics, image_models, settings.gateway_keys()
            )
            yield {"services": services}

    return Starlette(
        routes=routes(),
        middleware=[
            Middleware(
                Observe,
                metrics=metrics,
                access_log=access_log,
                log_probes=settings.proxy_log_probes,
            )
        ],
        lifespan=lifespan,
        exception_handlers={
            ProxyError: _proxy_error,
            HTTPException: _http_error,
            Exception: _unexpected_error,
        },
    )


async def _stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def _proxy_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ProxyError)
    return error.response()


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    code = "not_found" if error.status_code == 404 else "http_error"
    return error_response(error.status_code, str(error.detail), code)


async def _unexpected_error(request: Request, error: Exception) -> Response:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    message = "The proxy failed unexpectedly; see its logs"
    return error_response(500, message, "internal_error", "server_error")
