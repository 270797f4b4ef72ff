"""Load the catalog that the `models` and `explain` commands look into: from a file, or upstream."""

import asyncio
from pathlib import Path

import click

from app.catalog import snapshot
from app.catalog.records import Catalog, CatalogError
from app.catalog.refresh import CatalogRefresher
from app.settings import Settings
from app.upstream.client import Upstream

catalog_option = click.option(
    "--catalog",
    "catalog_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the catalog from this file (a GET /models answer or a proxy snapshot) "
    "instead of fetching it from OPENROUTER_BASE_URL.",
)

# The two ways to look into a catalog without OpenRouter (offline, no key, a DNS failure).
WITHOUT_UPSTREAM = (
    "Without OpenRouter: read a saved catalog with --catalog FILE (a GET /models answer or a "
    "proxy snapshot), or run the emulator (python -m app.dev.emulator) and set "
    "OPENROUTER_BASE_URL=http://127.0.0.1:8081/api/v1"
)


def command_catalog(file: Path | None) -> Catalog:
    """Return the catalog of `file`, or else upstream's, for a command.

    Raise click's ClickException, saying why on one line and, without a file, how to do
    without OpenRouter, when it cannot be loaded."""
    settings = Settings()
    try:
        return load_catalog(settings, file)
    except (CatalogError, OSError) as error:
        why = " ".join(str(error).split())  # one line
        if file is not None:
            raise click.ClickException(f"could not load the catalog: {why}") from None
        where = settings.upstream_shown()
        message = f"could not load the catalog from {where}: {why}. {WITHOUT_UPSTREAM}"
        raise click.ClickException(message) from None


def load_catalog(settings: Settings, file: Path | None) -> Catalog:
    """Return the catalog of `file` (a `GET /models` answer or a proxy snapshot), or else the
    one fetched and merged from `OPENROUTER_BASE_URL` as the proxy does.

    Raise CatalogError or OSError when it cannot be loaded."""
    if file is not None:
        return snapshot.parsed(file.read_bytes(), source=str(file))
    return asyncio.run(_fetch(settings))


async def _fetch(settings: Settings) -> Catalog:
    async with Upstream(settings) as upstream:
        return await CatalogRefresher(upstream, settings).refresh()
