"""How long a catalog refresh stalls the event loop, with pages parsed off the loop or on it.

Starts the fake OpenRouter in its own process, then refreshes the full catalog (11 listings,
~10 MB of JSON) while a probe task measures how late its 1 ms sleeps wake up: the stall that
a stream relayed meanwhile would see. Compares `ParseWorker` (a child process, what the proxy
uses) with parsing in the event loop's thread and in a worker thread. Usage:
`python -m bench.refresh_stall [--refreshes N]`.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

from app.catalog.parse_worker import ParseWorker
from app.catalog.records import Page, parse_page
from app.catalog.refresh import CatalogRefresher
from app.settings import Settings
from app.upstream.client import Upstream
from bench.upstreams import fake_openrouter

Parser = Callable[[ParseWorker, bytes], Awaitable[Page]]


async def in_loop(worker: ParseWorker, body: bytes) -> Page:
    return parse_page(body)


async def in_thread(worker: ParseWorker, body: bytes) -> Page:
    return await asyncio.to_thread(parse_page, body)


PARSERS: dict[str, Parser] = {
    "child process (the proxy's choice)": ParseWorker.parse,
    "event loop thread": in_loop,
    "worker thread": in_thread,
}


async def worst_lags(base_url: str, parser: Parser, refreshes: int) -> list[float]:
    """The worst wake-up delay of a 1 ms sleeper during each of `refreshes` refreshes."""
    ParseWorker.parse = parser  # type: ignore[method-assign,assignment]
    lags: list[float] = []
    settings = Settings(openrouter_base_url=base_url)
    async with Upstream(settings) as upstream:
        refresher = CatalogRefresher(upstream, settings)
        for _ in range(refreshes):
            done = asyncio.Event()
            probe = asyncio.create_task(_probe(done))
            await refresher.refresh()
            done.set()
            lags.append(await probe)
    return lags


async def _probe(done: asyncio.Event) -> float:
    worst = 0.0
    while not done.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.001)
        worst = max(worst, time.perf_counter() - start - 0.001)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refreshes", type=int, default=5)
    refreshes = parser.parse_args().refreshes
    original = ParseWorker.parse
    with (
        tempfile.TemporaryDirectory(prefix="refresh-stall-") as work,
        fake_openrouter(Path(work)) as fake,
    ):
        for name, parse in PARSERS.items():
            lags = uvloop.run(worst_lags(f"{fake.url}/api/v1", parse, refreshes))
            ParseWorker.parse = original  # type: ignore[method-assign]
            print(
                f"{name}: worst event-loop stall per refresh, median "
                f"{statistics.median(lags) * 1000:.2f} ms, max {max(lags) * 1000:.2f} ms "
                f"({refreshes} refreshes)"
            )


if __name__ == "__main__":
    main()
