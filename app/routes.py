"""The HTTP routes: thin handlers around the policy, the catalog and the upstream client.

Every `/v1` route is also served under `/api/v1`, so a client configured with OpenRouter's base URL
only changes the host.
"""

import logging
from dataclasses import dataclass
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from app.errors import ProxyError
from app.modalities import MISSING, Action, Decision, decide
from app.refresher import CatalogRefresher
from app.settings import Settings
from app.upstream import Upstream, upstream_path

logger = logging.getLogger(__name__)

API_PREFIXES = ("/v1", "/api/v1")
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"]


@dataclass(frozen=True)
class Services:
    """What the handlers need; built and owned by the app's lifespan."""

    settings: Settings
    upstream: Upstream
    catalog: CatalogRefresher


def get_services(request: Request) -> Services:
    services: Services = request.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]

api = APIRouter()
probes = APIRouter()


@api.post("/chat/completions")
async def chat_completions(request: Request, services: ServicesDep) -> Response:
    """Forward a chat request with `modalities` fixed for its model (see `app.modalities`)."""
    body = await request.body()
    try:
        payload = parse_json_object(body)
        model_id = _model_id(payload)
    except ProxyError as bad_request:
        return bad_request.response({"X-Modalities": "none"})
    model = await services.catalog.find(model_id) if model_id else None
    requested = payload.get("modalities", MISSING)
    decision = decide(
        requested,
        model_id or "",
        model.output_modalities if model else None,
        services.settings.proxy_on_unsupported,
    )
    sent = decision.header(field_present=requested is not MISSING)
    logger.info("chat model=%s decision=%s sent=%s", model_id, decision.action, sent)
    if decision.action in (Action.INVALID, Action.REJECT):
        refusal = ProxyError(400, decision.reason, f"modalities_{decision.action}")
        return refusal.response({"X-Modalities": sent})
    content = body if decision.action is Action.UNCHANGED else _rewritten(payload, decision)
    headers = [(b"x-modalities", sent.encode())]
    return await services.upstream.forward(request, b"chat/completions", content, headers)


def parse_json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; ProxyError (400) for anything else (bad JSON, not UTF-8, empty,
    an array or a scalar)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ProxyError(
            400, f"The request body is not valid JSON: {error}", "invalid_json"
        ) from None
    if not isinstance(payload, dict):
        raise ProxyError(400, "The request body must be a JSON object", "invalid_json")
    return payload


def _model_id(payload: dict[str, Any]) -> str | None:
    model_id = payload.get("model")
    if model_id is not None and not isinstance(model_id, str):
        raise ProxyError(400, "`model` must be a string", "invalid_model")
    return model_id


def _rewritten(payload: dict[str, Any], decision: Decision) -> bytes:
    if decision.action is Action.REWRITE:
        payload["modalities"] = list(decision.modalities)
    else:
        payload.pop("modalities", None)
    return orjson.dumps(payload)


@api.get("/models")
async def list_models(request: Request, services: ServicesDep) -> Response:
    """The merged catalog (image-only models included) in OpenRouter's shape. A query with
    parameters, or one before the first catalog load, goes upstream as it is."""
    catalog = services.catalog.current
    if request.url.query or catalog is None:
        return await forward_as_is(request, services)
    return Response(catalog.listing, media_type="application/json")


@api.api_route("/{path:path}", methods=ALL_METHODS)
async def forward_as_is(request: Request, services: ServicesDep) -> Response:
    """Any other `/v1/{path}`: forwarded to `{base}/{path}` unchanged."""
    return await services.upstream.forward(
        request, _path_after_prefix(request), await request.body()
    )


def _path_after_prefix(request: Request) -> bytes:
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    prefix = b"/api/v1/" if raw_path.startswith(b"/api/v1/") else b"/v1/"
    return upstream_path(raw_path, prefix)


@probes.get("/healthz")
async def healthz() -> Response:
    """Alive: the process answers."""
    return JSONResponse({"status": "ok"})


@probes.get("/readyz")
async def readyz(services: ServicesDep) -> Response:
    """Ready once a catalog is loaded (503 before): until then no `modalities` can be fixed."""
    catalog = services.catalog.current
    if catalog is None:
        return JSONResponse({"status": "loading catalog"}, status_code=503)
    return JSONResponse({"status": "ok", "models": len(catalog.models)})
