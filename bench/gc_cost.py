"""`python -m bench.gc_cost`: what CPython's garbage collections cost the proxy per small
request, with the catalog frozen out of them (PROXY_GC_FREEZE, the default) and without.

The proxy of this tree in front of the Python stand-in, 32 connections (`--connections`) of
small chat requests (no rewrite) for `--seconds`, after as long again to warm up;
`bench/gc_site` (on the proxy's PYTHONPATH) times each collection by generation.
"""

import argparse
import json
import os
import signal
import tempfile
import time
from pathlib import Path

from bench import load
from bench.fixtures import CHAT_PATH, write_fixtures
from bench.scenarios import SCENARIOS
from bench.upstreams import proxy, python_stand_in

SITE = Path(__file__).resolve().parent / "gc_site"
SCENARIO = next(s for s in SCENARIOS if s.name == "no rewrite, 32 conns")


def measure(
    workdir: Path, freeze: bool, seconds: int, connections: int
) -> tuple[int, dict[str, list[float]]]:
    """Requests answered and the collections' counts and seconds by generation."""
    fixtures = write_fixtures(workdir)
    stats = workdir / "gc"
    settings = {
        "PYTHONPATH": str(SITE),
        "BENCH_GC_STATS": str(stats),
        "PROXY_GC_FREEZE": str(freeze).lower(),
    }
    with (
        python_stand_in(workdir, fixtures) as upstream,
        proxy("proxy", workdir, upstream, settings=settings) as served,
    ):
        body = fixtures.bodies[SCENARIO.body]
        spec = load.Load(CHAT_PATH, body, SCENARIO.headers, connections, seconds)
        load.run("python", served.url, spec, workdir)  # warm up
        os.kill(served.pid, signal.SIGUSR2)
        result = load.run("python", served.url, spec, workdir)
        os.kill(served.pid, signal.SIGUSR1)
        written = Path(f"{stats}.{served.pid}")
        while not written.exists():
            time.sleep(0.05)
        time.sleep(0.1)  # written whole
        return result.ok, json.loads(written.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=SCENARIO.connections)
    arguments = parser.parse_args()
    seconds, connections = arguments.seconds, arguments.connections
    print("PROXY_GC_FREEZE  requests  collections (gen 0/1/2)  ms (gen 0/1/2)  us a request")
    for freeze in (False, True):
        with tempfile.TemporaryDirectory() as work:
            requests, stats = measure(Path(work), freeze, seconds, connections)
        counts = "/".join(str(n) for n in stats["collections"])
        ms = "/".join(f"{s * 1000:.0f}" for s in stats["seconds"])
        per_request = sum(stats["seconds"]) / requests * 1e6
        row = f"{str(freeze).lower():>15}  {requests:8}  {counts:>23}  {ms:>14}"
        print(f"{row}  {per_request:12.1f}")


if __name__ == "__main__":
    main()
