"""Loaded by the proxy that `bench.gc_cost` starts (on its PYTHONPATH): times CPython's garbage
collections by generation, reset on SIGUSR2, written to `BENCH_GC_STATS`.<pid> on SIGUSR1."""

import gc
import json
import os
import signal
import time
from typing import Any

_started = [0.0]
_seconds = [0.0, 0.0, 0.0]
_counts = [0, 0, 0]


def _timed(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started[0] = time.perf_counter()
        return
    _seconds[info["generation"]] += time.perf_counter() - _started[0]
    _counts[info["generation"]] += 1


def _write(*_: object) -> None:
    path = f"{os.environ['BENCH_GC_STATS']}.{os.getpid()}"
    with open(path, "w") as out:
        json.dump({"collections": _counts, "seconds": _seconds}, out)


def _reset(*_: object) -> None:
    _seconds[:], _counts[:] = [0.0] * 3, [0] * 3


if os.environ.get("BENCH_GC_STATS"):
    gc.callbacks.append(_timed)
    signal.signal(signal.SIGUSR1, _write)
    signal.signal(signal.SIGUSR2, _reset)
