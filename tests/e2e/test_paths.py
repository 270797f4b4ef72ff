"""Every spelling of every route of the proxy's (issue 22 finding 9): repeated slashes, dot
segments, their percent-encoded forms, backslashes, case, a trailing slash, under both
prefixes. Each either reaches its route, which asks upstream what the route's own spelling
asks, or is refused with a 4xx that asks nothing of upstream. Raw HTTP: a client library would
tidy the path first."""

import itertools
import re
from collections.abc import Iterator

import orjson
import pytest

from app.dev import raw_http
from app.dev.emulator import FakeOpenRouter

KEY = "sk-or-paths"  # the client's: what upstream receives with it was asked by a client
Payload = dict[str, object]
CHAT: Payload = {"messages": [{"role": "user", "content": "hi"}]}
FLUX = "black-forest-labs/flux.2-pro"
# A superset, fitted before it goes (a subset would teach the proxy something on its first
# spelling, and later spellings would ask upstream less).
IMAGE_CHAT: Payload = {**CHAT, "model": FLUX, "modalities": ["image", "text"]}
RESPONSES: Payload = {"model": FLUX, "input": "hi", "modalities": ["image", "text"]}
TRANSCRIPTION: Payload = {
    "model": "openai/whisper-1",
    "input_audio": {"data": "AAAA", "format": "wav"},
}
PREFIXES = ("/v1", "/api/v1")
# Each route of the proxy's: its method, its path after the prefix, a body it takes, and its
# prefixes (under /api/v1, OpenRouter's own video API is polled through the catch-all).
ROUTES: list[tuple[str, str, Payload | None, tuple[str, ...]]] = [
    ("POST", "/chat/completions", IMAGE_CHAT, PREFIXES),  # rewritten: gains modalities
    ("POST", "/responses", RESPONSES, PREFIXES),
    ("GET", "/models", None, PREFIXES),
    ("GET", "/models/openai/gpt-5", None, PREFIXES),
    ("POST", "/images/generations", {"model": FLUX, "prompt": "a"}, PREFIXES),
    ("POST", "/images/edits", {}, PREFIXES),
    ("POST", "/audio/speech", {"model": "hexgrad/kokoro-82m", "input": "hi"}, PREFIXES),
    ("POST", "/audio/transcriptions", TRANSCRIPTION, PREFIXES),
    ("POST", "/embeddings", {"model": "openai/text-embedding-3-small", "input": "hi"}, PREFIXES),
    ("POST", "/videos", {"model": "google/veo-3.1", "prompt": "a fox"}, PREFIXES),
    ("GET", "/videos", None, ("/v1",)),
    ("GET", "/videos/models", None, ("/v1",)),
    ("GET", "/videos/video_forged", None, ("/v1",)),
]
# What may stand for one slash between two segments.
SLASHES = ("//", "///", "%2f", "%2F", "/%2f", "\\", "%5c", "/%5C")
# What may stand for one slash and resolve to it: dot segments, plain and percent-encoded.
DOTS = ("/./", "/%2e/", "/%2E/", "/a/../", "/a/%2e%2e/", "/a/.%2e/", "/a/%2E./", "/a/..%2f")
ENDINGS = ("/", "//", "/.", "/%2e", "/a/..", "/a/%2e%2e", "\\")


def spellings(path: str) -> Iterator[str]:
    """Other spellings of `path` (a route's own, with its prefix): each of its slashes written
    another way, another ending, its segments' case changed, and the two combined."""
    cuts = [at for at, char in enumerate(path) if char == "/"]
    for at, slash in itertools.product(cuts, (*SLASHES, *DOTS)):
        yield path[:at] + slash + path[at + 1 :]
    for ending in ENDINGS:
        yield path + ending
    segments = path.split("/")
    for at, case in itertools.product(range(1, len(segments)), (str.upper, str.capitalize)):
        cased = "/".join([*segments[:at], case(segments[at]), *segments[at + 1 :]])
        if cased != path:
            yield cased
            yield cased.replace("/", "//", 1)
    yield path.upper()


def ask(url: str, method: str, target: str, body: bytes) -> int:
    head = (
        f"{method} {target} HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {KEY}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    )
    return raw_http.status_of(raw_http.exchange(url, head.encode("latin-1") + body))


def asked_upstream(fake: FakeOpenRouter, since: int) -> list[tuple[str, str, bytes]]:
    """What clients' requests asked of the fake since its `since`th request."""
    return [
        (request.method, request.path, request.body)
        for request in fake.requests[since:]
        if request.headers.get("authorization") == f"Bearer {KEY}"
    ]


@pytest.mark.parametrize(
    ("method", "path", "payload", "prefixes"), ROUTES, ids=[p for _, p, _, _ in ROUTES]
)
def test_every_spelling_of_a_route_reaches_it_or_is_refused(
    fake: FakeOpenRouter,
    proxy_url: str,
    method: str,
    path: str,
    payload: Payload | None,
    prefixes: tuple[str, ...],
) -> None:
    body = b"" if payload is None else orjson.dumps(payload)
    wrong = []
    for prefix in prefixes:
        since = len(fake.requests)
        own_status = ask(proxy_url, method, prefix + path, body)
        own_asked = asked_upstream(fake, since)
        assert own_status < 500
        for spelled in spellings(prefix + path):
            since = len(fake.requests)
            status = ask(proxy_url, method, spelled, body)
            asked = asked_upstream(fake, since)
            refused = 400 <= status < 500 and not asked
            if not refused and (status, asked) != (own_status, own_asked):
                wrong.append((spelled, status, [(m, p) for m, p, _ in asked]))
    assert wrong == [], "\n".join(map(str, wrong))
    tidy = re.compile(r"^(/[^/\\]+)+$")  # no empty segments, no backslashes
    paths = {request.path for request in fake.requests}
    assert [
        path for path in paths if not tidy.match(path) or {".", ".."} & {*path.split("/")}
    ] == []
