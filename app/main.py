"""The app factory. Run with `uvicorn --factory app.main:create_app` or the `modality-proxy` CLI."""

import asyncio
import contextlib
import logging
import os
import resource
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Router
from starlette.types import ASGIApp

from app.api.error_answers import ErrorAnswers
from app.api.routes import routes
from app.api.services import Services
from app.catalog import heap
from app.catalog.image_models import ImageModels
from app.catalog.refresh import CatalogRefresher
from app.ops import limits
from app.ops.access_log import AccessLog
from app.ops.metrics import Metrics
from app.ops.observe import Observe
from app.ops.reservations import background_hold, pools_of
from app.ops.tracing import tracing_of
from app.settings import Settings
from app.upstream.client import Upstream
from app.upstream.interface import UpstreamApi

if TYPE_CHECKING:  # the OpenTelemetry SDK is imported only when tracing is on
    from app.ops.spans import Tracing

logger = logging.getLogger(__name__)

# How uvicorn runs the proxy. Relayed answers carry upstream's own Date and Server headers, so
# uvicorn adds none of its own.
SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": limits.LimitedHttpToolsProtocol,  # httptools, with limits on heads and bodies
    "ws": "none",  # no WebSocket route: an upgrade is an ordinary request
    "server_header": False,
    "date_header": False,
    "proxy_headers": False,  # nothing reads the client's address; skip rewriting it
}


def create_app(settings: Settings | None = None, upstream: UpstreamApi | None = None) -> ASGIApp:
    """Build the proxy; settings default to the environment's. Resources (the upstream
    connection pool, the catalog refresher) live in the lifespan. `upstream` stands in for the
    real client (tests: an in-process fake).

    The app is Starlette's router inside three middlewares, outermost first: `Observe` (request
    ids, metrics, log lines), CORS when origins are allowed, and `ErrorAnswers`. Not Starlette's
    app class, whose own two exception middlewares wrapped every `send` of every answer.
    Traces go by OTLP when the standard OTEL_* variables ask for them (`app.ops.tracing`)."""
    settings = settings or Settings()
    metrics = Metrics()
    access_log = AccessLog() if settings.proxy_log_level in ("DEBUG", "INFO") else None
    tracing = _tracing(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: object) -> AsyncIterator[dict[str, object]]:
        client_keys = _gateway_keys(settings)  # before any resource: it may refuse to start
        logger.info("%s", settings.start_up_line())
        async with contextlib.AsyncExitStack() as stack:
            client: UpstreamApi
            if upstream is None:
                client = await stack.enter_async_context(Upstream(settings))
            else:
                client = upstream
            pools = pools_of(
                settings.proxy_memory_budget_bytes,
                settings.proxy_tmp_budget_bytes,
                settings.proxy_budget_wait_seconds,
            )
            hold = background_hold(pools)
            freezer = stack.enter_context(heap.Freezer(settings.proxy_gc_freeze))
            refresher = CatalogRefresher(client, settings, hold, freezer.catalog_installed)
            metrics.catalog.source = refresher
            await refresher.load_snapshot()
            refresher.start()
            stack.push_async_callback(refresher.aclose)
            if access_log is not None:
                stack.push_async_callback(_stopped, asyncio.create_task(access_log.run()))
            if tracing is not None:  # the spans still waiting exported before the end
                stack.push_async_callback(asyncio.to_thread, tracing.shutdown)
            image_models = ImageModels(
                client,
                settings.proxy_catalog_refresh_seconds,
                settings.proxy_images_only_seconds,
                settings.proxy_unknown_model_refresh_seconds,
                hold,
                settings.proxy_max_catalog_bytes,
            )
            services = Services(
                settings,
                client,
                refresher,
                metrics,
                image_models,
                pools,
                client_keys,
                settings.cors_origins(),
                settings.gateway_forwards(),
            )
            stack.callback(services.deadlines.close)
            yield {"services": services, limits.STATE_KEY: connection_limits(settings, metrics)}

    # A redirect to add a slash would be built from the client's Host header: none, a 404.
    router = Router(routes(), redirect_slashes=False, lifespan=lifespan)
    app = with_cors(ErrorAnswers(router), settings)
    return Observe(app, metrics, access_log, settings.proxy_log_probes, tracing)


def with_cors(app: ASGIApp, settings: Settings) -> ASGIApp:
    """`app` answering CORS for the origins of PROXY_CORS_ORIGINS (preflights answered, headers
    added); `app` itself when it names none: `app.api.guards` refuses every request that has an
    `Origin`."""
    origins = sorted(settings.cors_origins())
    if not origins:
        return app
    exposed = ["X-Modalities", "X-Dropped-Parameters", "X-Served-By", "X-Request-Id"]
    everything = ["*"]
    return CORSMiddleware(
        app,
        allow_origins=origins,
        allow_methods=everything,
        allow_headers=everything,
        expose_headers=exposed,
    )


def _tracing(settings: Settings) -> "Tracing | None":
    try:
        return tracing_of(os.environ, settings.openrouter_base_url)
    except RuntimeError as error:
        logger.critical("not starting: %s", error)
        raise


def _gateway_keys(settings: Settings) -> tuple[bytes, ...]:
    try:
        return settings.gateway_keys()
    except ValueError as error:
        logger.critical("not starting: %s", error)
        raise


def connection_limits(settings: Settings, metrics: Metrics) -> limits.ConnectionLimits:
    """The limits on client connections that the settings set, refusals counted in `metrics`."""
    descriptors, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return limits.ConnectionLimits(
        max_connections=settings.proxy_max_client_connections or max(1, descriptors // 2),
        max_head_bytes=settings.proxy_max_header_bytes,
        head_timeout=settings.proxy_header_timeout_seconds,
        body_timeout=settings.proxy_body_timeout_seconds,
        send_timeout=settings.proxy_send_timeout_seconds,
        count=metrics.refused,
    )


async def _stopped(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
