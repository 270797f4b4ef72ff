"""What the catalog's tests share: refreshers in front of the fake OpenRouter."""

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from app.catalog.memory import Hold, no_hold
from app.catalog.refresh import CatalogRefresher
from app.upstream.client import Upstream
from tests.conftest import proxy_settings

MakeRefresher = Callable[..., Awaitable[CatalogRefresher]]


@pytest.fixture
async def make_refresher(fake_url: str) -> AsyncIterator[MakeRefresher]:
    """Refreshers in front of the fake OpenRouter (or `upstream_url`), closed after the test."""
    async with contextlib.AsyncExitStack() as stack:

        async def make(
            upstream_url: str = fake_url,
            hold: Hold = no_hold,
            on_install: Callable[[], None] = lambda: None,
            **overrides: Any,
        ) -> CatalogRefresher:
            settings = proxy_settings(upstream_url, **overrides)
            upstream = await stack.enter_async_context(Upstream(settings))
            refresher = CatalogRefresher(upstream, settings, hold, on_install)
            stack.push_async_callback(refresher.aclose)
            return refresher

        yield make
