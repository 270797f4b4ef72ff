"""The proxy's errors: each one's status, code and type, and its one OpenAI-format answer."""

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import (
    Api,
    AuthError,
    ClientError,
    NotReady,
    ProxyError,
    UpstreamBadAnswer,
    UpstreamTimeout,
    UpstreamUnavailable,
    error_body,
)
from tests.schemas import assert_valid


@pytest.mark.parametrize(
    ("error", "status", "code", "kind"),
    [
        (ClientError("bad", "invalid_json"), 400, "invalid_json", "invalid_request_error"),
        (
            ClientError("big", "request_too_large", 413),
            413,
            "request_too_large",
            "invalid_request_error",
        ),
        (AuthError("who"), 401, "invalid_api_key", "invalid_request_error"),
        (NotReady("soon", "catalog_loading"), 503, "catalog_loading", "server_error"),
        (UpstreamUnavailable("down"), 502, "upstream_unavailable", "upstream_error"),
        (UpstreamTimeout("slow"), 504, "upstream_timeout", "upstream_error"),
        (UpstreamBadAnswer("odd"), 502, "upstream_bad_answer", "upstream_error"),
    ],
)
def test_each_error_answers_with_its_status_code_and_type(
    error: ProxyError, status: int, code: str, kind: str
) -> None:
    answer = error.response()
    assert answer.status_code == status
    body = orjson.loads(answer.body)
    assert body == {"error": {"message": error.message, "type": kind, "param": None, "code": code}}


def test_headers_added_on_the_way_go_on_the_answer() -> None:
    error = ClientError("bad", "invalid_json").with_headers([(b"x-modalities", b"none")])
    assert (b"x-modalities", b"none") in error.response().raw_headers


def test_a_message_quoting_undecodable_bytes_is_still_a_json_error() -> None:
    quoted = b"audio/\xff".decode("utf-8", "surrogateescape")  # as aiohttp decodes a header
    body = orjson.loads(error_body(f"OpenRouter answered {quoted}", "upstream_bad_answer"))
    assert body["error"] == {
        "message": "OpenRouter answered audio/?",
        "type": "invalid_request_error",
        "param": None,
        "code": "upstream_bad_answer",
    }


# OpenRouter's error schema for each status the proxy answers itself (405 and 499 have none).
OPENROUTER_ERRORS = {
    400: "BadRequestResponse",
    401: "UnauthorizedResponse",
    404: "NotFoundResponse",
    408: "RequestTimeoutResponse",
    413: "PayloadTooLargeResponse",
    500: "InternalServerResponse",
    502: "BadGatewayResponse",
    503: "ServiceUnavailableResponse",
}


@given(
    status=st.sampled_from(sorted(OPENROUTER_ERRORS)),
    message=st.text(),
    code=st.text(min_size=1),
    kind=st.sampled_from(["invalid_request_error", "server_error", "upstream_error"]),
)
def test_an_error_is_valid_against_the_schema_of_the_api_it_came_in_by(
    status: int, message: str, code: str, kind: str
) -> None:
    openai = orjson.loads(error_body(message, code, kind, status, Api.OPENAI))
    assert_valid(openai, "openai", "ErrorResponse")
    assert openai["error"]["code"] == code
    openrouter = orjson.loads(error_body(message, code, kind, status, Api.OPENROUTER))
    assert_valid(openrouter, "openrouter", OPENROUTER_ERRORS[status])
    error = openrouter["error"]
    assert (error["code"], error["metadata"], error["type"]) == (status, {"error_code": code}, kind)


@pytest.mark.parametrize(
    ("path", "api"),
    [
        ("/v1/chat/completions", Api.OPENAI),
        ("/api/v1/chat/completions", Api.OPENROUTER),
        ("/api/v1/models", Api.OPENROUTER),
        ("/v1/models", Api.OPENAI),
        ("/healthz", Api.OPENAI),
        ("/apix", Api.OPENAI),
    ],
)
def test_the_api_is_read_from_the_path(path: str, api: Api) -> None:
    assert Api.of(path) is api
