"""Any other `/v1/{path}`: forwarded to the same path under the upstream API root, unchanged."""

from starlette.requests import Request
from starlette.responses import Response

from app.api.bodies import read_body
from app.api.exchange import Outgoing
from app.api.services import exchange_for, services
from app.upstream.client import upstream_path


async def forward_as_is(request: Request) -> Response:
    """Any other `/v1/{path}`: forwarded to `{base}/{path}` unchanged."""
    body = await read_body(request, services(request).settings.proxy_max_body_bytes)
    return exchange_for(request).forward(Outgoing(_path_after_prefix(request), body, []))


def _path_after_prefix(request: Request) -> bytes:
    raw_path: bytes = request.scope.get("raw_path") or request.scope["path"].encode()
    prefix = b"/api/v1/" if raw_path.startswith(b"/api/v1/") else b"/v1/"
    return upstream_path(raw_path, prefix)
