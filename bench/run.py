"""One benchmark run: start the servers, measure every scenario on every target, stop them.

Targets, all on 127.0.0.1: `direct` (the stand-in upstream itself), `nginx_proxy_pass` (nginx
relaying to it, when nginx is installed) and `proxy` (`python -m app` in front of it). Every
scenario runs on each target in turn, so a figure and its baseline come from the same minute.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

import httpx2

from bench import load, micro
from bench.fixtures import (
    AUTHORIZATION,
    BIG_RESPONSE_HEADER,
    CHAT_PATH,
    MIB,
    REPO,
    Fixtures,
    write_fixtures,
)
from bench.procstat import cpu_seconds, peak_rss_bytes, rss_bytes
from bench.report import TARGETS, Row, Unit
from bench.streams import StreamsResult, pooled, run_round
from bench.upstreams import Service, nginx_front, nginx_stand_in, proxy, python_stand_in

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """What `python -m bench` was asked for, with defaults and tool choices resolved."""

    seconds: int  # per measured load
    warmup_seconds: int  # unmeasured load on the same target just before
    upstream: Literal["nginx", "python"]
    tool: load.Tool
    nginx: str | None  # nginx's path: the stand-in (with upstream "nginx") and the reference
    streams: int
    chunks: int
    interval_ms: float
    repo: Path = REPO  # whose `app/` the proxy runs: this checkout, or another to compare


@dataclass(frozen=True)
class Scenario:
    """A non-streamed load: which body, how many connections, which answer (small or big)."""

    name: str
    body: str  # a `Fixtures.bodies` name
    connections: int
    big_response: bool = False

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        return (AUTHORIZATION, BIG_RESPONSE_HEADER) if self.big_response else (AUTHORIZATION,)


BIG_REWRITES = "5 MiB request, 32 conns"
SCENARIOS = (
    Scenario("rewrite, 1 conn", "rewrite", 1),
    Scenario("no rewrite, 1 conn", "no_rewrite", 1),
    Scenario("rewrite, 32 conns", "rewrite", 32),
    Scenario("no rewrite, 32 conns", "no_rewrite", 32),
    Scenario("rewrite, 256 conns", "rewrite", 256),
    Scenario("no rewrite, 256 conns", "no_rewrite", 256),
    # Before the 5 MiB requests, which raise the peak RSS more: the growth this one causes shows.
    Scenario("10 MiB response, 1 conn", "no_rewrite", 1, big_response=True),
    Scenario("10 MiB response, 32 conns", "no_rewrite", 32, big_response=True),
    # The 32 concurrent 5 MiB rewrites before the bodies that are bigger, so that the peak RSS
    # after them is theirs (see `_memory_rows`).
    Scenario(BIG_REWRITES, "big_request", 32),
    Scenario("5 MiB request, 1 conn", "big_request", 1),
    Scenario("5 MiB no rewrite, 1 conn", "big_no_rewrite", 1),
    Scenario("20 MiB request, 1 conn", "huge_request", 1),
    Scenario("20 MiB no rewrite, 1 conn", "huge_no_rewrite", 1),
)
# Each pair (a body needing a rewrite, the same needing none) is measured again in the reverse
# order, and the two measurements of each pooled: whichever of a pair runs first after the 32
# concurrent 5 MiB rewrites is slowed by about a millisecond at p50, as much as the difference
# the pair is there to show.
AGAIN = tuple(reversed(SCENARIOS[-4:]))
GROWTH_SCENARIO = "10 MiB response, 1 conn"
SETTLE_WINDOW = 0.2  # seconds
SETTLE_DEADLINE = 5.0
STREAM_ROUNDS = 3  # measured, after one unmeasured
# What the proxy must say it sent upstream for each body: proof the policy ran as intended.
EXPECTED_MODALITIES = {
    "rewrite": "image",
    "no_rewrite": "unchanged",
    "big_request": "image",
    "big_no_rewrite": "unchanged",
    "huge_request": "image",
    "huge_no_rewrite": "unchanged",
}


@dataclass(frozen=True)
class Measured:
    """One load on one target, and the CPU its server process spent meanwhile."""

    scenario: str
    target: str
    connections: int
    result: load.LoadResult
    cpu_seconds: float
    peak_rss_mib: float  # VmHWM after this load: the scenarios that raise it are the culprits

    def pooled(self, again: "Measured") -> "Measured":
        """This and another measurement of the same load: counts and CPU summed, percentiles
        averaged (each run's own, weighted alike)."""
        first, second = self.result, again.result
        result = load.LoadResult(
            ok=first.ok + second.ok,
            errors=first.errors + second.errors,
            seconds=first.seconds + second.seconds,
            p50_us=(first.p50_us + second.p50_us) / 2,
            p99_us=(first.p99_us + second.p99_us) / 2,
        )
        peak = max(self.peak_rss_mib, again.peak_rss_mib)
        return replace(
            self, result=result, cpu_seconds=self.cpu_seconds + again.cpu_seconds, peak_rss_mib=peak
        )

    @property
    def cpu_ms_per_1k(self) -> float:
        return self.cpu_seconds * 1e6 / self.result.ok if self.result.ok else float("nan")

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "target": self.target,
            "connections": self.connections,
            **asdict(self.result),
            "per_second": self.result.per_second,
            "cpu_seconds": self.cpu_seconds,
            "cpu_ms_per_1k_requests": self.cpu_ms_per_1k,
            "peak_rss_mib_after": self.peak_rss_mib,
        }


