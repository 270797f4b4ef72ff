"""The heap frozen out of full garbage collections after a catalog's install
(`app.catalog.heap`), and what was frozen freed once it is garbage, after the next install."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from app.catalog.heap import Freezer
from tests.catalog.conftest import MakeRefresher


class Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


def walked(thing: object) -> bool:
    """Whether full collections walk `thing` (it is not frozen)."""
    return any(thing is tracked for tracked in gc.get_objects())


@pytest.fixture
def freezer() -> Iterator[Freezer]:
    with Freezer() as made:
        yield made  # leaving it unfreezes: the rest of the test process collected as usual


def test_the_full_collection_after_an_install_freezes_what_survives_it(freezer: Freezer) -> None:
    kept = Cycle()
    gc.collect()
    assert walked(kept)  # no install yet: nothing frozen
    freezer.catalog_installed()
    gc.collect(1)
    assert walked(kept)  # not a full collection
    gc.collect()
    assert not walked(kept)
    assert gc.get_freeze_count() > 0


def test_what_was_frozen_and_became_garbage_is_freed_after_the_next_install(
    freezer: Freezer,
) -> None:
    kept = Cycle()
    freezer.catalog_installed()
    gc.collect()
    dropped = weakref.ref(kept)
    del kept  # garbage now, but frozen: no collection sees it
    gc.collect()
    assert dropped() is not None
    freezer.catalog_installed()
    gc.collect()
    assert dropped() is None


def test_a_freezer_not_enabled_freezes_nothing() -> None:
    with Freezer(enabled=False) as off:
        off.catalog_installed()
        gc.collect()
        assert gc.get_freeze_count() == 0


@pytest.mark.anyio
async def test_each_catalog_made_current_is_said(make_refresher: MakeRefresher) -> None:
    installs: list[None] = []
    refresher = await make_refresher(on_install=lambda: installs.append(None))
    await refresher.refresh()
    await refresher.refresh()
    assert len(installs) == 2
