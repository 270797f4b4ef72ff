"""`python -m bench.stream_workers`: the SSE streams of `python -m bench` through 1 and 2 workers.

`python -m bench` relays its streams through one worker, so that one process's CPU is measured.
This runs the same streams (the streaming stand-in, `bench.streams` rounds: one unmeasured, then
`--rounds` pooled) against the stand-in directly and through the proxy with each `--workers`
count, and prints chunks/s, the per-chunk delay and time to first byte, each with what the proxy
adds to the stand-in's own, and the CPU of the server and its workers per chunk. Everything
shares the machine's cores: two workers here compete with the stand-in and the client for two
cores.
"""

import tempfile
from pathlib import Path

import click
import psutil

from bench.fixtures import CHAT_PATH, REPO, write_fixtures
from bench.streams import StreamsResult, pooled, run_round
from bench.upstreams import Service, proxy, python_stand_in
from bench.usage import cpu_seconds

LIMIT_SECONDS = 120.0


def measure(
    service: Service, body: bytes, streams: int, rounds: int
) -> tuple[StreamsResult, float]:
    """The pooled rounds through `service`, and the CPU µs per chunk of its processes (the
    server and its workers)."""
    run_round(service.url, CHAT_PATH, body, streams, LIMIT_SECONDS)  # fills the pools
    pids = [service.pid, *(worker.pid for worker in psutil.Process(service.pid).children())]
    before = sum(map(cpu_seconds, pids))
    result = pooled(
        [run_round(service.url, CHAT_PATH, body, streams, LIMIT_SECONDS) for _ in range(rounds)]
    )
    spent = sum(map(cpu_seconds, pids)) - before
    return result, spent * 1e6 / max(result.chunks, 1)


@click.command()
@click.option("--workers", "counts", type=click.IntRange(1, 16), multiple=True, default=(1, 2))
@click.option("--streams", type=click.IntRange(1, 2000), default=256, show_default=True)
@click.option("--chunks", type=click.IntRange(1), default=200, show_default=True)
@click.option("--interval-ms", type=click.FloatRange(0.1), default=5.0, show_default=True)
@click.option("--rounds", type=click.IntRange(1, 20), default=3, show_default=True)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Run the proxy of another checkout.  [default: this one]",
)
def main(
    counts: tuple[int, ...],
    streams: int,
    chunks: int,
    interval_ms: float,
    rounds: int,
    repo: Path | None,
) -> None:
    """Relay `--streams` SSE streams through 1 and 2 workers (see the module docstring)."""
    with tempfile.TemporaryDirectory(prefix="modality-stream-workers-") as name:
        workdir = Path(name)
        fixtures = write_fixtures(workdir)
        body = fixtures.bodies["stream"].read_bytes()
        with python_stand_in(workdir, fixtures, chunks, interval_ms) as stand_in:
            direct, _ = measure(stand_in, body, streams, rounds)
            click.echo(f"{streams} streams x {chunks}, {rounds} rounds pooled; added = over direct")
            click.echo(_line("direct", direct, direct, None))
            for count in counts:
                with proxy(f"proxy-{count}", workdir, stand_in, repo or REPO, count) as service:
                    result, cpu_us = measure(service, body, streams, rounds)
                click.echo(_line(f"{count} worker(s)", result, direct, cpu_us))


def _line(label: str, result: StreamsResult, direct: StreamsResult, cpu_us: float | None) -> str:
    added = f"+{result.delay_p99_us - direct.delay_p99_us:,.0f}"
    cpu = f"{cpu_us:5.1f} µs CPU/chunk" if cpu_us is not None else ""
    return (
        f"{label:<12} {result.chunks_per_second:>9,.0f} chunks/s  "
        f"delay p50 {result.delay_p50_us:>8,.0f} µs  p99 {result.delay_p99_us:>8,.0f} µs "
        f"({added:>8} µs)  TTFB p50 {result.ttfb_p50_us / 1000:>7,.1f} ms  "
        f"complete {result.complete}/{result.streams}  {cpu}"
    )


if __name__ == "__main__":
    main()
