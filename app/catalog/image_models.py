"""The Images API's own model list (`GET {base}/images/models`), loaded on first use.

Which models it serves, what each takes, and whether it streams; kept for a refresh interval.
"""

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from cachetools import TTLCache
from yarl import URL

from app.catalog.memory import Hold, list_bytes, no_hold
from app.catalog.source import Source
from app.errors import UpstreamFailure, UpstreamUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImageModel:
    """A model as the Images API lists it: the parameters it takes (name -> descriptor, e.g.
    `{"type": "enum", "values": [...]}`), and whether it can stream."""

    id: str
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    streams: bool = False


def parse_image_models(body: bytes) -> dict[str, ImageModel]:
    """Parse a `GET /images/models` answer into its models, by id.

    Raises ValueError for another shape.
    """
    listing = orjson.loads(body)
    if not isinstance(listing, dict) or not isinstance(listing.get("data"), list):
        raise ValueError("GET /images/models answered without a `data` list")
    return {row["id"]: _image_model(row) for row in listing["data"] if _is_model(row)}


def _is_model(row: Any) -> bool:
    return isinstance(row, dict) and isinstance(row.get("id"), str)


def _image_model(row: dict[str, Any]) -> ImageModel:
    parameters = row.get("supported_parameters")
    taken = {
        name: _sane(descriptor)
        for name, descriptor in (parameters.items() if isinstance(parameters, dict) else ())
        if isinstance(descriptor, dict)
    }
    return ImageModel(row["id"], taken, row.get("supports_streaming") is True)


def _sane(descriptor: dict[str, Any]) -> dict[str, Any]:
    """Return `descriptor`, or one that checks nothing when it does not say what its `type` does.

    An enum's `values` must be a list of strings or numbers, bounds numbers; otherwise upstream
    says what the model takes.
    """
    kind = descriptor.get("type")
    if kind == "enum":
        values = descriptor.get("values")
        if isinstance(values, list) and all(map(_is_scalar, values)):
            return descriptor
    elif kind == "range":
        bounds = (descriptor.get("min"), descriptor.get("max"))
        if all(bound is None or _is_number(bound) for bound in bounds):
            return descriptor
    else:
        return descriptor
    logger.warning("the Images API lists a malformed %s descriptor; not checked", kind)
    return {"type": "unchecked"}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str) or _is_number(value)


class ImageModels:
    """The Images API's models as last loaded. `find` loads them when they are older than
    `max_age_seconds` (one load at a time; callers share it); a failed load keeps the last good
    list, and with none, raises UpstreamUnavailable (and is not tried again for `retry_seconds`).

    It also remembers, for `images_only_seconds`, the models that chat refused as served only
    by the Images API: its list cannot tell (it lists models that chat serves too).

    A load first holds what the list may cost (`hold`, the list capped at `page_cap` bytes:
    `app.catalog.memory`); one that gets no room raises as the pool does (a 503).
    """

    def __init__(
        self,
        upstream: Source,
        max_age_seconds: float,
        images_only_seconds: float = 3600,
        retry_seconds: float = 30,
        hold: Hold = no_hold,
        page_cap: int = 0,
    ) -> None:
        self._upstream = upstream
        self._hold, self._list_bytes = hold, list_bytes(page_cap)
        self._max_age = max_age_seconds
        self._retry = min(retry_seconds, max_age_seconds)
        self._models: dict[str, ImageModel] | None = None
        self._loaded_at = -float("inf")
        self._lock = asyncio.Lock()
        self._images_only: TTLCache[str, bool] = TTLCache(4096, images_only_seconds)

    def remember_images_only(self, model_id: str) -> None:
        """Note that chat refused `model_id` as served only by the Images API."""
        self._images_only[model_id] = True

    def is_images_only(self, model_id: str) -> bool:
        """Return whether chat refused `model_id` lately as served only by the Images API."""
        return model_id in self._images_only

    async def find(self, model_id: str) -> ImageModel | None:
        """Return the Images API's record of `model_id`, or None when it does not serve it.

        A `:variant` is looked up without it when the Images API lists only the model. Loads the
        list when it is older than `max_age_seconds`; raises UpstreamUnavailable when there is
        none to answer from.
        """
        if time.monotonic() - self._loaded_at > self._max_age:
            async with self._lock:
                if time.monotonic() - self._loaded_at > self._max_age:
                    await self._load()
        if self._models is None:
            raise UpstreamUnavailable("the Images API's model list could not be loaded")
        return self._models.get(model_id) or self._models.get(model_id.partition(":")[0])

    async def _load(self) -> None:
        url = URL(f"{self._upstream.base}/images/models")
        try:
            async with self._hold(self._list_bytes):
                self._models = parse_image_models(await self._upstream.download(url))
        except (UpstreamFailure, ValueError) as error:
            if self._models is None:
                # Asked again after `retry_seconds`, not by every request meanwhile.
                self._loaded_at = time.monotonic() - self._max_age + self._retry
                raise UpstreamUnavailable(f"the Images API's model list: {error}") from None
            logger.warning("keeping the last Images API model list: %s", error)
        self._loaded_at = time.monotonic()
