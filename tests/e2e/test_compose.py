"""The compose example (deploy/docker-compose.yml) run by Debian's docker-compose, with
tests/e2e/compose.override.yml: the example client's request answered through the sidecar."""

import os
import subprocess
import uuid

import pytest

from app.dev.local_server import free_port
from tests.e2e.engine import CLIENT_KEY, REPO, compose

pytestmark = pytest.mark.container

COMPOSE_FILES = [REPO / "deploy" / "docker-compose.yml", REPO / "tests/e2e/compose.override.yml"]


def test_the_compose_example_answers_through_the_sidecar(image: str) -> None:
    command = [compose(), f"--project-name=modality-proxy-test-{uuid.uuid4().hex[:8]}"]
    command += [f"--file={path}" for path in COMPOSE_FILES]
    env = os.environ | {
        "PROXY_IMAGE": image,
        "OPENROUTER_API_KEY": "sk-or-test",
        "PROXY_CLIENT_KEY": CLIENT_KEY,
        "PROXY_HOST_PORT": str(free_port()),
        "COMPOSE_DOCKER_CLI_BUILD": "0",  # compose's own builder: any docker CLI will do
        "DOCKER_BUILDKIT": "0",
    }

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *arguments],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    try:
        built = run("build", "client")
        assert built.returncode == 0, built.stdout + built.stderr
        up = run("up", "--no-build", "--abort-on-container-exit", "--exit-code-from=client")
    finally:
        run("down", "--volumes", "--remove-orphans")
    assert up.returncode == 0, up.stdout + up.stderr
    assert "models output images" in up.stdout
    assert "X-Modalities: none" in up.stdout, up.stdout
