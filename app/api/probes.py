"""The probes: alive (`/healthz`), ready (`/readyz`: a catalog young enough), and the
Prometheus metrics (`/metrics`)."""

import time

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app.api import guards
from app.api.services import services_of


async def healthz(request: Request) -> Response:
    """Alive: the process answers."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Answer whether the proxy is ready: 200 while a catalog is loaded (from OpenRouter or a
    snapshot) and younger than `proxy_catalog_max_age_seconds`, else 503."""
    services = services_of(request)
    catalog = services.refresher.current
    if catalog is None:
        return JSONResponse({"status": "loading catalog"}, status_code=503)
    age = time.time() - catalog.loaded_at
    too_old = age > services.settings.proxy_catalog_max_age_seconds
    body = {
        "status": "catalog too old" if too_old else "ok",
        "models": len(catalog.models),
        "source": catalog.source,
        "age_seconds": round(age, 1),
    }
    return JSONResponse(body, status_code=503 if too_old else 200)


async def metrics(request: Request) -> Response:
    """Answer the process's Prometheus metrics."""
    return Response(services_of(request).metrics.render(), media_type=CONTENT_TYPE_LATEST)


async def guarded_metrics(request: Request) -> Response:
    """Answer the metrics; in gateway mode, to a client key only (they name models and
    volumes), unless PROXY_PUBLIC_METRICS says otherwise."""
    services = services_of(request)
    if not services.settings.proxy_public_metrics:
        guards.admit(request, services)
    return await metrics(request)
