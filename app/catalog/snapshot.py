"""The catalog on disk, for a cold start when OpenRouter's catalog endpoint is unreachable.

The file holds the merged catalog in OpenRouter's `GET /models` shape; its modification time is
the catalog's age. Both functions block: call them in a worker thread.
"""

import logging
import os
import tempfile
from pathlib import Path

from app.catalog.records import Catalog, CatalogError, parse_page

logger = logging.getLogger(__name__)


def save(path: Path, catalog: Catalog) -> None:
    """Write `catalog` to `path` atomically: a reader sees the old file or the new one, whole,
    even across a crash (temp file in the same folder, fsync, rename)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(catalog.listing)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load(path: Path) -> Catalog | None:
    """The catalog saved at `path`, or None (logged) when it is missing, unreadable or corrupt:
    a bad snapshot never stops the proxy, which then waits for OpenRouter."""
    try:
        body = path.read_bytes()
        saved_at = path.stat().st_mtime
        models = parse_page(body).models
    except FileNotFoundError:
        logger.info("no catalog snapshot at %s yet", path)
        return None
    except (OSError, CatalogError) as error:
        logger.warning("ignoring the catalog snapshot at %s: %s", path, error)
        return None
    if not models:
        logger.warning("ignoring the catalog snapshot at %s: it lists no models", path)
        return None
    return Catalog(tuple(models), loaded_at=saved_at, source="snapshot")
