"""The app factory. Run with `uvicorn --factory app.main:create_app` or the `modality-proxy` CLI."""

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx2
from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

from app.errors import ProxyError, error_response
from app.refresher import CatalogRefresher
from app.routes import API_PREFIXES, Services, api, probes
from app.settings import Settings
from app.upstream import Upstream, create_client

logger = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, transport: httpx2.AsyncBaseTransport | None = None
) -> FastAPI:
    """Build the proxy. Settings default to the environment's; `transport` replaces the network
    for unit tests. Resources (the HTTP client, the catalog refresher) live in the lifespan."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        async with contextlib.AsyncExitStack() as stack:
            client = await stack.enter_async_context(create_client(settings, transport))
            refresher = CatalogRefresher(client, settings)
            refresher.start()
            stack.push_async_callback(refresher.aclose)
            yield {"services": Services(settings, Upstream(client, settings), refresher)}

    app = FastAPI(
        title="modality-proxy", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None
    )
    for prefix in API_PREFIXES:
        app.include_router(api, prefix=prefix)
    app.include_router(probes)
    app.add_exception_handler(ProxyError, _proxy_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    return app


async def _proxy_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, ProxyError)
    return error.response()


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return error_response(
        error.status_code,
        str(error.detail),
        "not_found" if error.status_code == 404 else "http_error",
    )


async def _unexpected_error(request: Request, error: Exception) -> Response:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(
        500, "The proxy failed unexpectedly; see its logs", "internal_error", "server_error"
    )
