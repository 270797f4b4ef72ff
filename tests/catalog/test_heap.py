"""The catalog's objects frozen out of full garbage collections (`app.catalog.heap`), and what
was frozen freed once it is garbage, at the next install."""

import gc
import weakref
from collections.abc import Iterator

import pytest

from app.catalog import heap
from tests.catalog.conftest import MakeRefresher


class Cycle:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the test process collected as usual


def test_what_is_alive_is_frozen_and_what_became_garbage_is_freed_next_time() -> None:
    kept = Cycle()
    heap.freeze_long_lived()
    assert gc.get_freeze_count() > 0
    assert not any(kept is tracked for tracked in gc.get_objects())  # frozen: not walked
    dropped = weakref.ref(kept)
    del kept  # garbage now, but frozen: no collection sees it
    gc.collect()
    assert dropped() is not None
    heap.freeze_long_lived()
    assert dropped() is None


@pytest.mark.anyio
@pytest.mark.parametrize("freeze", [True, False])
async def test_a_loaded_catalog_is_frozen_as_the_settings_say(
    make_refresher: MakeRefresher, freeze: bool
) -> None:
    gc.unfreeze()
    refresher = await make_refresher(proxy_gc_freeze=freeze)
    catalog = await refresher.refresh()
    models = {id(model) for model in catalog.models}
    walked = {id(tracked) for tracked in gc.get_objects()}
    assert (models.isdisjoint(walked), gc.get_freeze_count() > 0) == (freeze, freeze)
