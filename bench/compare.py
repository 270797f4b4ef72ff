"""`python -m bench --compare DIR`: the proxy of another checkout ("before") and of this one
("after") in one run, loaded by turns, so that the machine's drift hits both alike.

One streaming stand-in upstream (it answers the small requests too) and the two proxies in front
of it, same settings, all on 127.0.0.1; the proxies are started afresh a few times in the run
(`--pairs`), and a first round warms each pair up, not counted. In each round, for each
scenario, the two proxies get the same load back to back, in the order
`bench.paired.order` gives. Each load's figure is that proxy's CPU (`bench.usage.cpu_seconds`)
per request answered or chunk relayed; `bench.paired` turns the rounds into medians, the median
of the per-round ratios after/before, its interval and a verdict.
"""

import os
import statistics
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import load
from bench.fixtures import CHAT_PATH, Fixtures, write_fixtures
from bench.paired import CONFIDENCE, LIMIT, Side, Summary, order, ratios, summarize
from bench.report import machine
from bench.run import Progress, measure_load, settle, stream_limit, verify
from bench.scaling import pin, pinned_here
from bench.scenarios import SCENARIOS, Options, Scenario
from bench.streams import run_round
from bench.upstreams import Service, proxy, python_stand_in
from bench.usage import cpu_seconds

SMALL = tuple(
    s
    for s in SCENARIOS
    if s.body in ("rewrite", "no_rewrite") and not s.big_response and s.connections <= 32
)
STREAMS = "SSE streams"
ROUNDS = 20  # defaults: see bench/README.md for what fewer or shorter rounds resolve
PAIRS = 4  # pairs of proxy processes the rounds are spread over (see `run`)
STREAMS_AT_ONCE, CHUNKS = 64, 400  # 2 s of streams at 5 ms a chunk, ~0.6 s of the proxy's CPU


@dataclass(frozen=True)
class Sample:
    """One load on one proxy: its CPU per request (or chunk), p50 latency (or chunk delay), and
    what failed (errors, or streams that did not finish)."""

    cpu_us: float
    p50_us: float
    failed: int


Samples = dict[str, dict[Side, list[Sample]]]  # by scenario name, then side, in round order
Measure = Callable[[Service], Sample]


def run(
    options: Options,
    before: Path,
    rounds: int,
    pinned: bool,
    workdir: Path,
    progress: Progress,
    pairs: int = PAIRS,
) -> Samples:
    """Measure `rounds` rounds, spread over `pairs` pairs of proxy processes started in turn,
    each pair after one round of its own not counted; `options.repo` is the after side.
    `pinned`: see `_pinned`.

    Two processes of the same code differ by about 1% for good (where their objects and hash
    seeds fall): with one pair, that offset is in every round's ratio, and no number of rounds
    shows it; with several, the rounds sample it, and the interval says so."""
    fixtures = write_fixtures(workdir)
    measures = _measures(options, workdir, fixtures)
    samples: Samples = {name: {"before": [], "after": []} for name in measures}
    counted = 0
    with python_stand_in(workdir, fixtures, options.chunks, options.interval_ms) as upstream:
        for block in rounds_per_pair(rounds, pairs):
            with (
                proxy("before", workdir, upstream, before) as before_proxy,
                proxy("after", workdir, upstream, options.repo) as after_proxy,
            ):
                proxies: dict[Side, Service] = {"before": before_proxy, "after": after_proxy}
                for side, service in proxies.items():
                    verify(side, service, fixtures, proxied=True)
                with _pinned(pinned, upstream, proxies.values()):
                    for warm_up in [True] + [False] * block:
                        for scenario_index, (name, measure) in enumerate(measures.items()):
                            for side in order(counted, scenario_index):
                                sample = measure(proxies[side])
                                if not warm_up:
                                    samples[name][side].append(sample)
                        counted += not warm_up
                        progress(_round_line(0 if warm_up else counted, rounds, samples))
    return samples


