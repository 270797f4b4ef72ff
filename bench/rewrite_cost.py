"""`python -m bench.rewrite_cost`: what rewriting a big chat body costs the proxy, against the
same body needing no rewrite, in one run.

Starts the Python stand-in upstream and the proxy (`python -m app` of this checkout, or of
`--repo`, to compare two commits on the same machine in the same minute) on 127.0.0.1. For 5 and
20 MiB bodies (a base64 image in `messages`, as image-to-image requests send), sends one at a
time, rewrite and no-rewrite interleaved, and prints the proxy's p50 and its CPU per request;
then sends 32 5 MiB rewrites at once, a few rounds, and prints the proxy's peak RSS over its
RSS before them (the peak is reset first). First, in this process, it times the rewrite itself
(serializing again, as before json_patch, against editing in the bytes). CPU per request is
the steadier figure on a busy machine: latency moves with what else runs, CPU time much less.
"""

import asyncio
import statistics
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import httpx2
import orjson

from app.translate import json_patch
from bench.fixtures import AUTHORIZATION, CHAT_PATH, MIB, REPO, write_fixtures
from bench.upstreams import Service, proxy, python_stand_in
from bench.usage import cpu_seconds, peak_rss_bytes, reset_peak, rss_bytes

NEW_MODALITIES = {"modalities": b'["image"]'}
SIZES = {5: ("big_request", "big_no_rewrite"), 20: ("huge_request", "huge_no_rewrite")}
HEADERS = {AUTHORIZATION[0]: AUTHORIZATION[1], "Content-Type": "application/json"}


def one_at_a_time(service: Service, bodies: dict[str, bytes], requests: int) -> dict[str, str]:
    """p50 and proxy CPU per request of each body, sent in turn `requests` times."""
    seconds: dict[str, list[float]] = {name: [] for name in bodies}
    cpu = dict.fromkeys(bodies, 0.0)
    with httpx2.Client(headers=HEADERS, timeout=60) as client:
        for _ in range(requests):
            for name, body in bodies.items():
                before, start = cpu_seconds(service.pid), time.perf_counter()
                client.post(service.url + CHAT_PATH, content=body).raise_for_status()
                seconds[name].append(time.perf_counter() - start)
                cpu[name] += cpu_seconds(service.pid) - before
    return {
        name: f"p50 {statistics.median(seconds[name]) * 1000:6.2f} ms, "
        f"CPU {cpu[name] / requests * 1000:6.2f} ms per request"
        for name in bodies
    }


async def concurrent_peak(service: Service, body: bytes, clients: int, rounds: int) -> float:
    """The proxy's peak RSS growth, in MiB, while `clients` send `body` at once, `rounds` times."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    limits = httpx2.Limits(max_connections=clients)
    async with httpx2.AsyncClient(headers=HEADERS, timeout=120, limits=limits) as client:
        for _ in range(rounds):
            sent = [client.post(service.url + CHAT_PATH, content=body) for _ in range(clients)]
            for answer in await asyncio.gather(*sent):
                answer.raise_for_status()
    return (peak_rss_bytes(service.pid) - before) / MIB


REWRITES: dict[str, Callable[[bytes, Any], object]] = {
    "serialize again": lambda body, payload: orjson.dumps(payload),
    "edit, joined": lambda body, payload: json_patch.edit(body, NEW_MODALITIES),
    "edit, pieces": lambda body, payload: json_patch.edited_pieces(body, NEW_MODALITIES),
}


def _best_us(rewrite: Callable[[bytes, Any], object], body: bytes) -> float:
    payload = orjson.loads(body)
    number = 2000 if len(body) < 10_000 else 5
    runs = timeit.repeat(lambda: rewrite(body, payload), number=number, repeat=5)
    return min(runs) / number * 1e6


def in_process(bodies: dict[str, bytes]) -> list[str]:
    """Best-of-5 timings, in this process, of what a rewrite costs beyond the parse that every
    body gets: serializing the parsed body again (before json_patch), editing it in its bytes
    and joining the result, and editing it into the pieces that are sent (now)."""
    lines = []
    for name in ("rewrite", "big_request", "huge_request"):
        body = bodies[name]
        timings = {case: _best_us(run, body) for case, run in REWRITES.items()}
        shown = ", ".join(f"{case} {us:,.1f} µs" for case, us in timings.items())
        lines.append(f"{len(body) / MIB:7.3f} MiB {name:<13} {shown}")
    return lines


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--requests", type=click.IntRange(1), default=30, show_default=True)
@click.option("--rounds", type=click.IntRange(1), default=3, show_default=True)
@click.option(
    "--repo",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Run the proxy of this checkout instead (e.g. `git archive` of another commit).",
)
def main(requests: int, rounds: int, repo: Path | None) -> None:
    """Measure the cost of rewriting big bodies; see the module's docstring."""
    with tempfile.TemporaryDirectory(prefix="rewrite-cost-") as work:
        workdir = Path(work)
        fixtures = write_fixtures(workdir)
        bodies = {name: path.read_bytes() for name, path in fixtures.bodies.items()}
        for line in in_process(bodies):
            click.echo(line)
        with (
            python_stand_in(workdir, fixtures) as upstream,
            proxy("proxy", workdir, upstream, repo or REPO) as service,
        ):
            for size, names in SIZES.items():
                figures = one_at_a_time(service, {name: bodies[name] for name in names}, requests)
                for name, figure in figures.items():
                    click.echo(f"{size:>2} MiB {name:<16} {figure}")
            peak = asyncio.run(concurrent_peak(service, bodies["big_request"], 32, rounds))
            click.echo(
                f"32 x 5 MiB rewrites at once ({rounds} rounds): peak RSS +{peak:.0f} MiB "
                f"over the RSS before (bodies in flight: {32 * 5} MiB)"
            )


if __name__ == "__main__":
    main()
