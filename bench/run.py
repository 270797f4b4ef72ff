"""One benchmark run: start the servers, measure every scenario on every target, stop them.

Targets, all on 127.0.0.1: `direct` (the stand-in upstream itself), `nginx_proxy_pass` (nginx
relaying to it, when nginx is installed) and `proxy` (`python -m app` in front of it). Every
scenario runs on each target in turn, so a figure and its baseline come from the same minute.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2

from bench import load, micro
from bench.fixtures import (
    CHAT_PATH,
    MIB,
    Fixtures,
    write_fixtures,
)
from bench.report import Row
from bench.rows import added, failures, load_rows, memory_rows, stream_rows
from bench.scenarios import (
    AGAIN,
    EXPECTED_MODALITIES,
    SCENARIOS,
    Measured,
    Options,
    Scenario,
    StreamsMeasured,
)
from bench.streams import pooled, run_round
from bench.upstreams import Service, nginx_front, nginx_stand_in, proxy, python_stand_in
from bench.usage import cpu_seconds, peak_rss_bytes, rss_bytes

Progress = Callable[[str], None]
SETTLE_WINDOW = 0.2  # seconds
SETTLE_DEADLINE = 5.0
STREAM_ROUNDS = 3  # measured, after one unmeasured


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
            verify(name, service, fixtures, proxied=name == "proxy")
        idle = {name: rss_bytes(service.pid) / MIB for name, service in targets.items()}
        loads, again = [
            [
                measure_load(options, workdir, fixtures, scenario, name, service, progress)
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
    memory = memory_rows(idle, loads, peaks, stream_peaks)
    rows = load_rows(loads) + stream_rows(options, streams) + memory
    return Results(
        rows=rows,
        micro_baseline=micro_baseline,
        micro=timings,
        added_p50_us=added(loads, SCENARIOS[0].name),
        warnings=failures(options, loads, streams),
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


def verify(name: str, service: Service, fixtures: Fixtures, proxied: bool) -> None:
    """One request per kind before any load: each target must answer every scenario with 200,
    the expected body, and (a proxy: `proxied`) the expected `X-Modalities`. Raises
    RuntimeError."""
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
            or (proxied and modalities != EXPECTED_MODALITIES[scenario.body])
        )
        if wrong:
            raise RuntimeError(
                f"{name} answered {scenario.name!r} with {answer.status_code}, "
                f"{len(answer.content)} bytes, X-Modalities {modalities}: {answer.text[:300]}"
            )


def measure_load(
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
        settle(service.pid)
        apply(options.warmup_seconds)
    settle(service.pid)
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


def stream_limit(options: Options) -> float:
    """Seconds after which a round's unfinished streams are cut. Generous: a saturated proxy may
    relay the streams several times slower than they are sent."""
    return 60 + 20 * options.chunks * options.interval_ms / 1000


def settle(pid: int) -> None:
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
    limit = stream_limit(options)
    # The first round fills the proxy's upstream pool; the next are measured and pooled: near
    # saturation, one round's percentiles swing by a factor of 3 from one round to the next.
    run_round(service.url, CHAT_PATH, body, options.streams, limit)
    rounds, cpu = [], 0.0
    for _ in range(STREAM_ROUNDS):
        settle(service.pid)
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
