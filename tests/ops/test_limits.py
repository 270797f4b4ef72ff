"""Limits on client connections (app.ops.limits): heads too large, heads and bodies too slow."""

import logging
from collections.abc import Iterator

import httpx2
import orjson
import pytest

from app.dev.local_server import serve
from app.main import SERVER_OPTIONS, create_app
from tests.conftest import ProxyFactory, proxy_settings
from tests.e2e.test_metrics import metric
from tests.raw_http import body_of, connect, exchange, read_until_closed, status_of

REFUSED = "modality_proxy_connections_refused_total"


@pytest.fixture
def slow_proxy(start_proxy: ProxyFactory) -> Iterator[str]:
    """A proxy whose heads and bodies must arrive within a fraction of a second."""
    deadlines = {"proxy_header_timeout_seconds": 0.2, "proxy_body_timeout_seconds": 0.3}
    with start_proxy(**deadlines) as url:
        yield url


def error_code(answer: bytes) -> str:
    code: str = orjson.loads(body_of(answer))["error"]["code"]
    return code


def test_a_header_larger_than_the_limit_is_a_431_and_never_reaches_upstream(
    proxy_url: str, fake: object
) -> None:
    huge = b"x" * (1024 * 1024)
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nX-Big: " + huge + b"\r\n\r\n"
    answer = exchange(proxy_url, head)
    assert status_of(answer) == 431
    assert error_code(answer) == "headers_too_large"
    assert b"connection: close" in answer.lower()
    metrics = httpx2.get(f"{proxy_url}/metrics").text
    assert metric(metrics, REFUSED, code="headers_too_large") == 1


def test_a_request_line_larger_than_the_limit_is_a_431(proxy_url: str) -> None:
    answer = exchange(proxy_url, b"GET /v1/" + b"a" * (512 * 1024) + b" HTTP/1.1\r\n\r\n")
    assert status_of(answer) == 431


def test_headers_just_under_the_limit_are_served(start_proxy: ProxyFactory) -> None:
    with start_proxy(proxy_max_header_bytes=8192) as url:
        fits = httpx2.get(f"{url}/healthz", headers={"X-Pad": "x" * 7000})
        too_big = httpx2.get(f"{url}/healthz", headers={"X-Pad": "x" * 9000})
    assert fits.status_code == 200
    assert too_big.status_code == 431


def test_half_a_request_line_is_a_408_once_the_head_deadline_passes(slow_proxy: str) -> None:
    answer = exchange(slow_proxy, b"GET /v1/mod")
    assert status_of(answer) == 408
    assert error_code(answer) == "header_timeout"


def test_many_stalled_heads_are_all_closed(slow_proxy: str) -> None:
    sockets = [connect(slow_proxy) for _ in range(50)]
    try:
        for sock in sockets:
            sock.sendall(b"POST /v1/chat/completions HTT")
        answers = [read_until_closed(sock) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()
    assert {status_of(answer) for answer in answers} == {408}
    metrics = httpx2.get(f"{slow_proxy}/metrics").text
    assert metric(metrics, REFUSED, code="header_timeout") == 50


def test_a_connection_that_sends_nothing_is_closed(slow_proxy: str) -> None:
    assert exchange(slow_proxy) == b""


def test_a_trickling_body_is_a_408_once_the_body_deadline_passes(slow_proxy: str) -> None:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n"
    answer = exchange(slow_proxy, head, b'{"model": ')
    assert status_of(answer) == 408
    assert error_code(answer) == "body_timeout"
    assert httpx2.get(f"{slow_proxy}/healthz").status_code == 200


def test_a_kept_alive_connection_serves_a_second_request(slow_proxy: str) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
    answer = exchange(slow_proxy, request, request)
    assert answer.count(b"HTTP/1.1 200") == 2


def test_a_websocket_upgrade_is_an_ordinary_request_and_logs_no_query_string(
    fake_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = create_app(proxy_settings(fake_url))
    options = {**SERVER_OPTIONS, "log_config": None, "log_level": "debug", "access_log": False}
    with serve(app, **options) as url:
        answer = exchange(
            url,
            b"GET /v1/chat/completions?api_key=sk-leaked HTTP/1.1\r\nHost: a\r\n"
            b"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
    assert status_of(answer) not in (0, 101)
    assert "sk-leaked" not in caplog.text
