"""The table's rows from one run's measurements (`bench.run`): the loads', the streams' and the
memory figures, each by target, and the warnings of what failed."""

from collections.abc import Callable

from bench.report import TARGETS, Row, Unit
from bench.scenarios import (
    BIG_REWRITES,
    GROWTH_SCENARIO,
    SCENARIOS,
    Measured,
    Options,
    StreamsMeasured,
)

LoadMetric = tuple[str, Unit, Callable[[Measured], float]]
P50: LoadMetric = ("p50", "us", lambda m: m.result.p50_us)
RATE: LoadMetric = ("requests/s", "per_s", lambda m: m.result.per_second)
P99: LoadMetric = ("p99", "us", lambda m: m.result.p99_us)
CPU: LoadMetric = ("CPU per 1k req", "cpu_ms", lambda m: m.cpu_ms_per_1k)


def load_rows(loads: list[Measured]) -> list[Row]:
    """Per scenario: latency at one connection (throughput beyond), p99, CPU per request."""
    by_key = {(m.scenario, m.target): m for m in loads}
    rows = []
    for scenario in SCENARIOS:
        found = {t: m for t in TARGETS if (m := by_key.get((scenario.name, t))) is not None}
        for metric, unit, pick in (P50 if scenario.connections == 1 else RATE, P99, CPU):
            rows.append(_row(scenario.name, metric, unit, {t: pick(m) for t, m in found.items()}))
    return rows


def stream_rows(options: Options, streams: list[StreamsMeasured]) -> list[Row]:
    by_target = {m.target: m for m in streams}
    scenario = f"{options.streams} SSE streams x {options.chunks}"
    picks: list[tuple[str, Unit, Callable[[StreamsMeasured], float]]] = [
        ("chunks/s", "per_s", lambda m: m.result.chunks_per_second),
        ("chunk delay p50", "us", lambda m: m.result.delay_p50_us),
        ("chunk delay p99", "us", lambda m: m.result.delay_p99_us),
        ("TTFB p50", "us", lambda m: m.result.ttfb_p50_us),
        ("TTFB p99", "us", lambda m: m.result.ttfb_p99_us),
        ("CPU per 1k chunks", "cpu_ms", lambda m: m.cpu_ms_per_1k),
    ]
    return [
        _row(scenario, metric, unit, {t: pick(m) for t, m in by_target.items()})
        for metric, unit, pick in picks
    ]


def memory_rows(
    idle: dict[str, float],
    loads: list[Measured],
    peaks: dict[str, float],
    stream_peaks: dict[str, float],
) -> list[Row]:
    return [
        _row("RSS (VmRSS)", "idle, after start-up", "mib", idle),
        _row("peak RSS growth", GROWTH_SCENARIO, "mib", _growth(loads, GROWTH_SCENARIO)),
        _row("peak RSS over idle", BIG_REWRITES, "mib", _over_idle(loads, BIG_REWRITES, idle)),
        _row("peak RSS (VmHWM)", "non-streamed servers", "mib", dict(peaks)),
        _row("peak RSS (VmHWM)", "streaming servers", "mib", dict(stream_peaks)),
    ]


def _growth(loads: list[Measured], scenario: str) -> dict[str, float]:
    """By target: how much `scenario` raised the peak RSS over the scenario run before it."""
    growth = {}
    for target in {m.target for m in loads}:
        peaks = [m for m in loads if m.target == target]
        index = next(i for i, m in enumerate(peaks) if m.scenario == scenario)
        before = peaks[index - 1].peak_rss_mib if index else 0.0
        growth[target] = peaks[index].peak_rss_mib - before
    return growth


def _over_idle(loads: list[Measured], scenario: str, idle: dict[str, float]) -> dict[str, float]:
    """By target: its peak RSS after `scenario` (and the ones before it) over its idle RSS."""
    return {m.target: m.peak_rss_mib - idle[m.target] for m in loads if m.scenario == scenario}


def _row(scenario: str, metric: str, unit: Unit, values: dict[str, float]) -> Row:
    """A row from figures by target; `direct` and `proxy` are always measured."""
    return Row(
        scenario, metric, unit, values["direct"], values.get("nginx_proxy_pass"), values["proxy"]
    )


def added(loads: list[Measured], scenario: str) -> float:
    p50 = {m.target: m.result.p50_us for m in loads if m.scenario == scenario}
    return p50["proxy"] - p50["direct"]


def failures(options: Options, loads: list[Measured], streams: list[StreamsMeasured]) -> list[str]:
    """What went wrong in the loads and the streams, one line each."""
    found = [
        f"{m.scenario} via {m.target}: {m.result.errors} failed requests"
        for m in loads
        if m.result.errors
    ]
    found += [
        f"SSE streams via {m.target}: {m.result.complete}/{m.result.streams} complete, "
        f"{m.result.chunks}/{m.result.streams * options.chunks} chunks"
        for m in streams
        if m.result.complete < m.result.streams
        or m.result.chunks < m.result.streams * options.chunks
    ]
    return found
