"""Who may use a route (app.api.guards.admit), from the request's raw headers: the first header
of each name counts, as Starlette's `request.headers.get` would have it."""

from typing import cast

import pytest
from starlette.requests import Request

from app.api.guards import admit
from app.api.services import Services
from app.errors import ClientError

PAGE = b"https://app.example"
SERVICES = cast(
    Services,
    type("FakeServices", (), {"cors_origins": frozenset({PAGE.decode()}), "client_keys": ()}),
)


def refusal(json_body: bool, *headers: tuple[bytes, bytes]) -> str | None:
    """The code of the error `admit` raises for a request with `headers`, or None."""
    request = Request({"type": "http", "method": "POST", "headers": list(headers)})
    try:
        admit(request, SERVICES, json_body)
    except ClientError as refused:
        return refused.code
    return None


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ((), None),
        (((b"content-type", b"application/json"),), None),
        (((b"origin", PAGE),), None),
        (((b"origin", b"https://evil.example"),), "origin_not_allowed"),
        (((b"origin", PAGE), (b"origin", b"https://evil.example")), None),
        (((b"origin", b"https://evil.example"), (b"origin", PAGE)), "origin_not_allowed"),
        (((b"content-type", b"text/plain"),), "unsupported_media_type"),
        (((b"content-type", b""),), "unsupported_media_type"),
        (((b"content-type", b"application/json"), (b"content-type", b"text/plain")), None),
        (
            ((b"content-type", b"text/plain"), (b"content-type", b"application/json")),
            "unsupported_media_type",
        ),
    ],
)
def test_the_first_header_of_each_name_decides(
    headers: tuple[tuple[bytes, bytes], ...], refused: str | None
) -> None:
    assert refusal(True, *headers) == refused


def test_a_route_without_a_json_body_takes_any_content_type() -> None:
    assert refusal(False, (b"content-type", b"text/plain")) is None
