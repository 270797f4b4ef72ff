"""Run ASGI apps under real uvicorn on a loopback port in a thread: for the demo, and for
tests that need real sockets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from app.dev import DemoExtraMissing

try:
    import httpx2
except ModuleNotFoundError:  # a plain install, without the [demo] extra
    raise DemoExtraMissing("httpx2") from None

START_DEADLINE = 10.0  # seconds to wait for uvicorn to start serving
STOP_DEADLINE = 15.0  # seconds to wait for the server thread to end after should_exit


def free_port() -> int:
    """A loopback port that was free a moment ago (for servers that bind it themselves)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_ready(url: str, deadline_seconds: float = 30.0) -> None:
    """Wait until the proxy at `url` answers 200 on /readyz (its catalog is loaded); raise
    RuntimeError past the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while httpx2.get(f"{url}/readyz").status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the proxy at {url} did not load its catalog in time")
        time.sleep(0.02)


@contextmanager
def serve(app: ASGIApp, port: int = 0, **config: Any) -> Iterator[str]:
    """Run `app` under uvicorn on 127.0.0.1:`port` (0: any free port) in a daemon thread; yield
    "http://127.0.0.1:PORT".

    Defaults: loop="uvloop", http="httptools", lifespan="on", log_level="warning" and
    timeout_graceful_shutdown=5 (so a stream left open cannot hang shutdown); `config`
    overrides them and is passed to ``uvicorn.Config``. On exit the server is asked to stop
    (``should_exit``) and the thread joined; RuntimeError if it fails to start or stop in time.
    """
    # Binding the socket here, not in uvicorn, means the port is known and taken up front:
    # no race between picking a free port and listening on it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    options: dict[str, Any] = {
        "loop": "uvloop",
        "http": "httptools",
        "lifespan": "on",
        "log_level": "warning",
        "timeout_graceful_shutdown": 5,
        **config,
    }
    server = uvicorn.Server(uvicorn.Config(app, **options))
    # uvicorn installs no signal handlers outside the main thread, so this is safe.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_DEADLINE
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn exited during startup (see its log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start within {START_DEADLINE} s")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_DEADLINE)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"uvicorn did not stop within {STOP_DEADLINE} s")
