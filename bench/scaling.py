"""`python -m bench --scaling`: small requests/s with 1, 2, 4 and 8 proxy workers, each layout
measured only when the machine has a core for every process that works.

A figure for N workers means something only when the N workers have N cores of their own, and
the stand-in upstream and the load generator do not take from them: each gets its own core,
pinned with `sched_setaffinity` (what `taskset` does). N workers need N + 2 cores; a layout that
does not fit is reported as not measured, with why. Scaling efficiency is N workers' requests/s
over N times one worker's, from the same run.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench import load
from bench.fixtures import AUTHORIZATION, CHAT_PATH, Fixtures
from bench.upstreams import Service, nginx_stand_in, proxy, python_stand_in

WORKERS = (1, 2, 4, 8)
CONNECTIONS_PER_WORKER = 32
OTHER_PROCESSES = 2  # the stand-in upstream and the load generator, a core each


@dataclass(frozen=True)
class Layout:
    """Which cores each process runs on, for `workers` proxy workers."""

    workers: int
    stand_in: frozenset[int]
    load: frozenset[int]
    proxy: frozenset[int]


@dataclass(frozen=True)
class Scaled:
    """One layout's figure, or why it was not measured."""

    workers: int
    per_second: float | None
    errors: int = 0
    skipped: str = ""


def layouts(cores: list[int]) -> tuple[list[Layout], list[Scaled]]:
    """The layouts that fit on `cores`, and a Scaled saying why for each one that does not."""
    fitting, skipped = [], []
    for workers in WORKERS:
        needed = workers + OTHER_PROCESSES
        if len(cores) < needed:
            why = (
                f"needs {needed} cores ({workers} for the workers, one for the stand-in, one "
                f"for the load generator); this machine lets the bench use {len(cores)}"
            )
            skipped.append(Scaled(workers, None, skipped=why))
            continue
        stand_in, load_core, *rest = cores
        proxy_cores = frozenset(rest[:workers])
        fitting.append(Layout(workers, frozenset({stand_in}), frozenset({load_core}), proxy_cores))
    return fitting, skipped


def run(
    tool: load.Tool, nginx: str | None, workdir: Path, fixtures: Fixtures, seconds: int
) -> list[Scaled]:
    """Measure every layout that fits this machine; the rest say why not, in `WORKERS` order."""
    fitting, skipped = layouts(sorted(os.sched_getaffinity(0)))
    measured = [_measure(tool, nginx, workdir, fixtures, seconds, layout) for layout in fitting]
    return sorted(measured + skipped, key=lambda scaled: scaled.workers)


def table(results: list[Scaled]) -> str:
    """Requests/s, per worker, and the efficiency against one worker's figure."""
    one = next((r.per_second for r in results if r.workers == 1 and r.per_second), None)
    lines = [f"{'workers':>7}  {'requests/s':>11}  {'per worker':>10}  {'efficiency':>10}"]
    lines.append("-" * len(lines[0]))
    for r in results:
        if r.per_second is None:
            lines.append(f"{r.workers:>7}  not measured: {r.skipped}")
            continue
        per_worker = r.per_second / r.workers
        efficiency = f"{per_worker / one:.0%}" if one else "-"
        errors = f"  ({r.errors} errors)" if r.errors else ""
        lines.append(
            f"{r.workers:>7}  {r.per_second:>11,.0f}  {per_worker:>10,.0f}  {efficiency:>10}"
            + errors
        )
    return "\n".join(lines)


def _measure(
    tool: load.Tool,
    nginx: str | None,
    workdir: Path,
    fixtures: Fixtures,
    seconds: int,
    layout: Layout,
) -> Scaled:
    run_dir = workdir / f"workers-{layout.workers}"
    run_dir.mkdir()
    with (
        _stand_in(nginx, run_dir, fixtures) as upstream,
        proxy("proxy", run_dir, upstream, workers=layout.workers) as service,
    ):
        pin(upstream.pid, layout.stand_in)
        pin(service.pid, layout.proxy)
        spec = load.Load(
            CHAT_PATH,
            fixtures.bodies["rewrite"],
            (AUTHORIZATION,),
            CONNECTIONS_PER_WORKER * layout.workers,
            seconds,
        )
        with pinned_here(layout.load):  # the Python client runs here; wrk and hey inherit it
            load.run(tool, service.url, spec, run_dir)  # warm-up: every worker's pool filled
            result = load.run(tool, service.url, spec, run_dir)
    return Scaled(layout.workers, result.per_second, result.errors)


@contextmanager
def _stand_in(nginx: str | None, workdir: Path, fixtures: Fixtures) -> Iterator[Service]:
    if nginx is None:
        with python_stand_in(workdir, fixtures) as service:
            yield service
    else:
        with nginx_stand_in(nginx, workdir, fixtures) as service:
            yield service


def pin(pid: int, cores: frozenset[int]) -> None:
    """Pin every thread of `pid` and of its descendants to `cores`."""
    process = psutil.Process(pid)
    for each in [process, *process.children(recursive=True)]:
        for thread in each.threads():
            os.sched_setaffinity(thread.id, cores)


@contextmanager
def pinned_here(cores: frozenset[int]) -> Iterator[None]:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)