@dataclass(frozen=True)
class StreamsMeasured:
    """The measured round of SSE streams on one target, and its server's CPU meanwhile."""

    target: str
    result: StreamsResult
    cpu_seconds: float

    @property
    def cpu_ms_per_1k(self) -> float:
        chunks = self.result.chunks
        return self.cpu_seconds * 1e6 / chunks if chunks else float("nan")

    def as_json(self) -> dict[str, Any]:
        return {
            "target": self.target,
            **asdict(self.result),
            "chunks_per_second": self.result.chunks_per_second,
            "cpu_seconds": self.cpu_seconds,
            "cpu_ms_per_1k_chunks": self.cpu_ms_per_1k,
        }


@dataclass(frozen=True)
class Results:
    """Everything measured: the table's rows and the raw figures behind them."""

    rows: list[Row]
    micro_baseline: micro.Timing
    micro: list[micro.Timing]
    added_p50_us: float  # what the proxy adds to one small request, for the micro shares
    warnings: list[str]
    loads: list[Measured]
    streams: list[StreamsMeasured]
    peak_rss_mib: dict[str, float]


def run(options: Options, workdir: Path, progress: Progress) -> Results:
    """Measure everything; `workdir` (empty) holds fixtures, configs and server logs."""
    progress("catalog lookup and policy decision (timeit)")
    micro_baseline, timings = micro.measure()
    fixtures = write_fixtures(workdir)
    with _servers(options, workdir, fixtures) as targets:
        for name, service in targets.items():
            _verify(name, service, fixtures)
        idle = {name: rss_bytes(service.pid) / MIB for name, service in targets.items()}
        loads, again = [
            [
                _measure(options, workdir, fixtures, scenario, name, service, progress)
                for scenario in scenarios
                for name, service in targets.items()
            ]
            for scenarios in (SCENARIOS, AGAIN)
        ]
        second = {(measured.scenario, measured.target): measured for measured in again}
        loads = [
            measured.pooled(second[key])
            if (key := (measured.scenario, measured.target)) in second
            else measured
            for measured in loads
        ]
        peaks = {name: peak_rss_bytes(service.pid) / MIB for name, service in targets.items()}
    with (
        python_stand_in(workdir, fixtures, options.chunks, options.interval_ms) as stream_upstream,
        proxy("proxy-streams", workdir, stream_upstream, options.repo) as stream_proxy,
    ):
        stream_targets = {"direct": stream_upstream, "proxy": stream_proxy}
        streams = [
            _measure_streams(options, fixtures, name, service, progress)
            for name, service in stream_targets.items()
        ]
        stream_peaks = {
            name: peak_rss_bytes(service.pid) / MIB for name, service in stream_targets.items()
        }
    memory = _memory_rows(idle, loads, peaks, stream_peaks)
    rows = _load_rows(loads) + _stream_rows(options, streams) + memory
    return Results(
        rows=rows,
        micro_baseline=micro_baseline,
        micro=timings,
        added_p50_us=_added(loads, SCENARIOS[0].name),
        warnings=_warnings(options, loads, streams),
        loads=loads,
        streams=streams,
        peak_rss_mib={**peaks, **{f"streams_{name}": mib for name, mib in stream_peaks.items()}},
    )


