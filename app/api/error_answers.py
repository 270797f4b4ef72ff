"""The one place where errors become answers: `ErrorAnswers`, the ASGI middleware around the
routes (inside CORS, so that its answers carry CORS headers, and inside `Observe`, which logs them).

- a `ProxyError`: its own answer (`ProxyError.response`);
- Starlette's `HTTPException` (the router's 404, a route's 405): an OpenAI-format error;
- `ClientDisconnect` (the client left while its body arrived): 499, nginx's status, which only
  the log line reads;
- anything else: logged with its traceback, answered 500 without a word of it.

An error raised once the answer has started cannot be answered: it goes on to the server, which
drops the connection, so that the client sees the answer cut short.

It stands in for Starlette's two exception middlewares, each of which wrapped every `send`: every
chunk of every stream paid for both. This one wraps none; whether the answer has started, it reads
from the request's `Note` (`app.ops.observe` keeps it).
"""

import logging

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import Api, ProxyError, error_response
from app.ops.metrics import Note

logger = logging.getLogger(__name__)
CLIENT_CLOSED_REQUEST = 499  # nginx's status for a client that left before its answer


class ErrorAnswers:
    """ASGI middleware: the answer to an error raised before the answer started (see above)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Inside an app, Starlette's router and routes raise their 404 and 405 rather than
        # answer them in plain text.
        scope["app"] = self
        try:
            await self.app(scope, receive, send)
        except Exception as error:
            note: Note = scope["state"]["note"]
            if note.status:  # the answer has started
                raise
            await answer_for(error, scope)(scope, receive, send)


def answer_for(error: Exception, scope: Scope) -> Response:
    """The answer to `error`, raised while serving `scope` before its answer started, in the
    shape of the API its path belongs to."""
    api = Api.of(scope["path"])
    if isinstance(error, ProxyError):
        return error.response(api)
    if isinstance(error, HTTPException):
        code = "not_found" if error.status_code == 404 else "http_error"
        answer = error_response(error.status_code, str(error.detail), code, api=api)
        extra = (error.headers or {}).items()  # a 405's Allow
        answer.raw_headers.extend((name.lower().encode(), value.encode()) for name, value in extra)
        return answer
    if isinstance(error, ClientDisconnect):
        return Response(status_code=CLIENT_CLOSED_REQUEST)  # nobody reads it: uvicorn drops it
    logger.error("unexpected error on %s %s", scope["method"], scope["path"], exc_info=error)
    message = "The proxy failed unexpectedly; see its logs"
    return error_response(500, message, "internal_error", "server_error", api)