def rounds_per_pair(rounds: int, pairs: int) -> list[int]:
    """`rounds` split into `pairs` runs of rounds as even as can be (none empty)."""
    pairs = max(1, min(pairs, rounds))
    return [rounds // pairs + (index < rounds % pairs) for index in range(pairs)]


@contextmanager
def _pinned(pinned: bool, upstream: Service, proxies: Iterable[Service]) -> Iterator[None]:
    """With `pinned` (and 2 cores or more): both proxies on the last core, the stand-in and this
    process (the load generator) on the others, so that every load crosses cores the same way
    (unpinned, the scheduler puts a 1-connection exchange on one core or two, by turns)."""
    cores = sorted(os.sched_getaffinity(0))
    if not pinned or len(cores) < 2:
        yield
        return
    for service in proxies:
        pin(service.pid, frozenset(cores[-1:]))
    pin(upstream.pid, frozenset(cores[:-1]))
    with pinned_here(frozenset(cores[:-1])):
        yield


def _measures(options: Options, workdir: Path, fixtures: Fixtures) -> dict[str, Measure]:
    def small(scenario: Scenario) -> Measure:
        def measure(service: Service) -> Sample:
            measured = measure_load(
                options, workdir, fixtures, scenario, service.name, service, lambda _: None
            )
            result = measured.result
            return Sample(measured.cpu_ms_per_1k, result.p50_us, result.errors)

        return measure

    body = fixtures.bodies["stream"].read_bytes()

    def streams(service: Service) -> Sample:
        settle(service.pid)
        start = cpu_seconds(service.pid)
        one = run_round(service.url, CHAT_PATH, body, options.streams, stream_limit(options))
        cpu = cpu_seconds(service.pid) - start
        chunks = len(one.delays_ns)
        delay_p50 = statistics.median(one.delays_ns) / 1000 if chunks else float("nan")
        cpu_us = cpu * 1e6 / chunks if chunks else float("nan")
        return Sample(cpu_us, delay_p50, one.streams - one.complete)

    return {**{s.name: small(s) for s in SMALL}, STREAMS: streams}


def _round_line(round_index: int, rounds: int, samples: Samples) -> str:
    if not round_index:
        return "warm-up round of a new pair of proxies done (not counted)"
    last = "  ".join(
        f"{name}: {sides['after'][-1].cpu_us / sides['before'][-1].cpu_us:.3f}"
        for name, sides in samples.items()
    )
    return f"round {round_index}/{rounds}, after/before CPU  {last}"


def summaries(samples: Samples) -> dict[str, Summary]:
    return {
        name: summarize([s.cpu_us for s in sides["before"]], [s.cpu_us for s in sides["after"]])
        for name, sides in samples.items()
    }


def table(options: Options, samples: Samples) -> str:
    """Per scenario: CPU per request (or chunk) of each side, the paired ratio, its interval,
    the verdict, and the median ratio of the p50s."""
    header = (
        f"{'scenario':<22}{'CPU µs per':>11}{'before':>10}{'after':>10}{'after/before':>14}"
        f"{f'{CONFIDENCE:.0%} interval':>18}  {'verdict':<15}{'p50 ratio':>9}"
    )
    lines = [header, "-" * len(header)]
    for name, summary in summaries(samples).items():
        unit = "chunk" if name == STREAMS else "request"
        shown = f"{options.streams} x {options.chunks} SSE" if name == STREAMS else name
        lines.append(
            f"{shown:<22}{unit:>11}{summary.before:>10.1f}{summary.after:>10.1f}"
            f"{summary.ratio:>14.3f}{f'{summary.low:.3f} - {summary.high:.3f}':>18}  "
            f"{summary.verdict:<15}{_p50_ratio(samples[name]):>9.3f}"
        )
    return "\n".join(lines)


def _p50_ratio(sides: dict[Side, list[Sample]]) -> float:
    return statistics.median(
        ratios([s.p50_us for s in sides["before"]], [s.p50_us for s in sides["after"]])
    )


def failures(samples: Samples) -> list[str]:
    """A warning per scenario and side where some load had errors or unfinished streams."""
    return [
        f"{name}, {side}: {failed} failed over the rounds"
        for name, sides in samples.items()
        for side, measured in sides.items()
        if (failed := sum(s.failed for s in measured))
    ]


def document(options: Options, before: Path, rounds: int, samples: Samples) -> dict[str, Any]:
    """What was run, the summaries and every round's samples, for compare.json."""
    settings = {
        key: value for key, value in asdict(options).items() if key not in ("nginx", "repo")
    }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "machine": machine(),
        "load": load.describe(options.tool),
        "settings": {
            **settings,
            "rounds": rounds,
            "before": str(before),
            "after": str(options.repo),
        },
        "unit": "proxy CPU µs per request (per chunk for SSE streams); p50 in µs",
        "interval": f"{CONFIDENCE:.0%} distribution-free interval of the median ratio "
        "(order statistics, sign test)",
        "verdict": f"within 3%: interval <= {LIMIT}; not within 3%: interval > {LIMIT}; "
        "cannot tell: it straddles",
        "scenarios": {
            name: {
                **asdict(summary),
                "p50_ratio": _p50_ratio(samples[name]),
                "rounds": {side: [asdict(s) for s in each] for side, each in samples[name].items()},
            }
            for name, summary in summaries(samples).items()
        },
        "warnings": failures(samples),
    }
