"""The catalog on disk, for a cold start when OpenRouter's catalog endpoint is unreachable.

The file holds the merged catalog in OpenRouter's `GET /models` shape, and the video API's model
list (`GET /videos/models`'s shape) under `video_models`; its modification time is the catalog's
age. Both functions block: call them in a worker thread.
"""

import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from app.catalog.records import Catalog, CatalogError, parse_page
from app.catalog.video_models import VideoModels, VideoModelsError, video_models_of

logger = logging.getLogger(__name__)


def save(path: Path, catalog: Catalog) -> None:
    """Write `catalog` to `path` atomically.

    A reader sees the old file or the new one, whole, even across a crash (temp file in the same
    folder, fsync, rename).
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(contents(catalog))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def contents(catalog: Catalog) -> bytes:
    """Return what a snapshot file holds: the listing, with the video models when known."""
    if catalog.videos is None:
        return catalog.listing
    return catalog.listing[:-1] + b',"video_models":' + catalog.videos.listing + b"}"


def parsed(body: bytes, **catalog: Any) -> Catalog:
    """Return the catalog of a snapshot file's `body` (or of a plain `GET /models` answer).

    It is made with the `Catalog` fields of `catalog`. Raises CatalogError; a bad video list
    reads as none.
    """
    models = parse_page(body).models
    listed = orjson.loads(body).get("video_models")
    try:
        videos = None if listed is None else VideoModels(video_models_of(listed))
    except VideoModelsError as error:
        logger.warning("ignoring the video models of the catalog snapshot: %s", error)
        videos = None
    return Catalog(tuple(models), videos=videos, **catalog)


def load(path: Path) -> Catalog | None:
    """Return the catalog saved at `path`, or None (logged) when it is missing or bad.

    Missing, unreadable or corrupt: a bad snapshot never stops the proxy, which then waits for
    OpenRouter.
    """
    try:
        body = path.read_bytes()
        saved_at = path.stat().st_mtime
        catalog = parsed(body, loaded_at=saved_at, source="snapshot")
    except FileNotFoundError:
        logger.info("no catalog snapshot at %s yet", path)
        return None
    except (OSError, CatalogError) as error:
        logger.warning("ignoring the catalog snapshot at %s: %s", path, error)
        return None
    if not catalog.models:
        logger.warning("ignoring the catalog snapshot at %s: it lists no models", path)
        return None
    return catalog
