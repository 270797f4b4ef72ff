"""Header filtering and upstream paths: pure helpers of `app.upstream.client`."""

import pytest

from app.errors import ProxyError
from app.upstream.client import upstream_path
from app.upstream.headers import RECOMPUTED_ON_REQUEST, without_hop_by_hop


def test_hop_by_hop_headers_and_those_connection_names_are_dropped() -> None:
    headers = [
        (b"Connection", b"keep-alive, X-Private"),
        (b"Keep-Alive", b"timeout=5"),
        (b"Transfer-Encoding", b"chunked"),
        (b"x-private", b"1"),
        (b"Upgrade", b"h2c"),
        (b"Content-Type", b"application/json"),
        (b"Retry-After", b"7"),
    ]
    kept = without_hop_by_hop(headers, frozenset())
    assert kept == [(b"Content-Type", b"application/json"), (b"Retry-After", b"7")]


def test_host_and_length_are_recomputed_on_requests() -> None:
    headers = [(b"host", b"proxy"), (b"content-length", b"3"), (b"authorization", b"Bearer k")]
    kept = without_hop_by_hop(headers, RECOMPUTED_ON_REQUEST)
    assert kept == [(b"authorization", b"Bearer k")]


@pytest.mark.parametrize(
    ("raw_path", "prefix", "rest"),
    [
        (b"/v1/models", b"/v1/", b"models"),
        (b"/api/v1/models/a/b/endpoints", b"/api/v1/", b"models/a/b/endpoints"),
        (b"/v1/files/a%2Fb", b"/v1/", b"files/a%2Fb"),
        (b"/v1/a..b/.c", b"/v1/", b"a..b/.c"),
    ],
)
def test_upstream_path_keeps_the_clients_encoding(
    raw_path: bytes, prefix: bytes, rest: bytes
) -> None:
    assert upstream_path(raw_path, prefix) == rest


@pytest.mark.parametrize(
    "raw_path", [b"/v1/..", b"/v1/a/../b", b"/v1/%2e%2E/x", b"/v1/./x", b"/v1/.%2e"]
)
def test_upstream_path_refuses_dot_segments(raw_path: bytes) -> None:
    with pytest.raises(ProxyError) as caught:
        upstream_path(raw_path, b"/v1/")
    assert caught.value.status == 400
