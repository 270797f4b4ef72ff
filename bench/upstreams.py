"""Starting and stopping the servers under test, each its own process on 127.0.0.1.

- the non-streamed stand-in upstream: nginx (`return 200` of a fixed completion) when `nginx` is
  on PATH, else `bench.stand_in`;
- the reference: nginx `proxy_pass` (keep-alive upstream) in front of that stand-in;
- the streaming stand-in: always `bench.stand_in` with streaming on;
- the proxy: `python -m app`, one per upstream.

Each context manager yields a `Service` once it answers, and stops the process on exit. Logs
go to files in the work dir; a server that fails to start raises with the end of its log.
"""

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import psutil

from app.dev.local_server import free_port
from bench.fixtures import CHAT_PATH, MODELS_PATH, REPO, Fixtures

START_DEADLINE = 30.0  # seconds; the proxy loads its catalog (11 listings) before it is ready
STOP_DEADLINE = 10.0


@dataclass(frozen=True)
class Service:
    """A server the harness runs: where it listens and which process does its work."""

    name: str
    url: str  # http://127.0.0.1:PORT
    pid: int  # the process to measure: the server itself, or an nginx master's one worker


def nginx_path() -> str | None:
    return shutil.which("nginx")


def nginx_version(nginx: str) -> str:
    """`nginx/1.22.1`, say (nginx prints its version on stderr)."""
    shown = subprocess.run([nginx, "-v"], capture_output=True, text=True, check=True).stderr
    return shown.strip().removeprefix("nginx version: ")


@contextmanager
def nginx_stand_in(nginx: str, workdir: Path, fixtures: Fixtures) -> Iterator[Service]:
    """nginx serving the stand-in routes (see `bench.stand_in` for what they answer)."""
    port = free_port()
    completion = fixtures.completion.read_text()
    server = f"""
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {fixtures.www};
        location = {MODELS_PATH} {{ try_files /models.json =404; }}
        location = {CHAT_PATH} {{
            if ($http_x_bench_response = "big") {{ rewrite ^ /big.json last; }}
            # `return` answers at once and drops the body while it still arrives: a client
            # still sending a large one (wrk) then loses track of the connection. Bodies of
            # 10 kB and more are read whole first, as a real server would.
            if ($content_length ~ "^[0-9]{{5,}}$") {{ rewrite ^ /read-body last; }}
            return 200 '{completion}';
        }}
        # Static files answer POST with 405; `error_page` turns that into a GET of a file.
        location = /big.json {{ internal; error_page 405 =200 $uri; }}
        # `mirror` reads the whole body (into memory: client_body_buffer_size) before the
        # content phase, and sends a copy to a location that ignores it.
        location = /read-body {{
            internal;
            mirror /ignore-body;
            alias {fixtures.completion};
            error_page 405 =200 /completion.json;
        }}
        location = /ignore-body {{ internal; return 204; }}
        location = /completion.json {{ internal; }}
    }}"""
    with _nginx("nginx-stand-in", nginx, workdir / "nginx-stand-in", server, port) as service:
        yield service


@contextmanager
def nginx_front(nginx: str, workdir: Path, upstream: Service) -> Iterator[Service]:
    """nginx `proxy_pass` to `upstream` over kept-alive connections: what a proxy that does
    nothing but relay costs. Bodies stay in memory (no temp files), as in the proxy."""
    port = free_port()
    server = f"""
    upstream stand_in {{
        server {upstream.url.removeprefix("http://")};
        keepalive 1024;
        keepalive_requests 1000000;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            proxy_pass http://stand_in;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_max_temp_file_size 0;
            # 64 KiB reads, as the proxy's client makes: with the 4 KiB default nginx relays
            # a 10 MiB answer at half the speed.
            proxy_buffer_size 64k;
            proxy_buffers 64 64k;
            proxy_busy_buffers_size 256k;
        }}
    }}"""
    with _nginx("nginx-proxy-pass", nginx, workdir / "nginx-front", server, port) as service:
        yield service


