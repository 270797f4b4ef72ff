"""`python -m bench.fuzz`: the proxy fuzzed from both sides (issues 18 and 22).

Starts the fake OpenRouter in this process behind a hostile wrapper (`bench.fuzz_upstream`: a
`--hostile` share of upstream's answers are garbage, cut short, nested past orjson's limits,
endless SSE events, PCM with absurd parameters, ...) and the proxy (`python -m app`) in front of
it, then sends `--requests` generated requests over raw sockets from `--clients` threads: any
bytes as path, method, headers, body and multipart form, for every route, well-formed or not
(see `bench.fuzz_requests`). It checks, and prints the counts of what failed:

- every request gets a well-formed answer: an HTTP status line, no 500 of the proxy's own, and
  a JSON error (`{"error": {...}}`) whenever the proxy answers 4xx or 5xx itself (408 and 431
  included; upstream's own answers, which carry its `server` header, are relayed as they came);
- nothing malformed reaches upstream: every request the fake receives is under `/api/v1/`,
  without dot segments or empty ones, and a JSON route's body is a JSON object;
- no traceback and no ERROR line in the proxy's log;
- the proxy's RSS does not grow over the second half of the run by more than `--rss-slack`
  (what it keeps after the first half's peaks is the allocator's, printed beside it).

Exits 1 if any check failed. The generators are seeded (`--seed`): a failure can be replayed.
"""

import concurrent.futures
import logging
import os
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote_to_bytes

import click

from app.dev import raw_http
from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve
from bench.fuzz_requests import generated, json_document, warm_up
from bench.fuzz_upstream import HostileUpstream
from bench.procstat import rss_bytes
from bench.upstreams import Service, proxy

MIB = 1024 * 1024
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


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--requests", "count", type=int, default=20_000, show_default=True)
@click.option("--clients", type=int, default=16, show_default=True)
@click.option("--seed", type=int, default=22, show_default=True)
@click.option(
    "--hostile",
    type=float,
    default=0.25,
    show_default=True,
    help="The share of upstream answers that are hostile (0: the fake answers all).",
)
@click.option(
    "--rss-slack",
    type=float,
    default=8,
    show_default=True,
    help="MiB the proxy's RSS may grow over the second half of the run (a leak grows with the "
    "requests; what the allocator keeps after the first half's peak does not).",
)
@click.option("--log", "keep_log", type=click.Path(path_type=Path), help="Keep the proxy's log.")
def main(
    count: int, clients: int, seed: int, hostile: float, rss_slack: float, keep_log: Path | None
) -> None:
    """Fuzz the proxy's request path and its handling of upstream's answers; see the module's
    docstring."""
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)  # the fake's, on resets
    fake = FakeOpenRouter()
    upstream = HostileUpstream(fake, hostile, seed)
    settings = {"PROXY_HEADER_TIMEOUT_SECONDS": "2", "PROXY_BODY_TIMEOUT_SECONDS": "2"}
    with (
        tempfile.TemporaryDirectory(prefix="fuzz-") as work,
        serve(upstream) as fake_url,
        proxy(
            "proxy", Path(work), Service("fake", fake_url, os.getpid()), settings=settings
        ) as service,
    ):
        for request in warm_up():
            raw_http.exchange(service.url, request)
        fake.requests.clear()  # the catalog's and the warm-up's
        upstream.hostile.set()
        before = rss_bytes(service.pid)
        rng = random.Random(seed)
        requests = [generated(rng) for _ in range(count)]
        started = time.monotonic()
        halves = (requests[: count // 2], requests[count // 2 :])
        answers: list[bytes] = []
        rss: list[int] = []
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            for half in halves:
                answers += pool.map(lambda r: raw_http.exchange(service.url, r), half)
                time.sleep(2)
                rss.append(rss_bytes(service.pid))
        seconds = time.monotonic() - started - 2 * len(halves)
        log = (Path(work) / "proxy.log").read_text(errors="replace")
        if keep_log is not None:
            keep_log.write_text(log)
    failures = [
        why for answer, r in zip(answers, requests, strict=True) if (why := well_formed(answer, r))
    ]
    malformed = malformed_upstream(fake)
    errors = [line for line in log.splitlines() if "Traceback" in line or '"ERROR"' in line]
    kinds = sorted({_message(line) for line in errors})
    click.echo(f"{count} requests in {seconds:.1f} s from {clients} clients (seed {seed})")
    click.echo(f"statuses: {statuses(answers)}")
    click.echo(f"hostile upstream answers: {upstream.answered} of {len(fake.requests)}")
    click.echo(f"not well-formed: {len(failures)} {sorted(set(failures))[:10]}")
    click.echo(f"malformed upstream: {len(malformed)} of {len(fake.requests)} {malformed[:5]}")
    click.echo(f"error lines in the log: {len(errors)} {kinds[:8]}")
    halfway, after = rss
    click.echo(
        f"proxy RSS: before {before / MIB:.1f} MiB, after half the requests {halfway / MIB:.1f}"
        f" MiB, after all {after / MIB:.1f} MiB"
    )
    grown = (after - halfway) / MIB > rss_slack
    sys.exit(1 if failures or malformed or errors or grown else 0)


if __name__ == "__main__":
    main()
