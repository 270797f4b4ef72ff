"""The requests `tests/stress/test_fuzz.py` sends: any bytes as path, method, headers, body and
multipart form, mostly plausible and often broken at one level or another, for every route."""

import random

import orjson

from tests.stress.fuzz_shapes import PLAUSIBLE, form_body, json_body, nested, odd_json, plausible

PATHS = [
    b"/v1/chat/completions",
    b"/api/v1/chat/completions",
    b"/v1/responses",
    b"/v1/models",
    b"/v1/models/openai/gpt-5",
    b"/v1/images/generations",
    b"/v1/images/edits",
    b"/api/v1/images",
    b"/v1/embeddings",
    b"/v1/audio/speech",
    b"/v1/audio/transcriptions",
    b"/v1/videos",
    b"/api/v1/videos",
    b"/v1/videos/video_abc/content?variant=video",
    b"/v1/credits",
    b"/healthz",
    b"/readyz",
    b"/metrics",
    b"/v1/..%2fkey",
    b"/v1/a/%2e%2e/b",
    b"/%61pi/v1/key",
    b"/v1/Chat/Completions/",
    b"/v1/chat//completions",
    b"//v1/chat/completions",
    b"/v1/./chat/completions",
    b"/v1",
    b"/",
    b"/v1/x?y=%00",
    b"/v1/\xff\xfe",
]
FORM_PATHS = (b"/v1/images/edits", b"/v1/audio/transcriptions", b"/v1/videos")
METHODS = [b"GET", b"POST", b"POST", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"HEAD", b"PATCH"]
CONTENT_TYPES = [
    b"application/json",
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=b",
    b"application/vnd.x+json",
    b"",
    b"\xff",
]
HEADERS = [
    b"Origin: https://page.example",
    b"Expect: 100-continue",
    b"Cookie: a=b",
    b"X-Title: caf\xc3\xa9",
    b"X-Bad: \xff\xfe",
    b"Transfer-Encoding: chunked",
    b"Accept-Encoding: gzip",
    b"Upgrade: websocket",
]


def raw_body(rng: random.Random, path: bytes) -> bytes:
    """A body for `path`: mostly a JSON object of that route's fields, else broken bytes."""
    kind = rng.randrange(10)
    if kind == 0:
        return rng.randbytes(rng.randint(0, 2000))
    if kind == 1:
        return json_body(rng, path)[: rng.randint(0, 200)]  # cut short
    if kind == 2:
        return b"[" * rng.randint(1, 5000) + b"]" * rng.randint(0, 5000)  # deep, unbalanced
    if kind == 3:
        return nested(rng, path)  # a valid body nested around orjson's write limit
    if kind == 4:
        return odd_json(rng, path)  # duplicate keys, huge numbers, NaN
    return json_body(rng, path)


def posted(path: bytes, body: bytes) -> bytes:
    """A well-formed POST of a JSON body, as a client with a key sends it."""
    head = b"POST %s HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n" % path
    head += b"Authorization: Bearer sk-or-fuzz\r\n"
    return head + b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def warm_up() -> list[bytes]:
    """Each plausible request once: what the proxy loads on first use (the codecs of the
    `transcode` extra: about 25 MiB) is then in the RSS measured before the run."""
    return [
        posted(path, orjson.dumps(body)) for path, bodies in PLAUSIBLE.items() for body in bodies
    ]


def generated(rng: random.Random) -> bytes:
    """One request as bytes: a plausible one (40%) or one broken at any level."""
    if rng.random() < 0.4:
        return posted(*plausible(rng))
    path = rng.choice(PATHS)
    if rng.random() < 0.15:
        path = b"/v1/" + bytes(rng.choice(b"abc%2e./\\\x00\xff?#") for _ in range(20))
    method = rng.choice(METHODS) if rng.random() < 0.95 else rng.randbytes(5)
    if path.startswith(FORM_PATHS) and rng.random() < 0.7:
        body, content_type = form_body(rng, path)
    else:
        json_type = rng.random() < 0.6
        body = raw_body(rng, path)
        content_type = CONTENT_TYPES[0] if json_type else rng.choice(CONTENT_TYPES)
    headers = [b"Host: proxy", b"Content-Type: " + content_type, b"Connection: close"]
    if rng.random() < 0.7:
        headers.append(
            b"Authorization: Bearer " + rng.choice([b"k", b"", b"\xc3\xa9", b"x" * 9000])
        )
    for _ in range(rng.choice([0, 0, 0, 1, 2, 4])):
        headers.append(
            rng.choice(
                [
                    *HEADERS,
                    b"X-Request-Id: " + rng.randbytes(8).hex().encode(),
                    b"X-Big: " + b"x" * rng.randint(0, 80000),
                ]
            )
        )
    length = len(body) if rng.random() < 0.9 else rng.randint(0, len(body) + 10)
    if not any(h.startswith(b"Transfer-Encoding") for h in headers):
        headers.append(b"Content-Length: %d" % length)
    return method + b" " + path + b" HTTP/1.1\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body


def json_document(body: bytes) -> object:
    """`body` parsed, or None when it is not JSON."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
