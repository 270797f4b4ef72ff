"""`python -m bench.timed_proxy ARGS`: the proxy (`python -m app ARGS`) with some of its functions
timed, for `bench.call_costs`.

`$BENCH_TIMED` names them, comma-separated, each `module:qualname` as its callers reach it (a
method through its class; a function through the module that imported it). On SIGUSR1 each is
wrapped in a timer (the totals start from zero); on SIGUSR2 the number of calls and the
nanoseconds of each are written to `$BENCH_TIMED_OUT` as JSON. An async function's time includes
its waits.
"""

import functools
import importlib
import inspect
import json
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.cli import main

Totals = dict[str, list[int]]  # name: [calls, nanoseconds]


def _timed(function: Callable[..., Any], totals: list[int]) -> Callable[..., Any]:
    clock = time.perf_counter_ns
    if inspect.iscoroutinefunction(function):

        @functools.wraps(function)
        async def timed_async(*args: Any, **kwargs: Any) -> Any:
            started = clock()
            try:
                return await function(*args, **kwargs)
            finally:
                totals[0] += 1
                totals[1] += clock() - started

        return timed_async

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            totals[0] += 1
            totals[1] += clock() - started

    return timed


def _wrap(name: str, totals: Totals) -> None:
    """Replace `name` (`module:qualname`) where its callers find it by its timed self."""
    module, _, qualname = name.partition(":")
    *path, attribute = qualname.split(".")
    owner: Any = importlib.import_module(module)
    for part in path:
        owner = getattr(owner, part)
    found = inspect.getattr_static(owner, attribute)
    totals[name] = [0, 0]
    if isinstance(found, classmethod):
        setattr(owner, attribute, classmethod(_timed(found.__func__, totals[name])))
    else:
        setattr(owner, attribute, _timed(found, totals[name]))


def _install(names: list[str], output: Path) -> None:
    totals: Totals = {}

    def start(*_: object) -> None:
        if not totals:
            for name in names:
                _wrap(name, totals)
        for each in totals.values():
            each[:] = [0, 0]

    def write(*_: object) -> None:
        output.write_text(json.dumps(totals))

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, write)


if __name__ == "__main__":
    _install(os.environ["BENCH_TIMED"].split(","), Path(os.environ["BENCH_TIMED_OUT"]))
    main()
