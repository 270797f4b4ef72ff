"""`python -m bench.call_costs`: the named functions of a real proxy timed under real requests,
each counted once per request where the request path calls it once."""

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ONCE_A_REQUEST = [
    "app.ops.metrics:Metrics.count",  # a method
    "app.upstream.usage_watch:UsageWatch.of",  # a classmethod
    "app.api.chat:exchange_for",  # a function, as the module that imported it reaches it
    "app.upstream.relay:RelayResponse._serve",  # a coroutine function
]
LINE = re.compile(r"^\s*([\d.]+) us\s+([\d.]+) calls a request\s+(\S+)$")


def test_each_target_is_timed_once_a_request() -> None:
    command = [sys.executable, "-m", "bench.call_costs", "--requests", "40", *ONCE_A_REQUEST]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [m.groups() for line in done.stdout.splitlines() if (m := LINE.match(line))]
    assert [name for _, _, name in rows] == ONCE_A_REQUEST
    assert all(float(calls) == 1.0 for _, calls, _ in rows)
    assert all(float(micros) > 0 for micros, _, _ in rows)
