"""Who may use a route, checked before its handler runs: the proxy spends its own key for
clients that send none (relay mode) or that bear a client key (gateway mode), so no request a
web page could make may reach it unasked.

- A request with an `Origin` header comes from a browser: refused (403) unless
  `PROXY_CORS_ORIGINS` names that origin. The proxy serves no pages, so no origin is its own.
- A JSON route takes JSON (`application/json`, `*/*+json`) or no `Content-Type`: `text/plain`,
  forms and multipart, which a page may send without a CORS preflight, are refused (415).
- Gateway mode: one of the client keys (401), compared in constant time; the catch-all route
  forwards only `PROXY_GATEWAY_FORWARDS` (404), never `/key`, `/credits` or `/generation`.
"""

import hmac

from starlette.requests import Request

from app.api.services import Services
from app.errors import AuthError, ClientError


def admit(request: Request, services: Services, json_body: bool = False) -> None:
    """Raise ClientError unless `request` may be served (see the module's docstring)."""
    # The first header of each name, as `request.headers.get` finds it, in one dict made in C:
    # `headers.get` raises and catches a KeyError for each header absent (`Origin`, mostly).
    headers = dict(reversed(request.scope["headers"]))
    origin = headers.get(b"origin")
    if origin is not None and origin.decode("latin-1") not in services.cors_origins:
        message = "Requests from web pages are refused; allow an origin with PROXY_CORS_ORIGINS"
        raise ClientError(message, "origin_not_allowed", 403)
    if services.client_keys and not bears_one_of(request, services.client_keys):
        message = "A valid API key for this proxy is required: Authorization: Bearer <key>"
        raise AuthError(message)
    content_type = headers.get(b"content-type")
    if json_body and not is_json(None if content_type is None else content_type.decode("latin-1")):
        message = "This route takes JSON: send Content-Type: application/json"
        raise ClientError(message, "unsupported_media_type", 415)


def bears_one_of(request: Request, keys: tuple[bytes, ...]) -> bool:
    """Whether `request` has `Authorization: Bearer <one of keys>`, in a time that does not
    depend on which key, or how much of one, it presents."""
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    token = presented.strip().encode()
    matches = [hmac.compare_digest(token, key) for key in keys]  # no early exit: constant time
    return scheme.lower() == "bearer" and any(matches)


def is_json(content_type: str | None) -> bool:
    """Whether a `Content-Type` is JSON, or absent (as from `curl --data-binary`; a page's
    request without one is refused by its `Origin`)."""
    if content_type is None:
        return True
    media_type = content_type.partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.endswith("+json") and media_type.count("/") == 1
    )


def may_forward(services: Services, method: str, path: str) -> bool:
    """Return whether the catch-all route may forward `method path` (after `/v1/`): anything
    in relay mode, only `PROXY_GATEWAY_FORWARDS` in gateway mode."""
    return not services.client_keys or f"{method} /{path}" in services.gateway_forwards
