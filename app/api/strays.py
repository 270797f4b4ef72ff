"""Requests that look for one of the proxy's own routes but miss it: another method, another
case, a trailing slash. The catch-all route would forward them raw, past the policy; they are
refused instead (405 with `Allow`, or 404 naming the route's spelling)."""

from starlette.requests import Request
from starlette.routing import Route

from app.errors import ClientError

CATCH_ALL = "/{path:path}"


def refuse_strays(request: Request) -> None:
    """Raise ClientError when `request`'s path is one of the proxy's routes but for its method
    (405), or for its case or a trailing slash (404)."""
    path: str = request.scope["path"]
    normalized = path.rstrip("/").lower()
    for route in request.scope["router"].routes:
        if not isinstance(route, Route) or route.path.endswith(CATCH_ALL):
            continue
        if route.path_regex.match(path):
            allowed = ", ".join(sorted(route.methods or ()))
            message = f"{path} takes {allowed}, not {request.method}"
            error = ClientError(message, "method_not_allowed", 405)
            raise error.with_headers([(b"allow", allowed.encode())])
        if route.path_regex.match(normalized):
            message = f"No route {path}; the proxy's is spelled {route.path}"
            raise ClientError(message, "not_found", 404)
