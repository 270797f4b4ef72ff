"""Closed-loop HTTP load: the same POST back to back on N kept-alive connections for S seconds.

Three generators, best first: wrk (one thread, a Lua script for the body and for exact
percentiles), hey (percentiles at 0.1 ms resolution, and no p99 under 100 requests), and a
Python asyncio client (httptools) that runs in the harness's own process, for machines with
neither.
"""

import asyncio
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast
from urllib.parse import urlsplit

import httptools
import uvloop

Tool = Literal["wrk", "hey", "python"]
TOOLS: tuple[Tool, ...] = ("wrk", "hey", "python")
TIMEOUT_SECONDS = 10  # per request; a 10 MiB answer through the proxy under load takes ~0.1 s


@dataclass(frozen=True)
class Load:
    """One kind of request, sent back to back on `connections` connections for `seconds`."""

    path: str
    body: Path
    headers: tuple[tuple[str, str], ...]
    connections: int
    seconds: int


@dataclass(frozen=True)
class LoadResult:
    """Latency percentiles are of the answered requests, errors included where the tool can."""

    ok: int  # requests answered 2xx
    errors: int  # other answers, connection errors and timeouts
    seconds: float
    p50_us: float
    p99_us: float

    @property
    def per_second(self) -> float:
        return self.ok / self.seconds


def pick_tool(preference: Tool | Literal["auto"]) -> Tool:
    """`preference`, or with "auto" the first of wrk, hey, python found. Raises LookupError
    when the tool asked for is not on PATH."""
    if preference == "auto":
        return next(tool for tool in TOOLS if tool == "python" or shutil.which(tool))
    if preference != "python" and not shutil.which(preference):
        raise LookupError(f"{preference} is not on PATH")
    return preference


def describe(tool: Tool) -> str:
    """The tool and its version, as far as it tells."""
    if tool == "wrk":  # `wrk -v` prints its banner and exits 1
        banner = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
        return banner.splitlines()[0].split(" Copyright")[0] + ", 1 thread"
    if tool == "hey":
        return f"hey ({shutil.which('hey')})"
    return "python asyncio + httptools client, in the harness process"


def run(tool: Tool, base_url: str, load: Load, workdir: Path) -> LoadResult:
    """Apply `load` to `base_url` (`http://127.0.0.1:PORT`) with `tool`."""
    if tool == "wrk":
        return _wrk(base_url, load, workdir)
    if tool == "hey":
        return _hey(base_url, load)
    return uvloop.run(_python(base_url, load))


def percentile(ordered: list[int] | list[float], q: float) -> float:
    """The nearest-rank `q`th percentile of an already sorted list; NaN when it is empty."""
    if not ordered:
        return float("nan")
    rank = max(1, round(q / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


# wrk: a Lua script sets the body and headers, and prints the summary as one JSON line
# (exact microseconds, error kinds) instead of wrk's rounded, unit-suffixed text.
WRK_SCRIPT = """
local file = assert(io.open({body}, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
{headers}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,'
    .. '"timeout":%d,"p50_us":%.1f,"p99_us":%.1f}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _wrk(base_url: str, load: Load, workdir: Path) -> LoadResult:
    script = workdir / "wrk.lua"
    headers = "\n".join(
        f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}" for name, value in load.headers
    )
    script.write_text(WRK_SCRIPT.format(body=json.dumps(str(load.body)), headers=headers))
    command = [
        *("wrk", "-t1", f"-c{load.connections}", f"-d{load.seconds}s"),
        *(f"--timeout={TIMEOUT_SECONDS}s", "-s", str(script), base_url + load.path),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    summary = json.loads(line.removeprefix("BENCH "))
    failed = sum(summary[kind] for kind in ("connect", "read", "write", "status", "timeout"))
    return LoadResult(
        ok=summary["requests"] - summary["status"],  # `requests` counts non-2xx answers too
        errors=failed,
        seconds=summary["duration_us"] / 1e6,
        p50_us=summary["p50_us"],
        p99_us=summary["p99_us"],
    )


def _hey(base_url: str, load: Load) -> LoadResult:
    command = [
        *("hey", "-z", f"{load.seconds}s", "-c", str(load.connections), "-m", "POST"),
        *("-t", str(TIMEOUT_SECONDS), "-T", "application/json", "-D", str(load.body)),
    ]
    for name, value in load.headers:
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, base_url + load.path], capture_output=True, text=True, check=True
    ).stdout
    statuses = {int(code): int(n) for code, n in re.findall(r"\[(\d+)\]\s+(\d+) responses", output)}
    errors_section = output.partition("Error distribution:")[2]
    failed = sum(int(n) for n in re.findall(r"^\s+\[(\d+)\]\s", errors_section, re.MULTILINE))
    ok = sum(n for code, n in statuses.items() if 200 <= code < 300)

    def seconds_after(label: str) -> float:
        found = re.search(rf"{re.escape(label)}\s+([\d.]+) secs", output)
        return float(found.group(1)) if found else float("nan")

    return LoadResult(
        ok=ok,
        errors=failed + sum(statuses.values()) - ok,
        seconds=seconds_after("Total:"),
        p50_us=seconds_after("50% in") * 1e6,
        p99_us=seconds_after("99% in") * 1e6,
    )


class _Client(asyncio.Protocol):
    """One kept-alive connection that sends a request and waits for the whole answer."""

    def __init__(self) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._answer: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its interface.
        self._transport = cast(asyncio.Transport, transport)

    def exchange(self, request: bytes) -> "asyncio.Future[int]":
        """Send `request`; the future is the answer's status once all of it has arrived."""
        assert self._transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self._transport.write(request)
        return self._answer

    def data_received(self, data: bytes) -> None:
        self._parser.feed_data(data)

    def on_message_complete(self) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(self._parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(ConnectionError("the server closed the connection"))

    def close(self) -> None:
        assert self._transport is not None
        self._transport.close()


def host_and_port(base_url: str) -> tuple[str, int]:
    """Where `http://HOST:PORT` listens."""
    parts = urlsplit(base_url)
    if parts.hostname is None or parts.port is None:
        raise ValueError(f"{base_url} names no host and port")
    return parts.hostname, parts.port


def raw_request(
    base_url: str, path: str, body: bytes, headers: tuple[tuple[str, str], ...]
) -> bytes:
    """An HTTP/1.1 POST of a JSON `body`, as bytes on the wire."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {urlsplit(base_url).netloc}"]
    lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _python(base_url: str, load: Load) -> LoadResult:
    loop = asyncio.get_running_loop()
    host, port = host_and_port(base_url)
    request = raw_request(base_url, load.path, load.body.read_bytes(), load.headers)
    latencies: list[int] = []
    errors = 0
    deadline = loop.time() + load.seconds

    async def connection() -> None:
        nonlocal errors
        try:
            _, client = await loop.create_connection(_Client, host, port)
            while loop.time() < deadline:
                start = time.perf_counter_ns()
                async with asyncio.timeout(TIMEOUT_SECONDS):
                    status = await client.exchange(request)
                if 200 <= status < 300:
                    latencies.append(time.perf_counter_ns() - start)
                else:
                    errors += 1
            client.close()
        except (OSError, TimeoutError):  # counted, and this connection stops
            errors += 1

    start = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(load.connections)))
    latencies.sort()
    return LoadResult(
        ok=len(latencies),
        errors=errors,
        seconds=time.perf_counter() - start,
        p50_us=percentile(latencies, 50) / 1000,
        p99_us=percentile(latencies, 99) / 1000,
    )
