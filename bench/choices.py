"""The measurements behind the proxy's stack: HTTP client, framework, server, HTTP/2 upstream.

In front of the same nginx stand-in (`bench.upstreams`), this runs the plainest relay of each
stack (`bench.variants`) and the proxy itself under uvicorn and under granian, and measures
with wrk (or the harness's fallbacks) p50/p99 at 1 connection, and requests/s and the server's
CPU per request at 32. Each figure comes with its ratio to the stand-in asked directly in the
same run. Usage: `python -m bench.choices [--seconds N] [--only TEXT ...]`; results also go to
bench/results/choices.json, unless `--only` left some out.
"""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
import orjson

from app.dev.local_server import free_port
from bench import load
from bench.fixtures import AUTHORIZATION, CHAT_PATH, REPO, write_fixtures
from bench.procstat import server_cpu_seconds, server_pids
from bench.report import machine
from bench.upstreams import Service, nginx_path, nginx_stand_in, python_stand_in, run_process

UVICORN = ("-m", "uvicorn", "--loop", "uvloop", "--http", "httptools", "--no-access-log")
GRANIAN = ("-m", "granian", "--interface", "asgi", "--loop", "uvloop")
# name, client, framework, server (`app` is the proxy itself)
VARIANTS = (
    ("aiohttp + uvicorn, no framework", "aiohttp", "none", "uvicorn"),
    ("aiohttp + Starlette + uvicorn", "aiohttp", "starlette", "uvicorn"),
    ("httpx2 + Starlette + uvicorn", "httpx2", "starlette", "uvicorn"),
    ("httpx + aiohttp transport + Starlette", "httpx-aiohttp", "starlette", "uvicorn"),
    ("httpx2 over HTTP/2 + Starlette", "httpx2-http2", "starlette", "uvicorn"),
    ("aiohttp + FastAPI + uvicorn", "aiohttp", "fastapi", "uvicorn"),
    ("aiohttp + Starlette + granian", "aiohttp", "starlette", "granian"),
    ("the proxy under uvicorn", "app", "", "uvicorn"),
    ("the proxy under granian", "app", "", "granian"),
)


@contextmanager
def variant(
    workdir: Path, client: str, framework: str, server: str, upstream: str
) -> Iterator[Service]:
    port = free_port()
    target = "app.main:create_app" if client == "app" else "bench.variants:app_from_env"
    runner = UVICORN if server == "uvicorn" else GRANIAN
    options = ["--host", "127.0.0.1", "--port", str(port), "--factory", target]
    env = {key: value for key, value in os.environ.items() if not key.startswith("PROXY_")}
    env |= {
        "OPENROUTER_BASE_URL": upstream,
        "BENCH_UPSTREAM": upstream,
        "BENCH_CLIENT": client,
        "BENCH_FRAMEWORK": framework,
        "PROXY_LOG_LEVEL": "WARNING",
    }
    url = f"http://127.0.0.1:{port}"
    log = workdir / f"variant-{port}.log"
    with run_process(client, [sys.executable, *runner, *options], f"{url}/readyz", log, env) as p:
        yield Service(client, url, p.pid)


def measure(
    tool: load.Tool, service: Service, path: str, body: Path, seconds: int
) -> dict[str, float]:
    def apply(connections: int) -> load.LoadResult:
        spec = load.Load(path, body, (AUTHORIZATION,), connections, seconds)
        return load.run(tool, service.url, spec, body.parent)

    apply(1)  # warm-up
    one = apply(1)
    pids = server_pids(service.pid)
    before = server_cpu_seconds(pids)
    many = apply(32)
    cpu_us = (server_cpu_seconds(pids) - before) / max(many.ok, 1) * 1e6
    figures = {"p50_us": one.p50_us, "p99_us": one.p99_us, "per_s_32": many.per_second}
    return figures | {"cpu_us_32": cpu_us}


@click.command()
@click.option("--seconds", type=click.IntRange(1, 60), default=4, show_default=True)
@click.option("--only", multiple=True, help="Only the variants whose name holds this text.")
def main(seconds: int, only: tuple[str, ...]) -> None:
    """Compare stacks for the proxy's hot path (see the module docstring)."""
    tool = load.pick_tool("auto")
    nginx = nginx_path()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="modality-choices-") as name, ExitStack() as stack:
        workdir = Path(name)
        fixtures = write_fixtures(workdir)
        body = fixtures.bodies["no_rewrite"]
        h2c_port = free_port() if nginx else None
        if nginx:
            stand_in = stack.enter_context(nginx_stand_in(nginx, workdir, fixtures, h2c_port))
        else:
            stand_in = stack.enter_context(python_stand_in(workdir, fixtures))
        results["direct (stand-in)"] = measure(tool, stand_in, CHAT_PATH, body, seconds)
        chosen = [v for v in VARIANTS if not only or any(text in v[0] for text in only)]
        for label, client, framework, server in chosen:
            base = f"http://127.0.0.1:{h2c_port}" if client.endswith("http2") else stand_in.url
            if client.endswith("http2") and not nginx:
                continue  # HTTP/2 needs the nginx stand-in
            with variant(workdir, client, framework, server, f"{base}/api/v1") as service:
                results[label] = measure(tool, service, "/v1/chat/completions", body, seconds)
            print(_line(label, results[label], results["direct (stand-in)"]), flush=True)
    if only:
        return
    output = REPO / "bench" / "results" / "choices.json"
    output.write_bytes(
        orjson.dumps({"machine": machine(), "results": results}, option=orjson.OPT_INDENT_2)
    )
    print(f"wrote {output}")


def _line(label: str, figures: dict[str, float], direct: dict[str, float]) -> str:
    added = figures["p50_us"] - direct["p50_us"]
    ratio = figures["per_s_32"] / direct["per_s_32"]
    return (
        f"{label:<40} p50 {figures['p50_us']:>6.0f} µs (+{added:.0f})  "
        f"p99 {figures['p99_us']:>6.0f} µs  {figures['per_s_32']:>7,.0f} req/s at 32 "
        f"({ratio:.3f}x direct), {figures['cpu_us_32']:.0f} µs of CPU each"
    )


if __name__ == "__main__":
    main()
