"""`python -m bench.fuzz`: the request path fuzzed with generated requests (issue 18, point 3).

Starts the fake OpenRouter in this process (so that every request it receives can be checked)
and the proxy (`python -m app`) in front of it, then sends `--requests` generated requests over
raw sockets from `--clients` threads: any bytes as path, method, headers, body and multipart
form, well-formed or not (see `generated`). It checks, and prints the counts of what failed:

- every request gets a well-formed answer: an HTTP status line, never a 500, and a JSON error
  (`{"error": {...}}`) whenever the proxy answers 4xx or 5xx itself (408 and 431 included;
  upstream's own answers, which carry its `server` header, are relayed as they came);
- nothing malformed reaches upstream: every request the fake receives is under `/api/v1/`,
  without dot segments, and a JSON route's body is a JSON object;
- no traceback and no ERROR line in the proxy's log;
- the proxy's RSS after the run and a pause is back near its RSS before (printed).

Exits 1 if any check failed. The generator is seeded (`--seed`): a failure can be replayed.
"""

import concurrent.futures
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes

import click
import orjson

from app.dev import raw_http
from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve
from bench.procstat import rss_bytes
from bench.upstreams import Service, proxy

MIB = 1024 * 1024
JSON_ROUTES = ("/api/v1/chat/completions", "/api/v1/responses", "/api/v1/images")
PATHS = [
    b"/v1/chat/completions",
    b"/api/v1/chat/completions",
    b"/v1/responses",
    b"/v1/models",
    b"/v1/models/openai/gpt-5",
    b"/v1/images/generations",
    b"/v1/images/edits",
    b"/v1/credits",
    b"/v1/embeddings",
    b"/healthz",
    b"/readyz",
    b"/metrics",
    b"/v1/..%2fkey",
    b"/v1/a/%2e%2e/b",
    b"/%61pi/v1/key",
    b"/v1/Chat/Completions/",
    b"/v1",
    b"/",
    b"/v1/x?y=%00",
    b"/v1/\xff\xfe",
]
METHODS = [b"GET", b"POST", b"POST", b"POST", b"PUT", b"DELETE", b"OPTIONS", b"HEAD", b"PATCH"]
MODELS = [
    "openai/gpt-5",
    "black-forest-labs/flux.2-pro",
    "google/gemini-2.5-flash-image",
    "openai/gpt-audio",
    "../../key",
    "a/%2e%2e/b",
    "",
    "x" * 300,
    "test/stream-error",
]
CONTENT_TYPES = [
    b"application/json",
    b"text/plain",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=b",
    b"application/vnd.x+json",
    b"",
    b"\xff",
]


def json_body(rng: random.Random) -> bytes:
    """A chat-like JSON body with random fields, types and sizes."""
    values: list[object] = [
        None,
        True,
        1,
        -1,
        2**63,
        1.5,
        "",
        "x" * rng.randint(0, 5000),
        [],
        {},
        ["image", "text"],
        ["audio"],
        [1, 2],
        {"a": [{}] * rng.randint(0, 50)},
        "\u0000\ud7ff",
    ]
    body: dict[str, object] = {"model": rng.choice([*MODELS, *values])}
    for name in rng.sample(
        [
            "messages",
            "modalities",
            "stream",
            "models",
            "tools",
            "n",
            "seed",
            "prompt",
            "size",
            "image_config",
            "audio",
            "response_format",
        ],
        4,
    ):
        body[name] = rng.choice(values)
    if rng.random() < 0.5:
        body["messages"] = [{"role": "user", "content": rng.choice(values)}]
    return orjson.dumps(body)


def raw_body(rng: random.Random) -> bytes:
    kind = rng.randrange(8)
    if kind == 0:
        return rng.randbytes(rng.randint(0, 2000))
    if kind == 1:
        return json_body(rng)[: rng.randint(0, 200)]  # cut short
    if kind == 2:
        return b"[" * rng.randint(1, 5000) + b"]" * rng.randint(0, 5000)  # deep nesting
    if kind == 3:
        return b'{"model": "openai/gpt-5", "seed": 1' + b"0" * rng.randint(15, 5000) + b"}"
    if kind == 4:
        return b'{"model": "openai/gpt-5", "x": NaN, "x": Infinity}'
    return json_body(rng)