@contextmanager
def _servers(options: Options, workdir: Path, fixtures: Fixtures) -> Iterator[dict[str, Service]]:
    with ExitStack() as stack:
        if options.upstream == "nginx":
            assert options.nginx is not None
            upstream = stack.enter_context(nginx_stand_in(options.nginx, workdir, fixtures))
        else:
            upstream = stack.enter_context(python_stand_in(workdir, fixtures))
        targets = {"direct": upstream}
        if options.nginx is not None:
            targets["nginx_proxy_pass"] = stack.enter_context(
                nginx_front(options.nginx, workdir, upstream)
            )
        targets["proxy"] = stack.enter_context(proxy("proxy", workdir, upstream, options.repo))
        yield targets


def _verify(name: str, service: Service, fixtures: Fixtures) -> None:
    """One request per kind before any load: each target must answer every scenario with 200,
    the expected body, and (the proxy) the expected `X-Modalities`. Raises RuntimeError."""
    sizes = {
        False: fixtures.completion.stat().st_size,
        True: fixtures.big_completion.stat().st_size,
    }
    for scenario in SCENARIOS:
        answer = httpx2.post(
            service.url + CHAT_PATH,
            content=fixtures.bodies[scenario.body].read_bytes(),
            headers=dict(scenario.headers) | {"Content-Type": "application/json"},
            timeout=30,
        )
        modalities = answer.headers.get("x-modalities")
        wrong = (
            answer.status_code != 200
            or len(answer.content) != sizes[scenario.big_response]
            or (name == "proxy" and modalities != EXPECTED_MODALITIES[scenario.body])
        )
        if wrong:
            raise RuntimeError(
                f"{name} answered {scenario.name!r} with {answer.status_code}, "
                f"{len(answer.content)} bytes, X-Modalities {modalities}: {answer.text[:300]}"
            )


def _measure(
    options: Options,
    workdir: Path,
    fixtures: Fixtures,
    scenario: Scenario,
    name: str,
    service: Service,
    progress: Progress,
) -> Measured:
    def apply(seconds: int) -> load.LoadResult:
        spec = load.Load(
            CHAT_PATH,
            fixtures.bodies[scenario.body],
            scenario.headers,
            scenario.connections,
            seconds,
        )
        return load.run(options.tool, service.url, spec, workdir)

    if options.warmup_seconds:
        _settle(service.pid)
        apply(options.warmup_seconds)
    _settle(service.pid)
    before = cpu_seconds(service.pid)
    result = apply(options.seconds)
    measured = Measured(
        scenario.name,
        name,
        scenario.connections,
        result,
        cpu_seconds(service.pid) - before,
        peak_rss_bytes(service.pid) / MIB,
    )
    progress(
        f"{scenario.name:<27} {name:<17} {result.per_second:>9,.0f} req/s  "
        f"p50 {result.p50_us:>9,.0f} µs  p99 {result.p99_us:>9,.0f} µs  "
        f"CPU {measured.cpu_ms_per_1k:>7,.1f} ms/1k  errors {result.errors}"
    )
    return measured