@contextmanager
def _nginx(name: str, nginx: str, prefix: Path, server: str, port: int) -> Iterator[Service]:
    prefix.mkdir()
    # Run as root, the master would hand requests to a `nobody` worker that cannot read the
    # work dir (mode 700); as another user the `user` directive is ignored with a warning.
    user = "user root;" if os.geteuid() == 0 else ""
    temp_paths = " ".join(
        f"{kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(f"""
{user}
worker_processes 1;
pid {prefix / "nginx.pid"};
error_log {prefix / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    {temp_paths}
    types {{ application/json json; }}
    default_type application/json;
    client_max_body_size 32m;
    client_body_buffer_size 32m;  # 5 and 20 MiB bodies stay in memory, never in a temp file
    keepalive_requests 1000000;
    keepalive_timeout 300s;
    {server}
}}
""")
    command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"]
    url = f"http://127.0.0.1:{port}"
    with run_process(name, command, url + MODELS_PATH, prefix / "error.log") as master:
        (worker,) = psutil.Process(master.pid).children()  # worker_processes 1
        yield Service(name, url, worker.pid)


@contextmanager
def python_stand_in(
    workdir: Path, fixtures: Fixtures, stream_chunks: int = 0, stream_interval_ms: float = 5.0
) -> Iterator[Service]:
    """`bench.stand_in` on a free port; `stream_chunks` > 0 turns streaming on."""
    port = free_port()
    name = "python-stream-stand-in" if stream_chunks else "python-stand-in"
    command = [
        *(sys.executable, "-m", "bench.stand_in", "--port", str(port), "--www", str(fixtures.www)),
        *("--stream-chunks", str(stream_chunks), "--stream-interval-ms", str(stream_interval_ms)),
    ]
    url = f"http://127.0.0.1:{port}"
    with run_process(name, command, url + MODELS_PATH, workdir / f"{name}.log") as process:
        yield Service(name, url, process.pid)


@contextmanager
def fake_openrouter(workdir: Path, image_bytes: int = 0) -> Iterator[Service]:
    """The fake OpenRouter (`python -m app.dev.emulator`) on a free port; every generated image
    `image_bytes` long (0: a 1x1 PNG)."""
    port = free_port()
    command = [
        *(sys.executable, "-m", "app.dev.emulator", "--port", str(port)),
        *("--image-bytes", str(image_bytes)),
    ]
    url = f"http://127.0.0.1:{port}"
    with run_process("fake", command, url + MODELS_PATH, workdir / "fake.log") as process:
        yield Service("fake", url, process.pid)


@contextmanager
def proxy(
    name: str,
    workdir: Path,
    upstream: Service,
    repo: Path = REPO,
    workers: int = 1,
    settings: dict[str, str] | None = None,
    module: str = "app",
) -> Iterator[Service]:
    """`python -m app` (of `repo`: another checkout may be compared; or `module`, that runs it)
    in front of `upstream`,
    ready (catalog loaded), with default settings whatever the environment says, except three:

    - the upstream;
    - one worker (unless `workers` says otherwise), so that one process does the work (as
      nginx's one worker does), and the Popen's pid is that process;
    - its periodic catalog refresh pushed past the run, so the short-lived parse child runs
      once, at start-up, before any measurement, and measured CPU is the proxy's alone.

    `settings` (environment variables) are added last.
    """
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(("PROXY_", "OPENROUTER_"))
    }
    env |= {
        "OPENROUTER_BASE_URL": f"{upstream.url}/api/v1",
        "PROXY_WORKERS": str(workers),
        "PROXY_CATALOG_REFRESH_SECONDS": "86400",
    }
    env |= settings or {}
    command = [sys.executable, "-m", module, "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    log = workdir / f"{name}.log"
    with run_process(name, command, f"{url}/readyz", log, env, repo) as process:
        yield Service(name, url, process.pid)


@contextmanager
def run_process(
    name: str,
    command: list[str],
    ready_url: str,
    log: Path,
    env: dict[str, str] | None = None,
    cwd: Path = REPO,
) -> Iterator["subprocess.Popen[bytes]"]:
    """Run `command` from `cwd`, output to `log`, until `ready_url` answers 200."""
    with log.open("ab") as output:
        child = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output
        )
    try:
        _wait_ready(name, child, ready_url, log)
        yield child
    finally:
        child.terminate()
        try:
            child.wait(STOP_DEADLINE)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _wait_ready(name: str, child: "subprocess.Popen[bytes]", url: str, log: Path) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            if httpx2.get(url).status_code == 200:
                return
        except httpx2.TransportError:
            pass
        if child.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{name} did not get ready at {url}; its log ends:\n{tail}")
        time.sleep(0.05)