def form_body(rng: random.Random) -> tuple[bytes, bytes]:
    """A multipart body (sometimes broken) and its Content-Type."""
    boundary = rng.choice([b"b", b"x" * 70, b"", b"\xff", b"--"])
    parts = []
    for name in rng.sample([b"model", b"prompt", b"n", b"image", b"image[]", b"mask", b"x"], 4):
        value = rng.choice([b"9" * rng.randint(1, 6000), b"openai/gpt-image-1", b"", b"\x89PNG"])
        file = b'; filename="a.png"\r\nContent-Type: image/png' if b"image" in name else b""
        head = b'Content-Disposition: form-data; name="' + name + b'"' + file
        parts.append(b"--" + boundary + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n")
    body = b"".join(parts) + (b"--" + boundary + b"--\r\n" if rng.random() < 0.8 else b"")
    return body, b"multipart/form-data; boundary=" + boundary


def generated(rng: random.Random) -> bytes:
    """One request as bytes: mostly plausible, often broken at one level or another."""
    path = rng.choice(PATHS)
    if rng.random() < 0.2:
        path = b"/v1/" + bytes(rng.choice(b"abc%2e./\\\x00\xff?#") for _ in range(20))
    method = rng.choice(METHODS) if rng.random() < 0.95 else rng.randbytes(5)
    if path.endswith(b"/edits") and rng.random() < 0.7:
        body, content_type = form_body(rng)
    else:
        json_type = rng.random() < 0.6
        body, content_type = (
            raw_body(rng),
            CONTENT_TYPES[0] if json_type else rng.choice(CONTENT_TYPES),
        )
    headers = [b"Host: proxy", b"Content-Type: " + content_type, b"Connection: close"]
    if rng.random() < 0.7:
        headers.append(
            b"Authorization: Bearer " + rng.choice([b"k", b"", b"\xc3\xa9", b"x" * 9000])
        )
    for _ in range(rng.choice([0, 0, 0, 1, 2, 4])):
        headers.append(
            rng.choice(
                [
                    b"Origin: https://page.example",
                    b"Expect: 100-continue",
                    b"Cookie: a=b",
                    b"X-Request-Id: " + rng.randbytes(8).hex().encode(),
                    b"X-Title: caf\xc3\xa9",
                    b"X-Bad: \xff\xfe",
                    b"Transfer-Encoding: chunked",
                    b"Accept-Encoding: gzip",
                    b"X-Big: " + b"x" * rng.randint(0, 80000),
                    b"Upgrade: websocket",
                ]
            )
        )
    length = len(body) if rng.random() < 0.9 else rng.randint(0, len(body) + 10)
    if not any(h.startswith(b"Transfer-Encoding") for h in headers):
        headers.append(b"Content-Length: %d" % length)
    return method + b" " + path + b" HTTP/1.1\r\n" + b"\r\n".join(headers) + b"\r\n\r\n" + body


def final(answer: bytes) -> bytes:
    """`answer` without the interim `100 Continue` answers before it."""
    while answer.startswith(b"HTTP/1.1 1"):
        answer = answer.partition(b"\r\n\r\n")[2]
    return answer


def well_formed(answer: bytes, request: bytes) -> str | None:
    """Why `answer` is not a well-formed answer to `request`, or None."""
    head, _, body = final(answer).partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0]
    match = re.fullmatch(rb"HTTP/1\.1 (\d{3}) .*", status_line)
    if match is None:
        return "no status line" if answer else "no answer"
    status = int(match.group(1))
    if status == 500:
        return "500"
    relayed = b"\r\nserver: uvicorn" in head.lower()  # the fake's own answer, relayed as it came
    if status >= 400 and not relayed and not request.startswith(b"HEAD "):
        try:
            error = orjson.loads(body)["error"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return f"{status} without a JSON error"
        if not isinstance(error, dict) or "message" not in error:
            return f"{status} with a malformed error"
    return None


def malformed_upstream(fake: FakeOpenRouter) -> list[str]:
    """What reached the fake that should not have."""
    found = []
    for received in fake.requests:
        segments = re.split(rb"[/\\]", unquote_to_bytes(received.path.encode()))
        if not received.path.startswith("/api/v1/") or b".." in segments or b"." in segments:
            found.append(f"path {received.path!r}")
        elif received.method == "POST" and received.path in JSON_ROUTES:
            try:
                document = orjson.loads(received.body)
            except orjson.JSONDecodeError:
                document = None
            if not isinstance(document, dict):
                found.append(f"body to {received.path}")
    return found


def fake_service(url: str) -> Service:
    """The fake OpenRouter of this process, as the harness names a server."""
    return Service("fake", url, os.getpid())


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--requests", "count", type=int, default=10_000, show_default=True)
@click.option("--clients", type=int, default=16, show_default=True)
@click.option("--seed", type=int, default=18, show_default=True)
def main(count: int, clients: int, seed: int) -> None:
    """Fuzz the proxy's request path; see the module's docstring."""
    fake = FakeOpenRouter()
    settings = {"PROXY_HEADER_TIMEOUT_SECONDS": "2", "PROXY_BODY_TIMEOUT_SECONDS": "2"}
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-") as work,
        serve(fake.app) as fake_url,
        proxy(
            "proxy", Path(work), Service("fake", fake_url, os.getpid()), settings=settings
        ) as service,
    ):
        fake.requests.clear()  # the catalog's
        before = rss_bytes(service.pid)
        rng = random.Random(seed)
        requests = [generated(rng) for _ in range(count)]
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(lambda r: raw_http.exchange(service.url, r), requests))
        seconds = time.monotonic() - started
        time.sleep(2)
        after = rss_bytes(service.pid)
        log = (Path(work) / "proxy.log").read_text(errors="replace")
    failures = [
        why for answer, r in zip(answers, requests, strict=True) if (why := well_formed(answer, r))
    ]
    statuses: dict[int, int] = {}
    for answer in answers:
        found = re.match(rb"HTTP/1\.1 (\d{3})", final(answer))
        key = int(found.group(1)) if found else 0
        statuses[key] = statuses.get(key, 0) + 1
    upstream = malformed_upstream(fake)
    errors = [line for line in log.splitlines() if "Traceback" in line or '"ERROR"' in line]
    click.echo(f"{count} requests in {seconds:.1f} s from {clients} clients (seed {seed})")
    click.echo(f"statuses: {dict(sorted(statuses.items()))}")
    click.echo(f"not well-formed: {len(failures)} {sorted(set(failures))[:10]}")
    click.echo(f"malformed upstream: {len(upstream)} of {len(fake.requests)} {upstream[:5]}")
    click.echo(f"error lines in the log: {len(errors)} {errors[:3]}")
    click.echo(f"proxy RSS: before {before / MIB:.1f} MiB, after {after / MIB:.1f} MiB")
    sys.exit(1 if failures or upstream or errors else 0)


if __name__ == "__main__":
    main()
