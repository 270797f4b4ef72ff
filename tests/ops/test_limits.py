"""Limits on client connections (app.ops.limits): heads too large, heads and bodies too slow."""

import logging
import resource
import socket
from collections.abc import AsyncIterator, Iterator

import httpx2
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from app.dev.local_server import serve
from app.dev.raw_http import body_of, connect, exchange, read_until_closed, status_of
from app.main import SERVER_OPTIONS, connection_limits, create_app
from app.ops.metrics import Metrics
from app.settings import Settings
from tests.conftest import ProxyFactory, metric, proxy_settings, running_proxy

REFUSED = "modality_proxy_connections_refused_total"
MIB = 1024 * 1024


@pytest.fixture
def slow_proxy(start_proxy: ProxyFactory) -> Iterator[str]:
    """A proxy whose heads and bodies must arrive within a fraction of a second."""
    deadlines = {"proxy_header_timeout_seconds": 0.2, "proxy_body_timeout_seconds": 0.3}
    with start_proxy(**deadlines) as url:
        yield url


def error_code(answer: bytes) -> str:
    code: str = orjson.loads(body_of(answer))["error"]["code"]
    return code


@pytest.mark.fresh_proxy  # it counts what the proxy did, from nothing
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


def test_connections_past_the_cap_are_closed_at_once(start_proxy: ProxyFactory) -> None:
    # A head deadline far past the sockets' own (10 s): only the cap can close the sixth.
    with start_proxy(proxy_max_client_connections=5, proxy_header_timeout_seconds=60) as url:
        held = [connect(url) for _ in range(5)]
        try:
            assert exchange(url) == b""
        finally:
            for sock in held:
                sock.close()
        assert httpx2.get(f"{url}/healthz").status_code == 200
        metrics = httpx2.get(f"{url}/metrics").text
    assert metric(metrics, REFUSED, code="too_many_connections") == 1


def test_the_cap_defaults_to_half_the_file_descriptors() -> None:
    descriptors, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    limits = connection_limits(Settings(), Metrics())
    assert limits.max_connections == max(1, descriptors // 2)
    assert (
        connection_limits(Settings(proxy_max_client_connections=7), Metrics()).max_connections == 7
    )


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
    # The second asks to close: the exchange ends with it, not when keep-alive times out.
    last = b"GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
    answer = exchange(slow_proxy, request, last)
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


async def fifty_mib(request: Request) -> Response:
    async def pieces() -> AsyncIterator[bytes]:
        for _ in range(50):
            yield b"x" * MIB

    return StreamingResponse(pieces(), media_type="application/octet-stream")


@pytest.fixture
def big_answers_url() -> Iterator[str]:
    """An upstream whose every chat answer is 50 MiB."""
    app = Starlette(routes=[Route("/api/v1/chat/completions", fifty_mib, methods=["POST"])])
    with serve(app) as url:
        yield url


def test_clients_that_never_read_do_not_hold_upstream_connections(big_answers_url: str) -> None:
    settings = proxy_settings(
        big_answers_url,
        proxy_max_connections=2,
        proxy_send_timeout_seconds=0.3,
        proxy_first_byte_timeout_seconds=8,
        proxy_unknown_model_wait_seconds=0,
    )
    request = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer k\r\n"
        b"Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    )
    with running_proxy(settings, ready=False) as url:
        stalled = [connect(url) for _ in range(2)]
        try:
            for sock in stalled:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                sock.sendall(request)
            answer = httpx2.post(f"{url}/v1/chat/completions", content=b"{}", timeout=30)
            refused = httpx2.get(f"{url}/metrics").text
        finally:
            for sock in stalled:
                sock.close()
    assert answer.status_code == 200
    assert len(answer.content) == 50 * MIB
    assert metric(refused, REFUSED, code="send_timeout") == 2


def test_bytes_that_are_not_http_get_an_openai_format_400(proxy_url: str) -> None:
    answer = exchange(proxy_url, b"\x00\x01 not http at all\r\n\r\n")
    assert status_of(answer) == 400
    assert error_code(answer) == "invalid_http"
