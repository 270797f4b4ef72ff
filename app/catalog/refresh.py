"""The refresher that keeps the merged catalog fresh: a background loop and on-demand refreshes.

What one load fetches is `app.catalog.listings`; asking upstream again about a single model,
`app.catalog.relearn`.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from cachetools import TTLCache

from app.catalog import listings, snapshot
from app.catalog.memory import Hold, no_hold, refresh_bytes
from app.catalog.records import Catalog, Model
from app.catalog.relearn import LEARNED_MODELS, Relearner
from app.catalog.source import Source
from app.settings import Settings

logger = logging.getLogger(__name__)
FIRST_RETRY_SECONDS = 1.0
REASON_CHARS = 300  # of a failed refresh's reason, as `/readyz` shows it


@dataclass(frozen=True)
class RefreshFailure:
    """The last refresh of the loop failed: why (one line, without the base URL's user or
    password), and when the loop tries again (`time.monotonic()`)."""

    reason: str
    next_try: float


class CatalogRefresher:
    """Owns the current `Catalog`: loads it, refreshes it, keeps what upstream's refusals taught.

    `current` is None until the first load succeeds. Each load first holds what it may cost
    (`hold`, `app.catalog.memory`): a load that gets no room fails as any failed load does, the
    last good catalog kept.
    """

    def __init__(
        self,
        upstream: Source,
        settings: Settings,
        hold: Hold = no_hold,
        on_install: Callable[[], None] = lambda: None,
    ) -> None:
        self.current: Catalog | None = None
        self.refresh_failures = 0  # since start-up, for the metrics
        self.last_failure: RefreshFailure | None = None  # None once a refresh has succeeded
        self._upstream = upstream
        self._settings = settings
        self._hold = hold
        self._on_install = on_install  # called with each catalog made current
        self._inflight: asyncio.Task[Catalog] | None = None
        self._running: asyncio.Task[None] | None = None
        self._last_miss_refresh = -float("inf")
        self._unknown: TTLCache[str, bool] = TTLCache(
            maxsize=LEARNED_MODELS, ttl=settings.proxy_unknown_model_refresh_seconds
        )
        self._relearner = Relearner(upstream, settings, hold, self._swap_in)
        self._exact_modalities: TTLCache[str, bool] = TTLCache(
            maxsize=LEARNED_MODELS, ttl=settings.proxy_exact_modalities_seconds
        )

    def start(self) -> None:
        """Run the refresh loop in the background until `aclose`."""
        self._running = asyncio.create_task(self.run(), name="catalog-refresher")

    async def aclose(self) -> None:
        """Stop the refresh loop and any refresh under way, and wait until they have stopped."""
        tasks = [task for task in (self._running, self._inflight) if task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def run(self) -> None:
        """Refresh forever: every interval after a success, sooner after a failure.

        After a failure, which keeps the last good catalog, the loop backs off exponentially from
        `FIRST_RETRY_SECONDS`, capped at the interval.
        """
        failures = 0
        while True:
            try:
                await self.refresh()
                failures = 0
            except Exception as error:  # any failure: keep the last good catalog, retry later
                failures += 1
                self.refresh_failures += 1
                self._note_failure(error, failures)
            await asyncio.sleep(self._delay_after(failures))

    def _note_failure(self, error: Exception, failures: int) -> None:
        """Log why the refresh failed, and keep it with when the loop tries again (`/readyz`)."""
        said = " ".join(str(error).split()) or type(error).__name__
        shown = said.replace(self._settings.openrouter_base_url, self._settings.upstream_shown())
        reason = shown[:REASON_CHARS]
        logger.warning("catalog refresh failed (attempt %d): %s", failures, reason)
        next_try = time.monotonic() + self._delay_after(failures)
        self.last_failure = RefreshFailure(reason, next_try)

    def _delay_after(self, failures: int) -> float:
        interval = self._settings.proxy_catalog_refresh_seconds
        return (
            interval if failures == 0 else min(interval, FIRST_RETRY_SECONDS * 2 ** (failures - 1))
        )

    async def refresh(self) -> Catalog:
        """Load a new catalog, swap it in and return it; concurrent callers share one load."""
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._load_and_swap())
            self._inflight.add_done_callback(self._forget_inflight)
        return await asyncio.shield(self._inflight)

    def _forget_inflight(self, task: asyncio.Task[Catalog]) -> None:
        self._inflight = None
        if not task.cancelled():
            task.exception()  # retrieved here, so a caller that gave up causes no warning

    async def find(self, model_id: str) -> Model | None:
        """Return the catalog record of `model_id`, or None.

        A model the catalog does not know triggers at most one refresh per
        `proxy_unknown_model_refresh_seconds` (misses that arrive while a refresh runs wait for
        it, up to `proxy_unknown_model_wait_seconds`); the negative answer is cached as long.
        Before the first load, every model is unknown and nothing waits.
        """
        catalog = self.current
        if catalog is None:
            return None
        model = catalog.lookup(model_id)
        if model is not None or model_id in self._unknown or not self._may_refresh_for_miss():
            return model
        with contextlib.suppress(Exception):  # the refresh loop logs failures
            async with asyncio.timeout(self._settings.proxy_unknown_model_wait_seconds):
                catalog = await self.refresh()
        model = catalog.lookup(model_id)
        if model is None:
            self._unknown[model_id] = True
        return model

    def _may_refresh_for_miss(self) -> bool:
        if self._inflight is not None:
            return True  # joining a refresh already under way costs nothing
        now = time.monotonic()
        if now - self._last_miss_refresh < self._settings.proxy_unknown_model_refresh_seconds:
            return False
        self._last_miss_refresh = now
        return True

    async def relearn(self, model_id: str) -> Model | None:
        """Return what upstream says of `model_id` now, swapped into the catalog, or None.

        For when upstream's own answer shows the catalog wrong: `find`'s negative cache and miss
        window do not apply (`app.catalog.relearn` has a window of its own).
        """
        return await self._relearner.relearn(model_id)

    def _swap_in(self, model_id: str, model: Model) -> None:
        if self.current is not None:
            self.current = self.current.with_model(model)
            self._unknown.pop(model_id, None)

    def remember_exact_modalities(self, model_id: str) -> None:
        """Ask `model_id` for all its outputs from now on, for `proxy_exact_modalities_seconds`."""
        self._exact_modalities[model_id] = True

    def wants_exact_modalities(self, model_id: str) -> bool:
        """Return whether `model_id` is asked for all its outputs now."""
        return model_id in self._exact_modalities

    @property
    def exact_modalities_models(self) -> int:
        """How many models are asked for all their outputs now, for the metrics."""
        self._exact_modalities.expire()
        return len(self._exact_modalities)

    async def load_snapshot(self) -> None:
        """Start from the snapshot of `proxy_catalog_snapshot`, if there is a good one."""
        path = self._settings.proxy_catalog_snapshot
        if path is not None and self.current is None:
            catalog = await asyncio.to_thread(snapshot.load, path)
            if catalog is not None:
                self._install(catalog)
                logger.info("catalog snapshot loaded: %d models", len(catalog.models))

    async def _load_and_swap(self) -> Catalog:
        base = self._settings.openrouter_base_url
        async with self._hold(refresh_bytes(self._settings.proxy_max_catalog_bytes)):
            catalog = await listings.load(self._upstream, base, self.current)
        self._install(catalog)
        self.last_failure = None
        logger.info("catalog loaded: %d models", len(catalog.models))
        await self._save_snapshot(catalog)
        return catalog

    def _install(self, catalog: Catalog) -> None:
        """Make `catalog` the current one, and say so to `on_install` (`app.catalog.heap`)."""
        self.current = catalog
        self._on_install()

    async def _save_snapshot(self, catalog: Catalog) -> None:
        path = self._settings.proxy_catalog_snapshot
        if path is None:
            return
        try:
            await asyncio.to_thread(snapshot.save, path, catalog)
        except OSError as error:  # the live catalog serves on; the next refresh tries again
            logger.warning("could not write the catalog snapshot to %s: %s", path, error)
