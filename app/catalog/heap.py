"""Keep the catalog's objects out of the way of Python's full garbage collections.

CPython's cyclic collector walks every object it tracks in a full collection. A worker under
load ran one about twice a second, and with the catalog's ~60,000 objects each took ~24 ms: about
a tenth of a small request's CPU (bench/README.md, "Garbage collection"). Frozen (`gc.freeze`),
objects are not walked again.

Each time a catalog is installed, the objects frozen the time before are unfrozen first, so that
a full collection frees those that became garbage since (the catalog replaced, and whatever
requests in flight held then), and what survives is frozen again: what stays frozen is at most
one catalog and one moment's requests, never a growing pile.
"""

import gc


def freeze_long_lived() -> None:
    """Free what is garbage, then freeze every object that is left (see the module)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
