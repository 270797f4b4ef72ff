"""The results: rows of figures with their ratios, printed as a table and written as JSON."""

import math
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import orjson

from bench.fixtures import REPO
from bench.micro import Timing

Unit = Literal["us", "per_s", "cpu_ms", "mib", "count"]
TARGETS = ("direct", "nginx_proxy_pass", "proxy")


@dataclass(frozen=True)
class Row:
    """One figure measured on up to three targets in the same run.

    `direct` is the baseline: the stand-in upstream asked directly (for CPU and memory: the
    stand-in's own cost). `nginx_proxy_pass` is nginx relaying to it; None when not measured.
    """

    scenario: str
    metric: str
    unit: Unit
    direct: float
    nginx_proxy_pass: float | None
    proxy: float

    def ratio(self, target: float | None, baseline: float | None) -> float | None:
        if target is None or not baseline or math.isnan(target) or math.isnan(baseline):
            return None
        return target / baseline

    @property
    def added(self) -> float | None:
        """For a latency, what the proxy adds to the direct figure."""
        return self.proxy - self.direct if self.unit == "us" else None

    def as_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "metric": self.metric,
            "unit": self.unit,
            "direct": self.direct,
            "nginx_proxy_pass": self.nginx_proxy_pass,
            "proxy": self.proxy,
            "nginx_proxy_pass_vs_direct": self.ratio(self.nginx_proxy_pass, self.direct),
            "proxy_vs_direct": self.ratio(self.proxy, self.direct),
            "proxy_vs_nginx_proxy_pass": self.ratio(self.proxy, self.nginx_proxy_pass),
            "proxy_added": self.added,
        }


COLUMNS = [
    ("scenario", 27, "<"),
    ("metric", 17, "<"),
    ("direct", 10, ">"),
    ("nginx pp", 10, ">"),
    ("÷direct", 8, ">"),
    ("proxy", 10, ">"),
    ("÷direct", 8, ">"),
    ("÷nginx pp", 9, ">"),
    ("proxy added", 12, ">"),
]


def table(rows: list[Row]) -> str:
    """The rows as aligned text, a scenario's name printed on its first row only."""
    lines = [_line([name for name, _, _ in COLUMNS])]
    lines.append("-" * len(lines[0]))
    previous = None
    for row in rows:
        scenario = "" if row.scenario == previous else row.scenario
        previous = row.scenario
        lines.append(
            _line(
                [
                    scenario,
                    row.metric,
                    value(row.direct, row.unit),
                    value(row.nginx_proxy_pass, row.unit),
                    _ratio(row.ratio(row.nginx_proxy_pass, row.direct)),
                    value(row.proxy, row.unit),
                    _ratio(row.ratio(row.proxy, row.direct)),
                    _ratio(row.ratio(row.proxy, row.nginx_proxy_pass)),
                    _signed(row.added, row.unit),
                ]
            )
        )
    return "\n".join(lines)


def micro_table(baseline: Timing, timings: list[Timing], added_p50_us: float) -> str:
    """Each timing, its ratio to a bare dict lookup, and its share of the latency the proxy adds
    to one request (`added_p50_us`)."""
    header = ("operation (549-model catalog)", "ns/call", "÷dict.get", "of added p50")
    lines = [f"{header[0]:<30}{header[1]:>10}{header[2]:>11}{header[3]:>14}"]
    lines.append("-" * len(lines[0]))
    for timing in [baseline, *timings]:
        share = timing.ns_per_call / (added_p50_us * 1000) * 100
        lines.append(
            f"{timing.name:<30}{timing.ns_per_call:>10,.0f}"
            f"{timing.ns_per_call / baseline.ns_per_call:>10.1f}x{share:>13.3f}%"
        )
    return "\n".join(lines)


def value(figure: float | None, unit: Unit) -> str:
    """`figure` in a readable unit: µs or ms or s, a rate, CPU ms, MiB or a count."""
    if figure is None or math.isnan(figure):
        return "-"
    if unit == "us":
        if abs(figure) < 1000:
            return f"{figure:.0f} µs" if abs(figure) >= 100 else f"{figure:.1f} µs"
        return f"{figure / 1000:.2f} ms" if abs(figure) < 1e6 else f"{figure / 1e6:.2f} s"
    if unit == "per_s":
        return f"{figure:,.0f}/s" if figure >= 100 else f"{figure:.1f}/s"
    if unit == "cpu_ms":
        return f"{figure:,.0f} ms" if figure >= 10 else f"{figure:.2f} ms"
    if unit == "mib":
        return f"{figure:.1f} MiB"
    return f"{figure:.0f}"


def _signed(figure: float | None, unit: Unit) -> str:
    if figure is None or math.isnan(figure):
        return ""
    return ("+" if figure >= 0 else "-") + value(abs(figure), unit)


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:.2f}x" if ratio < 10 else f"{ratio:.0f}x"


def _line(cells: list[str]) -> str:
    return "".join(
        f"{cell:{align}{width}}" + " "
        for cell, (_, width, align) in zip(cells, COLUMNS, strict=True)
    ).rstrip()


def machine() -> dict[str, Any]:
    """What the figures depend on: cores, CPU, memory, Python, OS, and the code measured."""
    return {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "os": platform.platform(),
        **_git(),
    }


def _cpu_model() -> str | None:
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    for line in cpuinfo.splitlines():
        if line.startswith("model name"):
            return line.partition(":")[2].strip()
    return None


def _git() -> dict[str, Any]:
    """The commit measured, and whether the work tree differed from it; nothing without git."""
    if shutil.which("git") is None:
        return {"git_commit": None}
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except subprocess.CalledProcessError:  # not a git checkout
        return {"git_commit": None}
    return {"git_commit": commit, "git_uncommitted_changes": bool(changes.strip())}


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n")
