"""A request body as aiohttp should be given it: big ones in pieces, never joined (pure).

Given one bytes object, aiohttp copies it whole to put the request's headers in front of it (it
joins them on Python before 3.12.9): one more copy of a 5 MiB body for each request in flight.
Given pieces, it writes them one after the other, and only the first goes with the headers; an
edited chat body (`app.translate.json_patch`) is sent as the slices it is made of, so that it is
never copied whole either.
"""

from collections.abc import AsyncIterator, Sequence

# A request body: bytes, or the pieces that make it, in order.
Content = bytes | Sequence[bytes | memoryview]
# Bodies up to this size go as one bytes object: joining them costs less than the writes saved.
UNJOINED_BODY_BYTES = 256 * 1024


def for_aiohttp(content: Content) -> tuple[bytes | AsyncIterator[bytes | memoryview], int]:
    """What to pass as aiohttp's `data` for `content`, and its size in bytes (the caller sets
    `Content-Length` for pieces, which aiohttp would otherwise send chunked)."""
    parts = (content,) if isinstance(content, bytes) else tuple(content)
    size = sum(len(part) for part in parts)
    if size > UNJOINED_BODY_BYTES:
        return unjoined(parts), size
    return b"".join(parts), size  # one bytes object joins to itself, not to a copy


async def unjoined(parts: Sequence[bytes | memoryview]) -> AsyncIterator[bytes | memoryview]:
    """`parts` as aiohttp should write them: small ones together (a write each would be a
    system call each), big ones as they are, each first cut short (the first write goes with
    the headers, joined to them)."""
    small: list[bytes | memoryview] = []
    for part in parts:
        view = memoryview(part)
        if len(view) < UNJOINED_BODY_BYTES:
            small.append(view)
            continue
        yield b"".join([*small, view[:UNJOINED_BODY_BYTES]])
        small = []
        yield view[UNJOINED_BODY_BYTES:]
    if small:
        yield b"".join(small)
