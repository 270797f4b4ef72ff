"""The offline compose example, run as a user runs it, by Debian's docker-compose:
`docker-compose -f deploy/docker-compose.yml -f deploy/compose.try.yml up --build`, with no key
set and a compose network that reaches neither OpenRouter nor a package index (the engine of
deploy/engine.sh has no NAT): the example client's requests answered through the proxy, in front
of the emulator."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from app.dev.local_server import free_port
from tests.e2e.engine import REPO, Docker, compose

pytestmark = pytest.mark.container

COMPOSE_FILES = [REPO / "deploy" / "docker-compose.yml", REPO / "deploy" / "compose.try.yml"]
KEYS = ("OPENROUTER_API_KEY", "PROXY_CLIENT_KEY", "OPENAI_API_KEY")


def test_the_try_it_compose_answers_through_the_proxy_with_no_key(docker: Docker) -> None:
    command = [compose(), f"--project-name=modality-proxy-test-{uuid.uuid4().hex[:8]}"]
    command += [f"--file={path}" for path in COMPOSE_FILES]
    env = {k: v for k, v in os.environ.items() if k not in KEYS} | {
        # Compose v1 builds with the docker client on the PATH: the one that speaks BuildKit.
        "PATH": f"{Path(docker.executable).parent}:{os.environ['PATH']}",
        "COMPOSE_DOCKER_CLI_BUILD": "1",
        "DOCKER_BUILDKIT": "1",
        "PROXY_HOST_PORT": str(free_port()),
    }

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *arguments],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    try:
        up = run("up", "--build", "--abort-on-container-exit", "--exit-code-from=client")
    finally:
        run("down", "--volumes", "--remove-orphans")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "models output images" in up.stdout
    assert "X-Modalities: none" in up.stdout, up.stdout
