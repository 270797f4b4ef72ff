"""The proxy's errors: each one's status, code and type, and its one OpenAI-format answer."""

import orjson
import pytest

from app.errors import (
    AuthError,
    ClientError,
    NotReady,
    ProxyError,
    UpstreamBadAnswer,
    UpstreamTimeout,
    UpstreamUnavailable,
    error_body,
)


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
