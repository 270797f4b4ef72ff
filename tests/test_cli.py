"""The console script and `python -m app` start a real proxy."""

import os
import socket
import subprocess
import sys
import time

import httpx2

from app.cli import main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_python_dash_m_app_serves_on_the_given_port(fake_url: str) -> None:
    port = free_port()
    environment = {**os.environ, "OPENROUTER_BASE_URL": f"{fake_url}/api/v1"}
    command = [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port)]
    with subprocess.Popen(command, env=environment, stderr=subprocess.PIPE) as process:
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    if httpx2.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                        break
                except httpx2.ConnectError:
                    pass
                time.sleep(0.05)
            assert httpx2.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
            assert httpx2.get(f"http://127.0.0.1:{port}/readyz").json()["models"] == 549
        finally:
            process.terminate()
            _, log = process.communicate(timeout=10)
    assert b"catalog loaded: 549 models" in log


def test_help_lists_the_options() -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "--host" in result.output
    assert "--port" in result.output
