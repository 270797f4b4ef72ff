"""Keeping the merged catalog fresh: the background refresh loop and on-demand refreshes."""

import asyncio
import contextlib
import logging
import re
import time
from dataclasses import dataclass, replace

from cachetools import TTLCache
from yarl import URL

from app.catalog import listings, snapshot
from app.catalog.memory import Hold, list_bytes, no_hold, refresh_bytes
from app.catalog.records import Catalog, Model, parse_model_answer
from app.catalog.source import Source
from app.catalog.video_models import VideoModels, VideoModelsError, parse_video_models
from app.errors import ProxyError, UpstreamFailure
from app.settings import Settings

logger = logging.getLogger(__name__)
# A model id that is safe as `/model/{author}/{slug}`: two segments that start with a letter or
# digit (so never `.` or `..`), no `%`, `?`, `#`, backslash or further `/`; `~` aliases and
# `:variant`s.
LOOKUP_ID = re.compile(r"~?[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*")

FIRST_RETRY_SECONDS = 1.0
LEARNED_MODELS = 4096  # the most models each learned fact is kept for (the oldest go first)
REASON_CHARS = 300  # of a failed refresh's reason, as `/readyz` shows it


@dataclass(frozen=True)
class RefreshFailure:
    """The last refresh of the loop failed: why (one line, without the base URL's user or
    password), and when the loop tries again (`time.monotonic()`)."""

    reason: str
    next_try: float


class CatalogRefresher:
    """Owns the current `Catalog`: loads it, refreshes it periodically and when a request names a
    model it does not know, and keeps what upstream's refusals taught of single models. `current`
    is None until the first load succeeds. Each load, and each model looked up again, first
    holds what it may cost (`hold`, `app.catalog.memory`): a load that gets no room fails as
    any failed load does, the last good catalog kept."""

    def __init__(self, upstream: Source, settings: Settings, hold: Hold = no_hold) -> None:
        self.current: Catalog | None = None
        self.refresh_failures = 0  # since start-up, for the metrics
        self.last_failure: RefreshFailure | None = None  # None once a refresh has succeeded
        self._upstream = upstream
        self._settings = settings
        self._hold = hold
        self._inflight: asyncio.Task[Catalog] | None = None
        self._running: asyncio.Task[None] | None = None
        self._last_miss_refresh = -float("inf")
        self._unknown: TTLCache[str, bool] = TTLCache(
            maxsize=LEARNED_MODELS, ttl=settings.proxy_unknown_model_refresh_seconds
        )
        self._relearning: dict[str, asyncio.Task[Model | None]] = {}
        self._relearned: TTLCache[str, bool] = TTLCache(
            maxsize=LEARNED_MODELS, ttl=settings.proxy_relearn_model_seconds
        )
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
        """Refresh forever: every interval after a success, with exponential backoff (capped at
        the interval) after a failure, which keeps the last good catalog."""
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
        """Load a new catalog and swap it in. Concurrent callers share one load (single flight)."""
        if self._inflight is None:
            self._inflight = asyncio.create_task(self._load_and_swap())
            self._inflight.add_done_callback(self._forget_inflight)
        return await asyncio.shield(self._inflight)

    def _forget_inflight(self, task: asyncio.Task[Catalog]) -> None:
        self._inflight = None
        if not task.cancelled():
            task.exception()  # retrieved here, so a caller that gave up causes no warning

    async def find(self, model_id: str) -> Model | None:
        """The catalog record of `model_id`, or None. A model the catalog does not know triggers
        at most one refresh per `proxy_unknown_model_refresh_seconds` (misses that arrive while a
        refresh runs wait for it, up to `proxy_unknown_model_wait_seconds`); the negative answer
        is cached as long. Before the first load, every model is unknown and nothing waits."""
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
        """What upstream says of `model_id` now (`GET {base}/model/{author}/{slug}`, which
        resolves aliases and variants), swapped into the catalog. For when upstream's own answer
        shows the catalog wrong: the negative cache and the miss window do not apply, but one
        model is looked up at most once per `proxy_relearn_model_seconds`; callers that come
        meanwhile share the lookup under way, later ones get None, as when upstream does not
        know the model or cannot be asked."""
        task = self._relearning.get(model_id)
        if task is None:
            if model_id in self._relearned:
                return None
            self._relearned[model_id] = True
            task = asyncio.create_task(self._look_up(model_id))
            self._relearning[model_id] = task
            task.add_done_callback(lambda _: self._relearning.pop(model_id, None))
        return await asyncio.shield(task)

    def remember_exact_modalities(self, model_id: str) -> None:
        """Upstream refused `model_id` a part of its outputs: ask it for all of them for
        `proxy_exact_modalities_seconds`."""
        self._exact_modalities[model_id] = True

    def wants_exact_modalities(self, model_id: str) -> bool:
        return model_id in self._exact_modalities

    @property
    def exact_modalities_models(self) -> int:
        """How many models are asked for all their outputs now, for the metrics."""
        self._exact_modalities.expire()
        return len(self._exact_modalities)

    async def _look_up(self, model_id: str) -> Model | None:
        if not LOOKUP_ID.fullmatch(model_id):
            return None  # the id comes from the client: it must not reach another path
        url = URL(f"{self._settings.openrouter_base_url}/model/{model_id}", encoded=True)
        try:
            async with self._hold(list_bytes(self._settings.proxy_max_catalog_bytes)):
                model = parse_model_answer(await self._upstream.download(url))
        except ProxyError as error:  # upstream failed, or no room in the memory budget
            logger.info("could not look %s up again: %s", model_id, error)
            return None
        if model is not None and self.current is not None:
            self.current = self.current.with_model(model)
            self._unknown.pop(model_id, None)
        return model

    async def load_snapshot(self) -> None:
        """Start from the snapshot of `proxy_catalog_snapshot`, if there is a good one."""
        path = self._settings.proxy_catalog_snapshot
        if path is not None and self.current is None:
            self.current = await asyncio.to_thread(snapshot.load, path)
            if self.current is not None:
                logger.info("catalog snapshot loaded: %d models", len(self.current.models))

    async def _load_and_swap(self) -> Catalog:
        base = URL(f"{self._settings.openrouter_base_url}/models")
        async with self._hold(refresh_bytes(self._settings.proxy_max_catalog_bytes)):
            catalog = await listings.load(self._upstream, base, self.current)
            catalog = replace(catalog, videos=await self._load_videos(self.current))
        self.current, self.last_failure = catalog, None
        logger.info("catalog loaded: %d models", len(catalog.models))
        await self._save_snapshot(catalog)
        return catalog

    async def _load_videos(self, previous: Catalog | None) -> VideoModels | None:
        """The video API's model list (`GET /videos/models`), or the previous one when it cannot
        be had: a failure there never costs the catalog, nor the video models known."""
        url = URL(f"{self._settings.openrouter_base_url}/videos/models")
        try:
            return VideoModels(parse_video_models(await self._upstream.download(url)))
        except (UpstreamFailure, VideoModelsError) as error:
            logger.warning("keeping the last video model list: %s", error)
            return previous.videos if previous else None

    async def _save_snapshot(self, catalog: Catalog) -> None:
        path = self._settings.proxy_catalog_snapshot
        if path is None:
            return
        try:
            await asyncio.to_thread(snapshot.save, path, catalog)
        except OSError as error:  # the live catalog serves on; the next refresh tries again
            logger.warning("could not write the catalog snapshot to %s: %s", path, error)
