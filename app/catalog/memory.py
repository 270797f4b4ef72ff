"""What a catalog refresh holds in memory, and how it asks for that memory.

The figures are per byte of the largest page a refresh accepts (PROXY_MAX_CATALOG_BYTES);
`app.ops.budget` counts the same ones. The memory is asked for through a `Hold` that the app
gives the catalog (`app.main`: the worker's memory pool, `app.ops.reservations`), reserved
before a download and given back once its parse is done.
"""

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

MIB = 1024 * 1024
# The parse child (python -m app.catalog.parse_worker) idles at 21 MiB and grows 13.6 bytes per
# byte of page (a page of the real catalog, 8 times over); the worker holds the page and the
# child's answer (1.2 times the page). Measured: bench/README.md, "The memory budget's factors".
PARSE_CHILD_BYTES = 21 * MIB
PAGE_PARSE = 13.6
PAGE_IN_WORKER = 2.2
# A model list parsed in the worker (the Images API's, the video models', or one model's): the
# pieces and the joined download, then the parse, as the child's.
LIST_IN_WORKER = 2.0 + PAGE_PARSE

# Hold so many bytes of the worker's memory while inside; raises (a ProxyError) when they do
# not come within the pool's wait.
Hold = Callable[[int], AbstractAsyncContextManager[object]]


def refresh_bytes(page_cap: int) -> int:
    """Return the most a refresh of the listings holds, pages capped at `page_cap` bytes.

    That is the child parsing one page, and the page and the child's answer in the worker
    (pages come one at a time).
    """
    return PARSE_CHILD_BYTES + int(page_cap * (PAGE_PARSE + PAGE_IN_WORKER))


def list_bytes(page_cap: int) -> int:
    """Return the most one model list downloaded and parsed in the worker holds."""
    return int(page_cap * LIST_IN_WORKER)


@contextlib.asynccontextmanager
async def no_hold(size: int) -> AsyncIterator[None]:
    """A `Hold` that holds nothing (no budget: tests, tools)."""
    yield
