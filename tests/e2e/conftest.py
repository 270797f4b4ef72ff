"""The engine and the image the container tests share: built once per run."""

import pytest

from tests.e2e.engine import REPO, Docker, engine


@pytest.fixture(scope="session")
def docker() -> Docker:
    return engine()


@pytest.fixture(scope="session")
def image(docker: Docker) -> str:
    """The image built from this checkout, on the base image the engine has (pulled, or stood
    in for by deploy/engine.sh)."""
    tag = "modality-proxy:test"
    before = docker.image_id(tag)
    docker("build", "--network=host", f"--tag={tag}", str(REPO), timeout=900)
    if before and before != docker.image_id(tag):
        docker("image", "rm", before)  # the last run's, now untagged: no pile of them
    return tag
