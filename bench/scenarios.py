"""What `python -m bench` measures: its options, the scenarios, and one measurement of each."""

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

from bench import load
from bench.fixtures import AUTHORIZATION, BIG_RESPONSE_HEADER, REPO
from bench.streams import StreamsResult


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
