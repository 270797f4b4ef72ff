"""Asking upstream again about one model, when its own answer shows the catalog wrong about it.

`GET {base}/model/{author}/{slug}` answers for one model and resolves aliases and variants. One
model is asked at most once per `proxy_relearn_model_seconds`: callers that come meanwhile share
the lookup under way, later ones get None, as when upstream does not know the model or cannot be
asked.
"""

import asyncio
import logging
import re
from collections.abc import Callable

from cachetools import TTLCache
from yarl import URL

from app.catalog.memory import Hold, list_bytes
from app.catalog.records import Model, parse_model_answer
from app.catalog.source import Source
from app.errors import ProxyError
from app.settings import Settings

logger = logging.getLogger(__name__)
# A model id that is safe as `/model/{author}/{slug}`: two segments that start with a letter or
# digit (so never `.` or `..`), no `%`, `?`, `#`, backslash or further `/`; `~` aliases and
# `:variant`s.
LOOKUP_ID = re.compile(r"~?[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._:-]*")
LEARNED_MODELS = 4096  # the most models each learned fact is kept for (the oldest go first)


class Relearner:
    """Looks single models up again, each at most once a window.

    `learned(model_id, record)` is called with each record found, once per lookup. Each lookup
    first holds what it may cost (`hold`, `app.catalog.memory`); one that gets no room finds
    nothing, as one that upstream fails does.
    """

    def __init__(
        self,
        upstream: Source,
        settings: Settings,
        hold: Hold,
        learned: Callable[[str, Model], None],
    ) -> None:
        self._upstream = upstream
        self._settings = settings
        self._hold = hold
        self._learned = learned
        self._under_way: dict[str, asyncio.Task[Model | None]] = {}
        self._asked: TTLCache[str, bool] = TTLCache(
            maxsize=LEARNED_MODELS, ttl=settings.proxy_relearn_model_seconds
        )

    async def relearn(self, model_id: str) -> Model | None:
        """Return upstream's record of `model_id` now, or None (see the module's docstring)."""
        task = self._under_way.get(model_id)
        if task is None:
            if model_id in self._asked:
                return None
            self._asked[model_id] = True
            task = asyncio.create_task(self._look_up(model_id))
            self._under_way[model_id] = task
            task.add_done_callback(lambda _: self._under_way.pop(model_id, None))
        return await asyncio.shield(task)

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
        if model is not None:
            self._learned(model_id, model)
        return model
