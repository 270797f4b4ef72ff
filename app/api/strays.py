"""Requests that look for one of the proxy's own routes but miss it: another method, or another
spelling (case, a trailing slash, repeated slashes, backslashes, dot segments, any of them
percent-encoded). The catch-all route would forward them raw, past the policy; they are refused
instead (405 with `Allow`, or 404 naming the route's spelling). The paths it forwards are
spelled as upstream will route them: no empty or dot segments, no backslashes (400).

Only requests that no route takes come here: the routes' own spellings are found by one dict
lookup or Starlette's search, and never normalized."""

import re

from starlette.requests import Request
from starlette.routing import Match, Route

from app.errors import ClientError

CATCH_ALL = "/{path:path}"
# Where a path is cut into segments: servers and proxies on the way may take a backslash for a
# slash, as browsers do.
SEPARATORS = re.compile(r"[/\\]")


def refuse_strays(request: Request) -> bool:
    """Raise ClientError when `request`'s path is one of the proxy's routes but for its method
    (405), or spelled otherwise (404), or is not spelled as upstream routes it (400); True
    when a route of its own takes it (one that forwards, as `GET /v1/videos/models` does), else
    False."""
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
    resolved = resolved_path(path)
    for route in own:
        if route.path_regex.match(resolved.lower()):
            message = f"No route {path}; the proxy's is spelled {route.path}"
            raise ClientError(message, "not_found", 404)
    if resolved != path.removesuffix("/"):
        message = f"The request path must not have empty or dot segments or backslashes: {path}"
        raise ClientError(message, "invalid_path")
    return False


def resolved_path(path: str) -> str:
    """`path` (percent-decoded) as it resolves: cut at slashes and backslashes, without empty
    and `.` segments, each `..` taking the segment before it away; no trailing slash."""
    segments: list[str] = []
    for segment in SEPARATORS.split(path):
        if segment == "..":
            segments = segments[:-1]
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "/".join(segments)
