"""Shared fixtures: the fake OpenRouter and the proxy, each under a real uvicorn on 127.0.0.1."""

import base64
import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Any

import openai
import orjson
import pytest

from app.dev.emulator import FakeOpenRouter, ReceivedRequest
from app.dev.local_server import serve, wait_until_ready
from app.main import SERVER_OPTIONS, create_app
from app.settings import Settings
from app.translate.video_jobs import PREFIX

READY_DEADLINE = 15.0
WAIT_DEADLINE = 20.0  # seconds `wait_for` waits for a condition

ProxyFactory = Callable[..., AbstractContextManager[str]]
Sdk = Callable[[str], openai.OpenAI]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake() -> FakeOpenRouter:
    return FakeOpenRouter()


@pytest.fixture
def fake_url(fake: FakeOpenRouter) -> Iterator[str]:
    with serve(fake.app) as url:
        yield url


def proxy_settings(upstream_url: str, **overrides: Any) -> Settings:
    """Settings for a proxy in front of `upstream_url` (a server root, without /api/v1)."""
    return Settings(openrouter_base_url=f"{upstream_url}/api/v1", **overrides)


@contextmanager
def running_proxy(settings: Settings, *, ready: bool = True) -> Iterator[str]:
    """The proxy under uvicorn; with `ready`, wait until /readyz says the catalog is loaded."""
    with serve(create_app(settings), **SERVER_OPTIONS) as url:
        if ready:
            wait_until_ready(url, READY_DEADLINE)
        yield url


@pytest.fixture
def start_proxy(fake_url: str) -> ProxyFactory:
    """Start a proxy in front of the fake, with settings overridden by keyword."""

    def start(*, ready: bool = True, **overrides: Any) -> AbstractContextManager[str]:
        return running_proxy(proxy_settings(fake_url, **overrides), ready=ready)

    return start


@pytest.fixture
def proxy_url(start_proxy: ProxyFactory) -> Iterator[str]:
    with start_proxy() as url:
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
