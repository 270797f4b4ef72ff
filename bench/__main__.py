"""`python -m bench`: the proxy against its upstream asked directly, and against nginx, in one run.

Starts on 127.0.0.1 a stand-in upstream (nginx, or `bench.stand_in`), nginx `proxy_pass` in front
of it as a reference, the proxy in front of it, and for streams a streaming stand-in with its own
proxy; loads each in turn; prints a table of every figure with its ratios to the baselines; and
writes the same, with the machine's facts and the raw measurements, to bench/results/latest.json.
About 6 minutes with the defaults, under 3 with `--quick`.
"""

import sys
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import click

from bench import compare, load, scaling, targets, upstreams
from bench.fixtures import REPO, write_fixtures
from bench.report import machine, micro_table, table, write_json
from bench.run import Results, run
from bench.scenarios import Options

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
SCALING = RESULTS.with_name("scaling.json")
COMPARED = RESULTS.with_name("compare.json")
NOTES = [
    "direct: the stand-in upstream asked directly; its CPU and RSS figures are the stand-in's own "
    "(nginx: its one worker).",
    "nginx pp: nginx proxy_pass over kept-alive upstream connections, in front of the same "
    "stand-in; CPU and RSS of its one worker only.",
    "proxy: `python -m app` of the work tree (see machine.git_commit), with default settings but "
    "one worker and the upstream's URL; it logs its line per chat request to a file. CPU and RSS "
    "are that process's: its catalog parse child runs once at start-up (the periodic refresh is "
    "pushed past the run) and is not counted.",
    "CPU per 1k: user+system CPU of that one server process during the measured load, per 1,000 "
    "answered requests (or streamed chunks).",
    "SSE: the streaming stand-in is always the Python one; chunk delay is receive time minus the "
    "send time carried in each chunk; TTFB is request written to first response byte.",
    "Everything (servers and load generator) shares the machine's cores.",
]


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--quick", is_flag=True, help="Smoke test: 2 s loads and 50-chunk streams.")
@click.option(
    "--seconds",
    type=click.IntRange(1, 60),
    help="Seconds of each measured load.  [default: 5, or 2 with --quick or --compare]",
)
@click.option(
    "--warmup",
    type=click.IntRange(0, 60),
    default=1,
    show_default=True,
    help="Seconds of unmeasured load before each measured one.",
)
@click.option(
    "--upstream",
    type=click.Choice(["auto", "nginx", "python"]),
    default="auto",
    show_default=True,
    help="The stand-in upstream: auto is nginx when it is on PATH, else the Python one.",
)
@click.option(
    "--tool",
    type=click.Choice(["auto", *load.TOOLS]),
    default="auto",
    show_default=True,
    help="The load generator: auto is wrk, else hey, else the Python client.",
)
@click.option(
    "--streams",
    type=click.IntRange(1, 2000),
    help=f"Concurrent SSE streams.  [default: 256, or {compare.STREAMS_AT_ONCE} with --compare]",
)
@click.option(
    "--chunks",
    type=click.IntRange(1),
    help=f"Chunks per stream.  [default: 200, 50 with --quick, {compare.CHUNKS} with --compare]",
)
@click.option(
    "--interval-ms",
    type=click.FloatRange(0.1),
    default=5.0,
    show_default=True,
    help="Milliseconds between a stream's chunks.",
)
@click.option(
    "--scaling",
    is_flag=True,
    help="Instead: small requests/s with 1, 2, 4 and 8 workers, each on cores of its own "
    "(those the machine lacks the cores for are reported as not measured).",
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Run the proxy of another checkout (e.g. a `git archive` of an older commit), under "
    "the same harness, to compare.  [default: this one]",
)
@click.option(
    "--compare",
    "before",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Instead: the proxy of checkout DIR (before) against this one's, or --repo's (after), "
    "in the same run, loads interleaved round by round: CPU per small request and per SSE "
    "chunk, their ratio and whether it is within 3% (see bench/compare.py).",
)
@click.option(
    "--rounds",
    type=click.IntRange(6),
    default=compare.ROUNDS,
    show_default=True,
    help="With --compare: rounds counted (each scenario on both proxies), after one warm-up.",
)
@click.option(
    "--pairs",
    type=click.IntRange(1),
    default=compare.PAIRS,
    show_default=True,
    help="With --compare: pairs of proxy processes, each started afresh, that the rounds are "
    "spread over (two processes of the same code differ by about 1%: more pairs sample that).",
)
@click.option(
    "--pin/--no-pin",
    default=True,
    show_default=True,
    help="With --compare: both proxies on one core, the stand-in and the load generator on the "
    "other(s).",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=f"Where to write the JSON results.  [default: {RESULTS.name}, or {SCALING.name} "
    f"with --scaling, {COMPARED.name} with --compare, in bench/results]",
)
def main(
    quick: bool,
    seconds: int | None,
    warmup: int,
    upstream: Literal["auto", "nginx", "python"],
    tool: load.Tool | Literal["auto"],
    streams: int | None,
    chunks: int | None,
    interval_ms: float,
    scaling: bool,
    repo: Path | None,
    before: Path | None,
    rounds: int,
    pairs: int,
    pin: bool,
    output: Path | None,
) -> None:
    """Benchmark the proxy against direct requests and nginx proxy_pass, all on 127.0.0.1."""
    nginx = upstreams.nginx_path()
    if upstream == "nginx" and nginx is None:
        raise click.UsageError("--upstream nginx: nginx is not on PATH")
    try:
        chosen_tool = load.pick_tool(tool)
    except LookupError as missing:
        raise click.UsageError(f"--tool {tool}: {missing}") from None
    paired = before is not None
    options = Options(
        seconds=seconds or (2 if quick or paired else 5),
        warmup_seconds=0 if paired else warmup,  # --compare warms up with a round of its own
        upstream="nginx" if upstream != "python" and nginx is not None and not paired else "python",
        tool=chosen_tool,
        nginx=nginx,
        streams=streams or (compare.STREAMS_AT_ONCE if paired else 256),
        chunks=chunks or (50 if quick else compare.CHUNKS if paired else 200),
        interval_ms=interval_ms,
        repo=(repo or REPO).resolve(),
    )
    if before is not None:
        _compare(options, before.resolve(), rounds, pairs, pin, output or COMPARED)
        return
    if scaling:
        _scaling(options, output or SCALING)
        return
    output = output or RESULTS
    date = datetime.now(UTC)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="modality-bench-") as workdir:
        results = run(options, Path(workdir), lambda line: click.echo(line, err=True))
    checked = targets.check(results.rows, f"{options.streams} SSE streams x {options.chunks}")
    document = _document(options, results, date, time.monotonic() - started)
    document["targets"] = [asdict(target) for target in checked]
    click.echo()
    click.echo(table(results.rows))
    click.echo()
    click.echo(micro_table(results.micro_baseline, results.micro, results.added_p50_us))
    click.echo()
    click.echo(targets.table(checked))
    click.echo()
    for note in [*NOTES, f"Tools: {'; '.join(f'{k}: {v}' for k, v in document['tools'].items())}"]:
        click.echo(f"- {note}")
    for warning in results.warnings:
        click.echo(f"WARNING: {warning}", err=True)
    write_json(output, document)
    click.echo(f"\nWritten to {output} ({document['elapsed_seconds']:.0f} s in all)")


