"""Requests that look for one of the proxy's own routes but miss it: another method, another
case, a trailing slash. The catch-all route would forward them raw, past the policy; they are
refused instead (405 with `Allow`, or 404 naming the route's spelling)."""

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.errors import ProxyError

CATCH_ALL = "/{path:path}"


class MethodNotAllowed(ProxyError):
    """A 405, whose answer names the methods `allowed` (RFC 9110 15.5.6)."""

    def __init__(self, message: str, allowed: str) -> None:
        super().__init__(405, message, "method_not_allowed")
        self.allowed = allowed

    def response(self, headers: Mapping[str, str] | None = None) -> Response:
        return super().response({**(headers or {}), "Allow": self.allowed})


def refuse_strays(request: Request) -> None:
    """Raise ProxyError when `request`'s path is one of the proxy's routes but for its method
    (405), or for its case or a trailing slash (404)."""
    path: str = request.scope["path"]
    normalized = path.rstrip("/").lower()
    for route in request.scope["router"].routes:
        if not isinstance(route, Route) or route.path.endswith(CATCH_ALL):
            continue
        if route.path_regex.match(path):
            allowed = ", ".join(sorted(route.methods or ()))
            message = f"{path} takes {allowed}, not {request.method}"
            raise MethodNotAllowed(message, allowed)
        if route.path_regex.match(normalized):
            message = f"No route {path}; the proxy's is spelled {route.path}"
            raise ProxyError(404, message, "not_found")
