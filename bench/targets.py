"""The performance targets (issue 17), checked against one run's figures and printed after the
table: each as a goal, the proxy's figure and whether it is met."""

import math
from collections.abc import Callable
from dataclasses import dataclass

from bench.fixtures import BIG_REQUEST_BYTES, MIB
from bench.report import Row

BIG_REWRITES_IN_FLIGHT = 32


@dataclass(frozen=True)
class Target:
    """One goal and the figure that meets it or not; `figure` is NaN when it was not measured."""

    goal: str
    figure: float
    shown: str  # the figure with its unit
    met: bool


Rows = dict[tuple[str, str], Row]


def check(rows: list[Row], streams: str) -> list[Target]:
    """The targets, from `rows` (`streams`: the name of the SSE scenario's rows)."""
    by_key = {(row.scenario, row.metric): row for row in rows}
    in_flight = BIG_REWRITES_IN_FLIGHT * BIG_REQUEST_BYTES / MIB
    checks: list[tuple[str, float, str, Callable[[float], bool]]] = [
        (
            "small request: added p50 at 1 conn <= 0.2 ms",
            _added(by_key, "rewrite, 1 conn", "p50"),
            "µs",
            lambda us: us <= 200,
        ),
        (
            "small request: proxy CPU <= 0.12 ms each",
            _proxy(by_key, "rewrite, 32 conns", "CPU per 1k req") / 1000,
            "ms",
            lambda ms: ms <= 0.12,
        ),
        (
            "small requests: >= 7,000/s at 32 conns, one worker",
            _proxy(by_key, "rewrite, 32 conns", "requests/s"),
            "/s",
            lambda rate: rate >= 7000,
        ),
        *(
            (
                f"{size} MiB: rewrite adds <= 1 ms at p50 over no rewrite",
                (
                    _proxy(by_key, f"{size} MiB request, 1 conn", "p50")
                    - _proxy(by_key, f"{size} MiB no rewrite, 1 conn", "p50")
                )
                / 1000,
                "ms",
                lambda ms: ms <= 1,
            )
            for size in (5, 20)
        ),
        (
            f"peak RSS over idle, 32 x 5 MiB rewrites <= 2 x {in_flight:.0f} MiB in flight",
            _proxy(by_key, "peak RSS over idle", "5 MiB request, 32 conns"),
            "MiB",
            lambda mib: mib <= 2 * in_flight,
        ),
        (
            "per relayed chunk: proxy CPU <= 10 µs",
            _proxy(by_key, streams, "CPU per 1k chunks"),  # ms per 1,000 = µs per one
            "µs",
            lambda us: us <= 10,
        ),
        (
            "streams: added per-chunk p99 <= 2 ms (one worker here)",
            _added(by_key, streams, "chunk delay p99") / 1000,
            "ms",
            lambda ms: ms <= 2,
        ),
    ]
    return [
        Target(goal, figure, f"{figure:,.2f} {unit}", not math.isnan(figure) and ok(figure))
        for goal, figure, unit, ok in checks
    ]


def table(targets: list[Target]) -> str:
    """The targets as aligned text."""
    width = max(len(target.goal) for target in targets)
    lines = [f"{'target':<{width}}  {'proxy':>14}  met", "-" * (width + 21)]
    lines += [f"{t.goal:<{width}}  {t.shown:>14}  {'yes' if t.met else 'no'}" for t in targets]
    return "\n".join(lines)


def _proxy(rows: Rows, scenario: str, metric: str) -> float:
    row = rows.get((scenario, metric))
    return row.proxy if row else math.nan


def _added(rows: Rows, scenario: str, metric: str) -> float:
    row = rows.get((scenario, metric))
    return row.proxy - row.direct if row else math.nan
