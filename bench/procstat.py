"""What a process has cost so far, from Linux's /proc: CPU seconds and peak resident memory."""

import os
from collections.abc import Sequence
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of `pid` itself (not of its children), in seconds; the
    resolution is one clock tick (10 ms), so measure over seconds of load."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) may hold spaces and parentheses: split after its last `)`.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])  # fields 14 and 15 of proc(5)
    return (utime + stime) / CLOCK_TICKS


def peak_rss_bytes(pid: int) -> int:
    """The peak resident set size of `pid` since it started (VmHWM), in bytes."""
    return _status_kib(pid, "VmHWM") * 1024


def rss_bytes(pid: int) -> int:
    """The resident set size of `pid` now (VmRSS), in bytes."""
    return _status_kib(pid, "VmRSS") * 1024


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


def children(pid: int) -> list[int]:
    """The ids of the processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended while we looked
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def server_cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU time of all of `pids` (a server and its workers: `server_pids`)."""
    return sum(map(cpu_seconds, pids))


def server_pids(pid: int) -> list[int]:
    """`pid` and the processes it has started so far: a server and its workers (granian's, or
    the proxy's with `--workers`)."""
    return [pid, *children(pid)]
