"""OpenAI-format error answers: `{"error": {"message", "type", "code"}}`."""

from collections.abc import Mapping

import orjson
from starlette.responses import Response


class ProxyError(Exception):
    """An error the proxy answers itself, before or instead of calling upstream."""

    def __init__(self, status: int, message: str, code: str, kind: str = "invalid_request_error"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.kind = kind

    def response(self, headers: Mapping[str, str] | None = None) -> Response:
        return error_response(self.status, self.message, self.code, self.kind, headers)


def error_response(
    status: int,
    message: str,
    code: str,
    kind: str = "invalid_request_error",
    headers: Mapping[str, str] | None = None,
) -> Response:
    body = error_body(message, code, kind)
    return Response(body, status, headers, media_type="application/json")


def error_body(message: str, code: str, kind: str = "invalid_request_error") -> bytes:
    """The JSON of an OpenAI-format error."""
    return orjson.dumps({"error": {"message": message, "type": kind, "code": code}})
