"""Keep the catalog's objects out of the way of Python's full garbage collections.

CPython's cyclic collector walks every object it tracks in a full collection. A worker under
load ran one about twice a second, and with the catalog's ~60,000 objects each took ~25 ms: a
tenth of a small request's CPU (bench/README.md, "Garbage collection"). Frozen (`gc.freeze`),
objects are not walked again.

`Freezer` freezes the heap right after the first full collection that follows a catalog's
install: a collection that ran anyway, so freezing adds no pause of its own, and what it froze is
what survived it (the catalog, the app), not garbage. When a catalog replaces another, the frozen
objects are unfrozen first, so that the next full collection frees those that became garbage
(the old catalog's cycles, those of the requests in flight when it froze): what stays frozen is
one catalog and one moment's requests, never a growing pile. With no load no full collection
runs, and there is nothing to save.
"""

import contextlib
import gc
from typing import Any, Self


class Freezer(contextlib.AbstractContextManager["Freezer"]):
    """Freeze the heap after the full collection that follows each catalog's install (see the
    module), unless not `enabled` (PROXY_GC_FREEZE); for the life of the app, as a context
    manager."""

    def __init__(self, enabled: bool = True) -> None:
        self._enabled = enabled
        self._due = False

    def __enter__(self) -> Self:
        if self._enabled:
            gc.callbacks.append(self._collected)
        return self

    def __exit__(self, *_: object) -> None:
        if self._enabled:
            gc.callbacks.remove(self._collected)
            gc.unfreeze()

    def catalog_installed(self) -> None:
        """Let what was frozen be collected again; freeze after the next full collection."""
        if self._enabled:
            gc.unfreeze()
            self._due = True

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2 and self._due:
            self._due = False
            gc.freeze()
