"""Hostile loads inside the container as the Kubernetes manifests run it: their memory limit,
`/tmp` a tmpfs of their sizeLimit (whose pages count against that limit). The proxy must survive
each (no OOM kill, still running, the next request served), and answer every request: as asked,
or 503 with Retry-After while its budget is full; never a 500 or a dropped connection.

A new hostile load is one more `Hostile` in `HOSTILE` (issue 22: embeddings batches and huge
upstream answers belong here too)."""

import concurrent.futures
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from app.dev import big_bodies
from app.dev.big_bodies import BigRequest
from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import free_port, serve, wait_until_ready
from tests.e2e.engine import CLIENT_KEY, Container, Docker, run_hardened, sidecar_proxy

pytestmark = pytest.mark.container

MIB = 1024 * 1024
SERVED = frozenset({200, 503})  # as asked, or refused while the budget is full
HELD_PER_BYTE = 2.0  # how much memory such bodies took at once unbounded (bench.bodies_at_once)


@dataclass(frozen=True)
class Hostile:
    """A load: `count(memory_limit)` copies of `request` sent at once."""

    name: str
    request: BigRequest
    count: Callable[[int], int]


def beyond(size: int) -> Callable[[int], int]:
    """As many bodies of `size` bytes as would take twice the memory limit, held at once."""
    return lambda limit: math.ceil(2 * limit / (size * HELD_PER_BYTE))


HOSTILE = [
    Hostile("chat bodies of 31 MiB", big_bodies.chat(31 * MIB), beyond(31 * MIB)),
    Hostile("Responses bodies of 28 MiB", big_bodies.responses(28 * MIB), beyond(28 * MIB)),
    Hostile("image prompts of 28 MiB", big_bodies.images(28 * MIB), beyond(28 * MIB)),
    # Finding 5: 10 at once filled a tmpfs /tmp until the memory limit killed the proxy.
    Hostile("10 transcriptions of 23 MiB", big_bodies.transcription(23 * MIB), lambda _: 10),
    # Finding 5: one was a 500 with ENOSPC in a /tmp of 16 MiB.
    Hostile("a transcription of 20 MiB", big_bodies.transcription(20 * MIB), lambda _: 1),
]


@pytest.fixture(scope="module")
def upstream() -> Iterator[str]:
    with serve(FakeOpenRouter().app) as url:
        yield f"{url}/api/v1"


@pytest.fixture
def proxy(docker: Docker, image: str, upstream: str, tmp_path: Path) -> Iterator[Container]:
    container = run_hardened(
        docker,
        image,
        free_port(),
        tmp_path,
        OPENROUTER_BASE_URL=upstream,
        OPENROUTER_API_KEY="sk-or-test",
        PROXY_API_KEYS=CLIENT_KEY,
    )
    try:
        container.wait_healthy()
        wait_until_ready(container.url)
        yield container
    finally:
        container.remove()


def send(url: str, request: BigRequest) -> tuple[int, str]:
    """The status of `request` (0: no answer) and its Retry-After."""
    headers = {"Authorization": f"Bearer {CLIENT_KEY}", "Content-Type": request.content_type}
    try:
        answer = httpx2.post(url + request.path, content=request.body, headers=headers, timeout=180)
    except httpx2.HTTPError as error:
        return 0, type(error).__name__
    return answer.status_code, answer.headers.get("retry-after", "")


def peak_memory(docker: Docker, container: Container) -> str:
    """The container's peak memory so far, by its cgroup (v1, else v2), for the log."""
    for path in ("/sys/fs/cgroup/memory/memory.max_usage_in_bytes", "/sys/fs/cgroup/memory.peak"):
        try:
            return f"{int(docker('exec', container.id, 'cat', path)) / MIB:.0f} MiB"
        except AssertionError:
            continue
    return "unknown"


def memory_limit() -> int:
    _, manifest = sidecar_proxy()
    quantity: str = manifest["resources"]["limits"]["memory"]
    assert quantity.endswith("Mi"), quantity
    return int(quantity.removesuffix("Mi")) * MIB


@pytest.mark.parametrize("hostile", HOSTILE, ids=[case.name for case in HOSTILE])
def test_the_proxy_survives_and_answers_every_request(
    docker: Docker, proxy: Container, hostile: Hostile
) -> None:
    count = hostile.count(memory_limit())
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(lambda _: send(proxy.url, hostile.request), range(count)))
    state = docker.inspect(proxy.id, "{{.State.OOMKilled}} {{.State.Running}} {{.State.ExitCode}}")
    assert state == "false true 0", f"{state}: {Counter(answers)}\n{proxy.logs()[-3000:]}"
    statuses = Counter(status for status, _ in answers)
    peak = peak_memory(docker, proxy)
    print(f"\n{hostile.name}, {count} at once: {dict(statuses)}, container's peak memory {peak}")
    assert set(statuses) <= SERVED, f"{statuses}: {Counter(answers)}"
    assert statuses[200] >= 1, statuses  # the budget lets some through, at least one at a time
    assert all(retry == "1" for status, retry in answers if status == 503), answers
    after = send(proxy.url, big_bodies.chat(1024))
    assert after[0] == 200, after