def _settle(pid: int) -> None:
    """Wait until `pid` is idle (under 10% of a core for 0.2 s; 5 s at most).

    A load generator that exits leaves the server finishing abandoned requests and closing its
    connections. The proxy needs ~0.2 s for that after 256 connections; a load that starts
    meanwhile sees 1-2 s stalls on some of its new connections (TCP retransmissions), which
    would be measured as the next scenario's tail latency.
    """
    deadline = time.monotonic() + SETTLE_DEADLINE
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(SETTLE_WINDOW)
        if cpu_seconds(pid) - before < SETTLE_WINDOW / 10:
            return


def _measure_streams(
    options: Options, fixtures: Fixtures, name: str, service: Service, progress: Progress
) -> StreamsMeasured:
    body = fixtures.bodies["stream"].read_bytes()
    # Generous: a saturated proxy may relay the streams several times slower than they are sent.
    limit = 60 + 20 * options.chunks * options.interval_ms / 1000
    # The first round fills the proxy's upstream pool; the next are measured and pooled: near
    # saturation, one round's percentiles swing by a factor of 3 from one round to the next.
    run_round(service.url, CHAT_PATH, body, options.streams, limit)
    rounds, cpu = [], 0.0
    for _ in range(STREAM_ROUNDS):
        _settle(service.pid)
        before = cpu_seconds(service.pid)
        rounds.append(run_round(service.url, CHAT_PATH, body, options.streams, limit))
        cpu += cpu_seconds(service.pid) - before
    result = pooled(rounds)
    progress(
        f"{'SSE streams':<27} {name:<17} {result.chunks_per_second:>9,.0f} chunks/s  "
        f"delay p50 {result.delay_p50_us:,.0f} µs p99 {result.delay_p99_us:,.0f} µs  "
        f"TTFB p50 {result.ttfb_p50_us:,.0f} µs  complete {result.complete}/{result.streams}"
    )
    return StreamsMeasured(name, result, cpu)


LoadMetric = tuple[str, Unit, Callable[[Measured], float]]
P50: LoadMetric = ("p50", "us", lambda m: m.result.p50_us)
RATE: LoadMetric = ("requests/s", "per_s", lambda m: m.result.per_second)
P99: LoadMetric = ("p99", "us", lambda m: m.result.p99_us)
CPU: LoadMetric = ("CPU per 1k req", "cpu_ms", lambda m: m.cpu_ms_per_1k)


def _load_rows(loads: list[Measured]) -> list[Row]:
    """Per scenario: latency at one connection (throughput beyond), p99, CPU per request."""
    by_key = {(m.scenario, m.target): m for m in loads}
    rows = []
    for scenario in SCENARIOS:
        found = {t: m for t in TARGETS if (m := by_key.get((scenario.name, t))) is not None}
        for metric, unit, pick in (P50 if scenario.connections == 1 else RATE, P99, CPU):
            rows.append(_row(scenario.name, metric, unit, {t: pick(m) for t, m in found.items()}))
    return rows


def _stream_rows(options: Options, streams: list[StreamsMeasured]) -> list[Row]:
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


def _memory_rows(
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


def _added(loads: list[Measured], scenario: str) -> float:
    p50 = {m.target: m.result.p50_us for m in loads if m.scenario == scenario}
    return p50["proxy"] - p50["direct"]


def _warnings(options: Options, loads: list[Measured], streams: list[StreamsMeasured]) -> list[str]:
    warnings = [
        f"{m.scenario} via {m.target}: {m.result.errors} failed requests"
        for m in loads
        if m.result.errors
    ]
    warnings += [
        f"SSE streams via {m.target}: {m.result.complete}/{m.result.streams} complete, "
        f"{m.result.chunks}/{m.result.streams * options.chunks} chunks"
        for m in streams
        if m.result.complete < m.result.streams
        or m.result.chunks < m.result.streams * options.chunks
    ]
    return warnings