def _scaling(options: Options, output: Path) -> None:
    """`--scaling`: measure, print and write the workers table (see `bench.scaling`)."""
    with tempfile.TemporaryDirectory(prefix="modality-bench-scaling-") as work:
        workdir = Path(work)
        fixtures = write_fixtures(workdir)
        results = scaling.run(options.tool, options.nginx, workdir, fixtures, options.seconds)
    click.echo(scaling.table(results))
    document = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "machine": machine(),
        "tools": {"load": load.describe(options.tool), "upstream": options.upstream},
        "workers": [asdict(result) for result in results],
    }
    write_json(output, document)
    click.echo(f"\nWritten to {output}")


def _compare(
    options: Options, before: Path, rounds: int, pairs: int, pin: bool, output: Path
) -> None:
    """`--compare`: measure, print and write the paired table (see `bench.compare`)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="modality-bench-compare-") as workdir:
        samples = compare.run(
            options,
            before,
            rounds,
            pin,
            Path(workdir),
            lambda line: click.echo(line, err=True),
            pairs,
        )
    click.echo()
    click.echo(compare.table(options, samples))
    for warning in compare.failures(samples):
        click.echo(f"WARNING: {warning}", err=True)
    document = compare.document(options, before, rounds, samples)
    document["settings"]["pinned"] = pin
    document["settings"]["pairs"] = pairs
    document["elapsed_seconds"] = round(time.monotonic() - started, 1)
    write_json(output, document)
    click.echo(f"\nWritten to {output} ({document['elapsed_seconds']:.0f} s in all)")


def _document(options: Options, results: Results, date: datetime, elapsed: float) -> dict[str, Any]:
    """Everything printed, plus what it depends on and the raw measurements, for latest.json."""
    nginx = upstreams.nginx_version(options.nginx) if options.nginx else None
    stand_in = "bench.stand_in (asyncio + httptools on uvloop)"
    return {
        "date": date.isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "elapsed_seconds": round(elapsed, 1),
        "machine": machine(),
        "tools": {
            "load": load.describe(options.tool),
            "upstream": f"{nginx} return 200" if options.upstream == "nginx" else stand_in,
            "reference": f"{nginx} proxy_pass" if nginx else None,
            "streams": f"{stand_in}; client: python asyncio + httptools",
        },
        "settings": {
            **{
                key: value for key, value in asdict(options).items() if key not in ("nginx", "repo")
            },
            "proxy_repo": str(options.repo),  # the micro table times this checkout's code
        },
        "notes": NOTES,
        "figures": [row.as_json() for row in results.rows],
        "micro": {
            "unit": "ns per call, best of 5 timeit runs",
            "baseline": asdict(results.micro_baseline),
            "timings": [asdict(timing) for timing in results.micro],
            "proxy_added_p50_us": results.added_p50_us,
        },
        "warnings": results.warnings,
        "raw": {
            "loads": [measured.as_json() for measured in results.loads],
            "streams": [measured.as_json() for measured in results.streams],
            "peak_rss_mib": results.peak_rss_mib,
        },
    }


if __name__ == "__main__":
    main()
