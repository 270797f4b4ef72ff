"""`python -m bench.call_costs TARGET...`: what each named function of the proxy costs a request
in the proxy as it runs, at one connection.

A function timed in a loop of its own (`timeit`) runs with warm caches; in the proxy at one
connection every request starts after a wait, and the same code can take several times longer.
This runs the proxy as `python -m bench --compare` does (the Python stand-in behind it, the proxy
on one core, the stand-in and this process on the other), through `bench.timed_proxy`, which
times each TARGET (`module:qualname`, as its callers reach it: e.g.
`app.ops.metrics:Metrics.count`); then sends small chat requests one after another and prints
each target's calls per request and mean time per call. The timers add ~0.1 us to each call.
"""

import json
import os
import signal
import tempfile
import time
from pathlib import Path

import click
import httpx2

from bench.fixtures import AUTHORIZATION, CHAT_PATH, write_fixtures
from bench.scaling import pin, pinned_here
from bench.upstreams import proxy, python_stand_in

WARM_UP = 300


@click.command()
@click.argument("targets", nargs=-1, required=True)
@click.option("--requests", default=4000, show_default=True, help="Requests measured.")
@click.option("--body", type=click.Choice(["rewrite", "no_rewrite"]), default="no_rewrite")
def main(targets: tuple[str, ...], requests: int, body: str) -> None:
    """Time TARGETS in the proxy under small requests at one connection."""
    with tempfile.TemporaryDirectory(prefix="modality-bench-calls-") as work:
        workdir = Path(work)
        fixtures = write_fixtures(workdir)
        output = workdir / "timed.json"
        settings = {"BENCH_TIMED": ",".join(targets), "BENCH_TIMED_OUT": str(output)}
        content = fixtures.bodies[body].read_bytes()
        headers = {"content-type": "application/json", AUTHORIZATION[0]: AUTHORIZATION[1]}
        with (
            python_stand_in(workdir, fixtures) as upstream,
            proxy("timed", workdir, upstream, settings=settings, module="bench.timed_proxy") as at,
        ):
            cores = sorted(os.sched_getaffinity(0))
            pin(at.pid, frozenset(cores[-1:]))
            pin(upstream.pid, frozenset(cores[:-1] or cores))
            with pinned_here(frozenset(cores[:-1] or cores)), httpx2.Client() as client:
                for count, signal_number in [(WARM_UP, signal.SIGUSR1), (requests, signal.SIGUSR2)]:
                    for _ in range(count):
                        answer = client.post(at.url + CHAT_PATH, content=content, headers=headers)
                        answer.raise_for_status()
                    os.kill(at.pid, signal_number)
                    time.sleep(0.5)  # the handler runs between two of the proxy's bytecodes
            totals = json.loads(output.read_text())
    click.echo(f"{requests} requests ({body}), one at a time; per call, timers included")
    for name, (calls, nanoseconds) in totals.items():
        per_call = nanoseconds / calls / 1000 if calls else float("nan")
        click.echo(f"{per_call:8.2f} us  {calls / requests:5.2f} calls a request  {name}")


if __name__ == "__main__":
    main()
