"""The console script and `python -m app` start a real proxy, with one worker or several."""

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx2
import pytest
from click.testing import CliRunner

from app.cli import main
from tests.fake_openrouter import FakeOpenRouter
from tests.servers import free_port

START_DEADLINE = 20.0


@contextmanager
def command_line_proxy(fake_url: str, *options: str) -> Iterator[tuple[str, list[bytes]]]:
    """`python -m app --port P *options` in front of the fake; yields its URL and its log lines
    (the list grows as the proxy logs)."""
    port = free_port()
    environment = {**os.environ, "OPENROUTER_BASE_URL": f"{fake_url}/api/v1"}
    command = [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port), *options]
    log: list[bytes] = []
    with subprocess.Popen(command, env=environment, stderr=subprocess.PIPE) as process:
        assert process.stderr is not None
        reader = threading.Thread(target=log.extend, args=(process.stderr,), daemon=True)
        reader.start()
        try:
            yield f"http://127.0.0.1:{port}", log
        finally:
            process.terminate()
            process.wait(timeout=20)
            reader.join(timeout=5)


def wait_for(condition: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {condition}")


@pytest.mark.parametrize("workers", [1, 2])
def test_python_dash_m_app_serves_with_each_worker_loading_the_catalog_once(
    fake: FakeOpenRouter, fake_url: str, workers: int
) -> None:
    def loads() -> int:
        return sum(1 for r in fake.requests if r.query == "output_modalities=all")

    def loaded() -> int:
        return sum(b"catalog loaded: 549 models" in line for line in log)

    with command_line_proxy(fake_url, "--workers", str(workers)) as (url, log):
        wait_for(f"{workers} workers to load the catalog", lambda: loaded() == workers)
        assert httpx2.get(f"{url}/healthz").json() == {"status": "ok"}
        assert httpx2.get(f"{url}/readyz").json()["models"] == 549
    assert loads() == workers  # one load per worker, none more
    assert loaded() == workers


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers"):
        assert option in result.output
