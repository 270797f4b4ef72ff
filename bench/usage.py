"""What a process has cost so far: CPU time and resident memory from psutil, and the peak
resident memory, which psutil does not report on Linux (psutil issue 383), from the kernel's
high-water mark (VmHWM in /proc/PID/status), with its reset (/proc/PID/clear_refs)."""

from pathlib import Path

import psutil


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of `pid` itself (not of its children), in seconds; the
    resolution is one clock tick (10 ms), so measure over seconds of load."""
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def rss_bytes(pid: int) -> int:
    """The resident set size of `pid` now, in bytes."""
    return psutil.Process(pid).memory_info().rss


def peak_rss_bytes(pid: int) -> int:
    """The peak resident set size of `pid` since it started or since `reset_peak`, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM")


def reset_peak(pid: int) -> None:
    """Set `pid`'s peak resident set size to its size now (clear_refs, value 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
