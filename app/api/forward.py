"""Forward any other `/v1/{path}` to the same path under the upstream API root, unchanged."""

from starlette.requests import Request
from starlette.responses import Response

from app.api import guards, strays
from app.api.bodies import read_body
from app.api.outgoing import Outgoing
from app.api.services import exchange_for, services_of
from app.errors import ClientError
from app.upstream.client import upstream_path


async def forward_as_is(request: Request) -> Response:
    """Forward any other `/v1/{path}` to `{base}/{path}` unchanged.

    Refused when it is one of the proxy's own routes spelled otherwise or asked with another
    method (404, 405: never past the policy), or when gateway mode does not forward it (404). A
    route of the proxy's own that forwards (`GET /v1/models` before the catalog loads) is
    forwarded in gateway mode too."""
    services = services_of(request)
    own_route = strays.refuse_strays(request)
    path = _path_after_prefix(request)
    if not own_route and not guards.may_forward(services, request.method, path.decode("latin-1")):
        message = "Gateway mode does not forward this route; see PROXY_GATEWAY_FORWARDS"
        raise ClientError(message, "not_found", 404)
    body = await read_body(request, services.settings.proxy_max_body_bytes)
    return exchange_for(request).forward(Outgoing(path, body, []))


def _path_after_prefix(request: Request) -> bytes:
    """The raw path after the route's prefix; 400 when the prefix itself was percent-encoded
    (`/%61pi/v1/`), which would cut the raw path in the wrong place."""
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    prefix = b"/api/v1/" if request.scope["path"].startswith("/api/v1/") else b"/v1/"
    if not raw_path.startswith(prefix):
        raise ClientError("The request path's prefix must not be percent-encoded", "invalid_path")
    return upstream_path(raw_path, prefix)
