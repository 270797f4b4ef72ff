"""Requests that look for one of the proxy's own routes but miss it: another method, another
case, a trailing slash. The catch-all route would forward them raw, past the policy; they are
refused instead (405 with `Allow`, or 404 naming the route's spelling)."""

from starlette.requests import Request
from starlette.routing import Match, Route

from app.errors import ClientError

CATCH_ALL = "/{path:path}"


def refuse_strays(request: Request) -> bool:
    """Raise ClientError when `request`'s path is one of the proxy's routes but for its method
    (405), or for its case or a trailing slash (404); True when a route of its own takes it
    (one that forwards, as `GET /v1/videos/models` does), else False."""
    path: str = request.scope["path"]
    own = [
        route
        for route in request.scope["router"].routes
        if isinstance(route, Route) and not route.path.endswith(CATCH_ALL)
    ]
    if any(route.matches(request.scope)[0] is Match.FULL for route in own):
        return True
    allowed = sorted(
        {m for route in own if route.path_regex.match(path) for m in route.methods or ()}
    )
    if allowed:
        message = f"{path} takes {', '.join(allowed)}, not {request.method}"
        error = ClientError(message, "method_not_allowed", 405)
        raise error.with_headers([(b"allow", ", ".join(allowed).encode())])
    normalized = path.rstrip("/").lower()
    for route in own:
        if route.path_regex.match(normalized):
            message = f"No route {path}; the proxy's is spelled {route.path}"
            raise ClientError(message, "not_found", 404)
    return False
