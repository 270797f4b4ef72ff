"""The proxy fuzzed from both sides (issues 18 and 22).

Starts the fake OpenRouter in this process behind a hostile wrapper (`fuzz_upstream`: a
`HOSTILE` share of upstream's answers are garbage, cut short, nested past orjson's limits,
endless SSE events, PCM with absurd parameters, ...) and the proxy (`python -m app`) in front of
it, then sends `REQUESTS` generated requests over raw sockets from `CLIENTS` threads: any bytes
as path, method, headers, body and multipart form, for every route, well-formed or not (see
`fuzz_requests`). It fails unless:

- every request gets a well-formed answer: an HTTP status line, no 500 of the proxy's own, and
  a JSON error (`{"error": {...}}`) whenever the proxy answers 4xx or 5xx itself (408 and 431
  included; upstream's own answers, which carry its `server` header, are relayed as they came);
- nothing malformed reaches upstream: every request the fake receives is under `/api/v1/`,
  without dot segments or empty ones, and a JSON route's body is a JSON object;
- no traceback and no ERROR line in the proxy's log;
- the proxy's RSS does not grow over the second half of the run by more than `RSS_SLACK_MIB`
  (what it keeps after the first half's peaks is the allocator's, printed beside it).

The generators are seeded (`SEED`): a failure can be replayed.
"""

import concurrent.futures
import logging
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest

from app.dev import raw_http
from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve
from bench.upstreams import Service, proxy
from bench.usage import rss_bytes
from tests.stress.fuzz_requests import generated, json_document, warm_up
from tests.stress.fuzz_upstream import HostileUpstream

pytestmark = pytest.mark.stress

MIB = 1024 * 1024
REQUESTS = 20_000
CLIENTS = 16
SEED = 22
HOSTILE = 0.25  # the share of upstream answers that are hostile
# MiB the proxy's RSS may grow over the second half of the run: a leak grows with the requests;
# what the allocator keeps after the first half's peak does not.
RSS_SLACK_MIB = 8
# Routes whose bodies the proxy parses, so they must reach upstream as JSON objects (OpenRouter's
# Images API is forwarded as it came; transcriptions may be multipart).
JSON_ROUTES = (
    "/api/v1/chat/completions",
    "/api/v1/responses",
    "/api/v1/embeddings",
    "/api/v1/audio/speech",
    "/api/v1/videos",
)


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
    relayed = b"\r\nserver: uvicorn" in head.lower()  # upstream's own answer, as it came
    if status == 500 and not relayed:
        return "500"
    if status >= 400 and not relayed and not request.startswith(b"HEAD "):
        document = json_document(body)
        error = document.get("error") if isinstance(document, dict) else None
        if not isinstance(error, dict) or "message" not in error:
            return f"{status} without a JSON error"
    return None


def malformed_upstream(fake: FakeOpenRouter) -> list[str]:
    """What reached the fake that should not have."""
    found = []
    for received in fake.requests:
        segments = re.split(rb"[/\\]", unquote_to_bytes(received.path.encode()))
        odd = b".." in segments or b"." in segments or "//" in received.path
        if odd or not received.path.startswith("/api/v1/"):
            found.append(f"path {received.path!r}")
        elif (
            received.method == "POST"
            and received.path in JSON_ROUTES
            and not isinstance(json_document(received.body), dict)
        ):
            found.append(f"body to {received.path}")
    return found


def statuses(answers: list[bytes]) -> dict[int, int]:
    """How many answers had each status (0: no status line)."""
    counts: dict[int, int] = {}
    for answer in answers:
        found = re.match(rb"HTTP/1\.1 (\d{3})", final(answer))
        key = int(found.group(1)) if found else 0
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _message(line: str) -> str:
    """A log line's message (the line, if it is not JSON), for counting kinds of errors."""
    document = json_document(line.encode())
    message = document.get("message") if isinstance(document, dict) else None
    return str(message or line)[:120]


def test_every_request_answered_well_and_nothing_malformed_sent_upstream(
    tmp_path: Path,
) -> None:
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)  # the fake's, on resets
    fake = FakeOpenRouter()
    upstream = HostileUpstream(fake, HOSTILE, SEED)
    settings = {"PROXY_HEADER_TIMEOUT_SECONDS": "2", "PROXY_BODY_TIMEOUT_SECONDS": "2"}
    with (
        serve(upstream) as fake_url,
        proxy("proxy", tmp_path, Service("fake", fake_url, os.getpid()), settings=settings) as it,
    ):
        for request in warm_up():
            raw_http.exchange(it.url, request)
        fake.requests.clear()  # the catalog's and the warm-up's
        upstream.hostile.set()
        before = rss_bytes(it.pid)
        rng = random.Random(SEED)
        requests = [generated(rng) for _ in range(REQUESTS)]
        started = time.monotonic()
        answers: list[bytes] = []
        rss: list[int] = []
        with concurrent.futures.ThreadPoolExecutor(CLIENTS) as pool:
            for half in (requests[: REQUESTS // 2], requests[REQUESTS // 2 :]):
                answers += pool.map(lambda r: raw_http.exchange(it.url, r), half)
                time.sleep(2)  # the proxy's last answers written, its buffers released
                rss.append(rss_bytes(it.pid))
        seconds = time.monotonic() - started - 4
        log = (tmp_path / "proxy.log").read_text(errors="replace")
    failures = [
        why for answer, r in zip(answers, requests, strict=True) if (why := well_formed(answer, r))
    ]
    malformed = malformed_upstream(fake)
    errors = sorted({_message(line) for line in log.splitlines() if _is_error(line)})
    halfway, after = rss
    print(f"{REQUESTS} requests in {seconds:.1f} s from {CLIENTS} clients (seed {SEED})")
    print(f"statuses: {statuses(answers)}")
    print(f"hostile upstream answers: {upstream.answered} of {len(fake.requests)}")
    print(f"proxy RSS MiB: before {before / MIB:.1f}, halfway {halfway / MIB:.1f}, ", end="")
    print(f"end {after / MIB:.1f}")
    assert sorted(set(failures))[:10] == [], f"{len(failures)} answers not well-formed"
    assert malformed[:5] == [], f"{len(malformed)} of {len(fake.requests)} malformed upstream"
    assert errors[:8] == [], "error lines in the proxy's log"
    assert (after - halfway) / MIB <= RSS_SLACK_MIB


def _is_error(line: str) -> bool:
    return "Traceback" in line or '"ERROR"' in line
