"""The engine and the image the container tests share: built once per run."""

import tempfile
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from tests.e2e.engine import REPO, Docker, engine


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
    if before and before != built:
        docker("image", "rm", before)  # the last run's, now untagged: no pile of them
    # Its id, not the tag: another checkout's run may move the tag while this one runs.
    return built


@pytest.fixture
def client(proxy_url: str) -> Iterator[openai.OpenAI]:
    """The openai SDK on the proxy's /v1, with a client key and no retries."""
    with openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="sk-or-test", max_retries=0) as sdk:
        yield sdk
