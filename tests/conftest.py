"""Shared fixtures: the fake OpenRouter and the proxy, each under a real uvicorn on 127.0.0.1.

Starting servers is most of what end-to-end tests cost, so they are shared where a test cannot
tell: one fake OpenRouter server per worker, which hands each test's requests to that test's
own `fake` (fresh state every test); and one default proxy per module in front of it, started
when a test first asks for `proxy_url`. A test that teaches the proxy something later tests
would see (a learned model, a counted metric) is marked `fresh_proxy` and gets a proxy of its
own; `start_proxy` always starts one, with the settings it is given.
"""

import base64
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

import openai
import orjson
import pytest
from starlette.types import Receive, Scope, Send

from app.dev.emulator import FakeOpenRouter, ReceivedRequest
from app.dev.local_server import serve, wait_until_ready
from app.main import SERVER_OPTIONS, create_app
from app.settings import Settings
from app.translate.video_jobs import PREFIX

READY_DEADLINE = 15.0
WAIT_DEADLINE = 20.0  # seconds `wait_for` waits for a condition

ProxyFactory = Callable[..., AbstractContextManager[str]]
Sdk = Callable[[str], openai.OpenAI]


class CurrentFake:
    """An ASGI app that hands every request to the fake of the test running now, so that one
    server serves them all."""

    def __init__(self) -> None:
        self.fake = FakeOpenRouter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.fake.app(scope, receive, send)


class ModuleProxy:
    """The default proxy of a test module: started on first use, stopped with the module."""

    def __init__(self, servers: ExitStack) -> None:
        self._servers = servers
        self._url: str | None = None

    def url(self, upstream_url: str) -> str:
        """Its URL; the first call starts it in front of `upstream_url` and waits until ready."""
        if self._url is None:
            self._url = self._servers.enter_context(running_proxy(proxy_settings(upstream_url)))
        return self._url


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def fake_server() -> Iterator[tuple[CurrentFake, str]]:
    """The worker's one fake OpenRouter server (see `fake_url`)."""
    current = CurrentFake()
    # No lifespan: the fake has none, and no one fake's app outlives its test.
    with serve(current, lifespan="off") as url:
        yield current, url


@pytest.fixture
def fake() -> FakeOpenRouter:
    return FakeOpenRouter()


@pytest.fixture
def fake_url(fake: FakeOpenRouter, fake_server: tuple[CurrentFake, str]) -> str:
    """Where `fake` answers, for this test."""
    current, url = fake_server
    current.fake = fake
    return url


def proxy_settings(upstream_url: str, **overrides: Any) -> Settings:
    """Settings for a proxy in front of `upstream_url` (a server root, without /api/v1).

    The heap is not frozen out of the garbage collector (`proxy_gc_freeze`) unless a test says
    so: in the test process, it would freeze all of pytest's objects with the app's. Proxies run
    as processes (`python -m app`) freeze theirs, as deployed."""
    defaults: dict[str, Any] = {"proxy_gc_freeze": False}
    return Settings(openrouter_base_url=f"{upstream_url}/api/v1", **defaults | overrides)


@contextmanager
def running_proxy(settings: Settings, *, ready: bool = True) -> Iterator[str]:
    """The proxy under uvicorn; with `ready`, wait until /readyz says the catalog is loaded."""
    with serve(create_app(settings), **SERVER_OPTIONS) as url:
        if ready:
            wait_until_ready(url, READY_DEADLINE)
        yield url


@pytest.fixture
def start_proxy(fake_url: str) -> ProxyFactory:
    """Start a proxy of its own in front of the fake, with settings overridden by keyword."""

    def start(*, ready: bool = True, **overrides: Any) -> AbstractContextManager[str]:
        return running_proxy(proxy_settings(fake_url, **overrides), ready=ready)

    return start


@pytest.fixture(scope="module")
def module_proxy() -> Iterator[ModuleProxy]:
    with ExitStack() as servers:
        yield ModuleProxy(servers)


@pytest.fixture
def proxy_url(
    request: pytest.FixtureRequest, fake_url: str, module_proxy: ModuleProxy
) -> Iterator[str]:
    """A proxy with default settings in front of `fake`, loaded: the module's, or with the
    `fresh_proxy` mark one of the test's own."""
    if request.node.get_closest_marker("fresh_proxy") is None:
        yield module_proxy.url(fake_url)
        return
    with running_proxy(proxy_settings(fake_url)) as url:
        yield url


@pytest.fixture
def sdk() -> Iterator[Sdk]:
    """Makes `openai` clients for a base URL; closes them after the test."""
    with ExitStack() as clients:

        def make(base_url: str) -> openai.OpenAI:
            client = openai.OpenAI(base_url=base_url, api_key="sk-or-test", max_retries=0)
            return clients.enter_context(client)

        yield make


def sent_to(fake: FakeOpenRouter, path: str) -> list[ReceivedRequest]:
    """The POST requests that reached the fake at `/api/v1/{path}`."""
    return [r for r in fake.requests if r.method == "POST" and r.path == f"/api/v1/{path}"]


def forged_id(model: str) -> str:
    """A video id as the proxy gives them out, for a job that never was, of `model`: unsigned,
    so anyone can forge one (it never reaches upstream unchecked)."""
    packed = base64.urlsafe_b64encode(orjson.dumps([1, "job-1", model, None, None, 0, ""]))
    return PREFIX + packed.rstrip(b"=").decode()


def images_of(extra: dict[str, Any] | None) -> list[Any]:
    """The `images` an SDK's message or delta carries among its extra fields."""
    images: list[Any] = (extra or {}).get("images", [])
    return images


def metric(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name{labels}` in a Prometheus text exposition."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"no {name} {labels} in the metrics"
    return float(found.group(1))


def wait_for(condition: str, check: Callable[[], bool]) -> None:
    """Wait until `check()` is true; fail, naming `condition`, past `WAIT_DEADLINE`."""
    deadline = time.monotonic() + WAIT_DEADLINE
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {condition}")
