"""The image, built from this checkout by a real Docker engine and run as the Kubernetes manifests
run it, driven with the `openai` SDK against the fake OpenRouter (in this process, reached over
the host's network). `pytest -m container` runs these alone; tests/e2e/engine.py says what they
need and what happens without it."""

import concurrent.futures
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import free_port, serve, wait_until_ready
from tests.e2e.engine import CLIENT_KEY, Container, Docker, run_hardened, sidecar_proxy

pytestmark = pytest.mark.container

SEED_CASES = [  # the requests that started the project, and the modalities the proxy sends
    ("black-forest-labs/flux.2-pro", ["image", "text"], "image"),
    ("google/gemini-2.5-flash-image", ["image"], "image,text"),
]
PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]
Start = Callable[[], Container]


@pytest.fixture(scope="module")
def fake() -> FakeOpenRouter:
    return FakeOpenRouter()


@pytest.fixture(scope="module")
def upstream(fake: FakeOpenRouter) -> Iterator[str]:
    with serve(fake.app) as url:
        yield f"{url}/api/v1"


def starter(
    docker: Docker, image: str, upstream: str, volumes: Path
) -> tuple[Start, list[Container]]:
    """A function that starts the image hardened, in gateway mode, in front of `upstream`, with
    its volumes under `volumes`, and waits until healthy; and the list of what it started."""
    started: list[Container] = []

    def start() -> Container:
        container = run_hardened(
            docker,
            image,
            free_port(),
            volumes,
            OPENROUTER_BASE_URL=upstream,
            OPENROUTER_API_KEY="sk-or-test",
            PROXY_API_KEYS=CLIENT_KEY,
        )
        started.append(container)
        container.wait_healthy()
        return container

    return start, started


@pytest.fixture
def start(docker: Docker, image: str, upstream: str, tmp_path: Path) -> Iterator[Start]:
    start, started = starter(docker, image, upstream, tmp_path)
    try:
        yield start
    finally:
        for container in started:
            container.remove()


@pytest.fixture(scope="module")
def proxy(
    docker: Docker, image: str, upstream: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Container]:
    start, started = starter(docker, image, upstream, tmp_path_factory.mktemp("volumes"))
    try:
        container = start()
        wait_until_ready(container.url)
        yield container
    finally:
        for container in started:
            container.remove()


def sdk(container: Container) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{container.url}/v1", api_key=CLIENT_KEY, max_retries=0)


def images_in(extra: dict[str, object] | None) -> list[object]:
    found = (extra or {}).get("images", [])
    return found if isinstance(found, list) else []


def test_the_image_runs_as_a_numeric_user_not_root(docker: Docker, image: str) -> None:
    uid, _, gid = docker.inspect(image, "{{.Config.User}}").partition(":")
    assert uid.isdigit()
    assert gid.isdigit()
    assert int(uid) != 0
    assert docker("run", "--rm", "--network=host", image, "id", "-u") == uid


