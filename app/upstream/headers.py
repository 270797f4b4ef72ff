"""Headers that mean something for one connection only, and so never cross the proxy."""

from collections.abc import Iterable

Headers = list[tuple[bytes, bytes]]

# Meaningful for one connection only (RFC 9110 7.6.1), plus the ones the client recomputes.
HOP_BY_HOP = frozenset(
    b"connection keep-alive proxy-authenticate proxy-authorization proxy-connection te trailer "
    b"transfer-encoding upgrade".split()
)
RECOMPUTED_ON_REQUEST = frozenset({b"host", b"content-length"})
# What a reshaped body no longer matches.
RESHAPED = frozenset({b"content-length", b"content-type", b"content-encoding"})


def without_hop_by_hop(headers: Iterable[tuple[bytes, bytes]], also: frozenset[bytes]) -> Headers:
    """Return `headers` less hop-by-hop ones, those the `Connection` header names, and `also`."""
    headers = list(headers)
    named = {
        token.strip().lower()
        for name, value in headers
        if name.lower() == b"connection"
        for token in value.split(b",")
    }
    drop = HOP_BY_HOP | also | named
    return [(name, value) for name, value in headers if name.lower() not in drop]


def relayed_headers(
    upstream: Iterable[tuple[bytes, bytes]], own: Headers, reshaped: bool
) -> Headers:
    """Return the headers of a relayed answer: upstream's (less those a reshaped body changes),
    then the proxy's `own`."""
    return without_hop_by_hop(upstream, RESHAPED if reshaped else frozenset()) + own
