"""One load of the whole catalog: every listing of `GET /models` and the video API's models.

Each page of each query is parsed off the event loop and merged by id. A failure of the video
list never costs the catalog, nor the video models known.
"""

import logging
from collections.abc import Iterable

from yarl import URL

from app.catalog.parse_worker import ParseWorker
from app.catalog.records import Catalog, CatalogError, Model, merge_into
from app.catalog.source import Source
from app.catalog.video_models import VideoModels, VideoModelsError, parse_video_models
from app.errors import UpstreamFailure

logger = logging.getLogger(__name__)

# `all` lists every model; the plain list is queried too because a query can omit models that
# another returns, and so is each output modality seen (image-only models hide from the default).
FIRST_QUERIES: tuple[str | None, ...] = ("all", None)
ALWAYS_QUERIED_MODALITIES = frozenset({"text", "image", "audio"})
MAX_PAGES = 100


async def load(source: Source, base: str, previous: Catalog | None) -> Catalog:
    """Return the catalog of the API at `base`, `previous` filling what could not be had.

    The listings are queried one at a time and merged by id as they come (so that one listing at
    a time is in memory, not all). A query that fails never shrinks the catalog: the `previous`
    catalog's models are kept then; nor does a failed video list (`_video_models`). Raises
    CatalogError when every query fails.
    """
    merged: dict[str, Model] = {}
    async with ParseWorker() as worker:
        fetch = _Listings(source, worker, URL(f"{base}/models"))
        failures = await fetch.merge(FIRST_QUERIES, merged)
        failures += await fetch.merge(_modality_queries(merged.values(), previous), merged)
    if not merged:
        raise CatalogError(f"every catalog query failed, the first with: {failures[0]}")
    if failures and previous is not None:
        merge_into(merged, previous.models)
    videos = await _video_models(source, URL(f"{base}/videos/models"), previous)
    return Catalog(tuple(merged.values()), videos=videos)


def _modality_queries(models: Iterable[Model], previous: Catalog | None) -> list[str]:
    """Return one query per output modality seen, now or in the previous catalog."""
    seen = previous.output_modalities_seen() if previous else set()
    seen.update(modality for model in models for modality in model.output_modalities)
    return sorted(seen | ALWAYS_QUERIED_MODALITIES)


class _Listings:
    def __init__(self, source: Source, worker: ParseWorker, models_url: URL) -> None:
        self._source, self._worker, self._url = source, worker, models_url

    async def merge(
        self, queries: Iterable[str | None], merged: dict[str, Model]
    ) -> list[Exception]:
        """Fetch each listing into `merged` (the first record of an id wins); return failures."""
        failures: list[Exception] = []
        for query in queries:
            try:
                listing = await self._fetch(query)
            except Exception as error:  # any failure: this listing is missing
                failures.append(error)
                continue
            merge_into(merged, listing)
        return failures

    async def _fetch(self, output_modalities: str | None) -> list[Model]:
        """Return the models of every page of `GET /models?output_modalities=...`.

        Follows `links.next`, up to `MAX_PAGES` pages; raises CatalogError past them.
        """
        url = self._url
        if output_modalities:
            url = url.with_query(output_modalities=output_modalities)
        models: list[Model] = []
        for _ in range(MAX_PAGES):
            page = await self._worker.parse(await self._source.download(url))
            models += page.models
            if page.next_url is None:
                return models
            url = _same_origin(url, url.join(URL(page.next_url)))
        raise CatalogError(f"more than {MAX_PAGES} pages of models at {url}")


def _same_origin(base: URL, target: URL) -> URL:
    """Return `target`, or raise CatalogError when it leaves `base`'s origin.

    `links.next` must stay on the upstream host: the key is sent there too.
    """
    if target.origin() != base.origin():
        raise CatalogError(f"links.next points away from the upstream host: {target}")
    return target


async def _video_models(source: Source, url: URL, previous: Catalog | None) -> VideoModels | None:
    """Return the video API's model list at `url`, or the `previous` catalog's (logged)."""
    try:
        return VideoModels(parse_video_models(await source.download(url)))
    except (UpstreamFailure, VideoModelsError) as error:
        logger.warning("keeping the last video model list: %s", error)
        return previous.videos if previous else None