def test_the_image_carries_the_proxy_only(docker: Docker, image: str) -> None:
    """No test fixtures (the emulator's catalog is the one data file), neither the demo's client
    nor uvicorn[standard]'s extras; and the demo says how to get what it needs."""
    unused = ("httpx2", "websockets", "watchfiles", "yaml")
    # One container for both questions (each `docker run` is a container and a Python started):
    # the app's files that are not code, on one line, then the unused packages installed, on the
    # next (empty).
    looked_up = (
        "import app, pathlib, importlib.util as u; "
        "print(*(p.name for p in pathlib.Path(app.__file__).parent.rglob('*')"
        " if p.is_file() and p.suffix not in ('.py', '.pyc'))); "
        f"print(*(m for m in {unused} if u.find_spec(m)))"
    )
    said = docker("run", "--rm", "--network=host", image, "python", "-c", looked_up)
    assert said.splitlines() == ["catalog.json.gz"], said  # and no unused package (stripped)
    demo = [docker.executable, "run", "--rm", "--network=host", image, "modality-proxy", "demo"]
    done = subprocess.run(demo, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "httpx2" in done.stderr
    assert "pip install 'modality-proxy[demo]'" in done.stderr


def test_it_runs_locked_down_as_the_manifest_says(docker: Docker, proxy: Container) -> None:
    _, manifest = sidecar_proxy()
    host = docker.inspect(proxy.id, "{{json .HostConfig}}")
    settings = orjson.loads(host)
    assert settings["ReadonlyRootfs"] is True
    assert settings["CapDrop"] == manifest["securityContext"]["capabilities"]["drop"]
    assert settings["SecurityOpt"] == ["no-new-privileges"]
    limits = manifest["resources"]["limits"]
    assert (limits["memory"], settings["Memory"]) == ("256Mi", 256 * 2**20)
    assert (limits["cpu"], settings["NanoCpus"]) == ("1", 10**9)
    assert settings["Tmpfs"] == {"/tmp": "size=36m"}
    with pytest.raises(AssertionError, match="Read-only file system"):
        docker("exec", proxy.id, "touch", "/written")
    docker("exec", proxy.id, "touch", "/tmp/written")


@pytest.mark.parametrize(("model", "asked", "sent"), SEED_CASES)
def test_the_seeds_cases_are_fixed_plain_and_streamed(
    proxy: Container, fake: FakeOpenRouter, model: str, asked: list[str], sent: str
) -> None:
    with sdk(proxy) as client:
        raw = client.chat.completions.with_raw_response.create(
            model=model, messages=PROMPT, extra_body={"modalities": asked}
        )
        assert raw.headers["x-modalities"] == sent
        assert len(images_in(raw.parse().choices[0].message.model_extra)) == 1
        chats = [r for r in fake.requests if r.path.endswith("/chat/completions")]
        assert orjson.loads(chats[-1].body)["modalities"] == sent.split(",")

        chunks = list(
            client.chat.completions.create(
                model=model, messages=PROMPT, stream=True, extra_body={"modalities": asked}
            )
        )
    assert sum(len(images_in(c.choices[0].delta.model_extra)) for c in chunks if c.choices) == 1
    assert chunks[-1].usage is not None


def test_a_restarted_container_is_ready_from_its_snapshot_while_the_catalog_is_down(
    docker: Docker, start: Start, fake: FakeOpenRouter, tmp_path: Path
) -> None:
    first = start()
    wait_until_ready(first.url)
    snapshot = tmp_path / "catalog" / "catalog.json"  # the manifest's volume `catalog`
    wait_for("the snapshot to be written", snapshot.exists)
    docker("stop", first.id)
    fake.catalog_down = True
    try:
        second = start()
        ready = httpx2.get(f"{second.url}/readyz")
        with sdk(second) as client:
            raw = client.chat.completions.with_raw_response.create(
                model=SEED_CASES[0][0], messages=PROMPT, extra_body={"modalities": SEED_CASES[0][1]}
            )
    finally:
        fake.catalog_down = False
    assert ready.status_code == 200, ready.text
    assert ready.json()["source"] == "snapshot"
    assert raw.headers["x-modalities"] == SEED_CASES[0][2]


def test_docker_stop_lets_a_stream_in_flight_finish_then_exits_0(
    docker: Docker, start: Start, fake: FakeOpenRouter
) -> None:
    pod, _ = sidecar_proxy()
    proxy = start()
    wait_until_ready(proxy.url)

    first_chunk = threading.Event()

    def slow_stream() -> list[ChatCompletionChunk]:
        with sdk(proxy) as client:
            model = "test/stream-slow"
            chunks = client.chat.completions.create(model=model, messages=PROMPT, stream=True)
            received = []
            for piece in chunks:
                received.append(piece)
                first_chunk.set()
            return received

    fake.slow_seconds = 3.0  # the pause after the first chunk, while SIGTERM arrives
    try:
        with concurrent.futures.ThreadPoolExecutor() as pool:
            answer = pool.submit(slow_stream)
            assert first_chunk.wait(30), "the stream did not start"
            docker("stop", f"--time={pod['terminationGracePeriodSeconds']}", proxy.id)
            chunks = answer.result()
    finally:
        fake.slow_seconds = 1.0
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello from test/stream-slow"
    assert chunks[-1].usage is not None
    # Exit code 0, not 137: it ended itself within the grace, not killed at its end.
    assert docker.inspect(proxy.id, "{{.State.ExitCode}}") == "0", proxy.logs()


def wait_for(what: str, condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
