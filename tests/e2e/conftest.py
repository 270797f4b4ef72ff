"""The engine and the image the container tests share (built once per run), and the proxy
started as a user does, from the command line."""

import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest

from app.dev.local_server import free_port
from tests.e2e.engine import REPO, Docker, engine


@dataclass
class CommandLineProxy:
    url: str
    log: list[bytes]  # grows as the proxy logs
    process: "subprocess.Popen[bytes]"


@contextmanager
def command_line_proxy(fake_url: str, *options: str) -> Iterator[CommandLineProxy]:
    """`python -m app --port P *options` in front of the fake, stopped (SIGTERM) on exit; its
    stderr and stdout (the access log) in `log`, not in pytest's output."""
    port = free_port()
    environment = {**os.environ, "OPENROUTER_BASE_URL": f"{fake_url}/api/v1"}
    command = [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port), *options]
    log: list[bytes] = []
    with subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    ) as process:
        assert process.stdout is not None
        reader = threading.Thread(target=log.extend, args=(process.stdout,), daemon=True)
        reader.start()
        try:
            yield CommandLineProxy(f"http://127.0.0.1:{port}", log, process)
        finally:
            process.terminate()
            process.wait(timeout=20)
            reader.join(timeout=5)


@pytest.fixture(scope="session")
def docker() -> Docker:
    return engine()


@pytest.fixture(scope="session")
def image(docker: Docker) -> str:
    """The image built from this checkout, on the base image the engine has (pulled, or stood
    in for by deploy/engine.sh): its id."""
    tag = "modality-proxy:test"
    before = docker.image_id(tag)
    with tempfile.TemporaryDirectory() as work:
        written = Path(work) / "image-id"
        docker(
            "build",
            "--network=host",
            f"--iidfile={written}",
            f"--tag={tag}",
            str(REPO),
            timeout=900,
        )
        built = written.read_text().strip()
    if before and before != built:  # the last run's, now untagged: no pile of them
        try:
            docker("image", "rm", before)
        except AssertionError as failed:  # another pytest worker, built at once, removed it
            if "No such image" not in str(failed):
                raise
    # Its id, not the tag: another checkout's run may move the tag while this one runs.
    return built


@pytest.fixture
def client(proxy_url: str) -> Iterator[openai.OpenAI]:
    """The openai SDK on the proxy's /v1, with a client key and no retries."""
    with openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="sk-or-test", max_retries=0) as sdk:
        yield sdk
