"""The proxy's own errors, and their answers in the shape of the API the request came in by
(`Api`): under `/v1` OpenAI's `{"error": {"message", "type", "param", "code"}}` (OpenAI's `Error`
requires all four; `param` is null: the message names the field); under `/api/v1` OpenRouter's
`ErrorResponse`, whose `code` is the status (an integer), the proxy's code in `metadata.error_code`
(and `type`, `param` kept, which OpenRouter's schema allows as extras).

Every failure the proxy answers itself is raised as one of these, each carrying its status, code,
OpenAI `type` and the headers of its answer; one middleware (`app.api.error_answers`) turns them
into answers (`ProxyError.response`). The hierarchy, by whose it is to fix:
- ClientError (4xx): the request; AuthError (401) the key it bears.
- NotReady (503): the proxy, soon (the catalog is still loading); Busy (503, Retry-After): it
  holds as much as its memory budget allows.
- UpstreamFailure: OpenRouter; UpstreamUnavailable (502: unreachable, broke off, refused a
  download), UpstreamTimeout (504), UpstreamBadAnswer (502: an answer of another shape).
"""

from collections.abc import Iterable
from enum import Enum
from typing import Any, Self

import orjson
from starlette.responses import Response


class Api(Enum):
    """The API a request came in by, which decides the shape of the errors answered to it."""

    OPENAI = "/v1"
    OPENROUTER = "/api/v1"

    @classmethod
    def of(cls, path: str) -> "Api":
        """The API serving `path`: OpenRouter's under `/api/`, else OpenAI's."""
        return cls.OPENROUTER if path.startswith("/api/") else cls.OPENAI


class ProxyError(Exception):
    """An error the proxy answers itself, before or instead of calling upstream."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str,
        kind: str = "invalid_request_error",
        headers: Iterable[tuple[bytes, bytes]] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.kind = kind
        self.headers: list[tuple[bytes, bytes]] = list(headers)  # as ASGI carries them

    def with_headers(self, headers: Iterable[tuple[bytes, bytes]]) -> Self:
        """This error, its answer to carry `headers` too (`raise error.with_headers(...)`)."""
        self.headers.extend(headers)
        return self

    def response(self, api: Api = Api.OPENAI) -> Response:
        """The answer in `api`'s shape: for `app.api.error_answers`, the one place that answers."""
        answer = error_response(self.status, self.message, self.code, self.kind, api)
        answer.raw_headers.extend(self.headers)
        return answer


class ClientError(ProxyError):
    """The request's to fix: 400 unless `status` says another 4xx."""

    def __init__(self, message: str, code: str, status: int = 400) -> None:
        super().__init__(status, message, code)


class AuthError(ClientError):
    """A request without a key the proxy accepts (gateway mode)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "invalid_api_key", 401)


class NotReady(ProxyError):
    """The proxy cannot answer yet: 503, worth retrying."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(503, message, code, "server_error")


class Busy(NotReady):
    """The proxy holds as much as its budget allows (`app.ops.reservations`): 503, with
    `Retry-After` in seconds, which the OpenAI SDKs wait before they retry."""

    def __init__(self, message: str, code: str, retry_after: int) -> None:
        super().__init__(message, code)
        self.headers.append((b"retry-after", str(retry_after).encode()))


class UpstreamFailure(ProxyError):
    """OpenRouter failed the proxy: its to fix, worth retrying later."""

    STATUS, CODE = 502, "upstream_unavailable"

    def __init__(self, message: str) -> None:
        super().__init__(self.STATUS, message, self.CODE, "upstream_error")


class UpstreamUnavailable(UpstreamFailure):
    """Unreachable, broke off, or refused a download."""


class UpstreamTimeout(UpstreamFailure):
    """Did not answer, or stopped sending, in time."""

    STATUS, CODE = 504, "upstream_timeout"


class UpstreamBadAnswer(UpstreamFailure):
    """Answered in another shape than the documented one."""

    CODE = "upstream_bad_answer"


class UpstreamBadStream(UpstreamBadAnswer):
    """Sent a stream the proxy cannot fold into one answer: an unreadable event, or none."""

    CODE = "upstream_bad_stream"


class AnswerTooLarge(UpstreamBadAnswer):
    """Sent more of `what` (an answer, or a part of one) than the proxy holds: `limit` bytes."""

    FAILURE = "answer_too_large"  # its name in the access log and the metrics

    def __init__(self, what: str, limit: int) -> None:
        message = f"OpenRouter sent {what} of more than {limit:,} bytes, more than this proxy holds"
        super().__init__(message)


def error_response(
    status: int,
    message: str,
    code: str,
    kind: str = "invalid_request_error",
    api: Api = Api.OPENAI,
) -> Response:
    body = error_body(message, code, kind, status, api)
    return Response(body, status, media_type="application/json")


def error_body(
    message: str,
    code: str,
    kind: str = "invalid_request_error",
    status: int = 400,
    api: Api = Api.OPENAI,
) -> bytes:
    """The JSON of an error in `api`'s shape (`error_fields`). A message that quotes bytes
    upstream or a client sent may hold lone surrogates (undecodable header bytes), which JSON
    cannot carry: they are written as `?`."""
    try:
        return orjson.dumps({"error": error_fields(status, message, code, kind, api)})
    except TypeError:
        message = message.encode("utf-8", "replace").decode()
        return orjson.dumps({"error": error_fields(status, message, code, kind, api)})


def error_fields(status: int, message: str, code: str, kind: str, api: Api) -> dict[str, Any]:
    """The `error` object: OpenAI's `Error` (`code` the proxy's string), or OpenRouter's
    `ErrorResponse` data (`code` the status, as OpenRouter's schema requires; the string in
    `metadata.error_code`, `type` and `param` kept for clients that read OpenAI's fields)."""
    fields: dict[str, Any] = {"message": message, "type": kind, "param": None}
    if api is Api.OPENROUTER:
        return {"code": status, **fields, "metadata": {"error_code": code}}
    return {**fields, "code": code}
