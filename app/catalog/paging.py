"""Pages of `GET /v1/models`, as OpenRouter pages its listing: `offset` and `limit`.

`limit` is 500 by default, at most 1000; without either, the whole list. OpenRouter's official
SDKs ask `offset=0&limit=500` and ask again at `offset + len(page)` until a
page comes back shorter than `limit`: a listing that ignored the window would never end for them.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

DEFAULT_LIMIT = 500
MAX_LIMIT = 1000
_DIGITS = re.compile(r"[0-9]{1,18}")  # no sign, spaces or `_`, as `int()` would take

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """The part of a listing a query asks for; a None `limit` is the whole listing."""

    offset: int = 0
    limit: int | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> "Window":
        """Return the window of a query's `offset` and `limit`.

        Raises ValueError for a value that is not a whole number in range (so that a client's
        mistake is never a silent full list).
        """
        if "offset" not in params and "limit" not in params:
            return cls()
        offset = _count(params.get("offset", "0"), 0, None)
        if offset is None:
            message = "`offset` must be a whole number of 0 or more"
            raise ValueError(f"{message}, not {params['offset']!r}")
        limit = _count(params.get("limit", str(DEFAULT_LIMIT)), 1, MAX_LIMIT)
        if limit is None:
            message = f"`limit` must be a whole number from 1 to {MAX_LIMIT}"
            raise ValueError(f"{message}, not {params['limit']!r}")
        return cls(offset, limit)

    def of(self, items: Sequence[T]) -> Sequence[T]:
        """Return the items of this window: none past the end."""
        if self.limit is None:
            return items
        return items[self.offset : self.offset + self.limit]

    def next_offset(self, total: int) -> int | None:
        """Return where the page after this one starts in a listing of `total` items.

        None when this page reaches the end.
        """
        if self.limit is None or self.offset + self.limit >= total:
            return None
        return self.offset + self.limit


def _count(value: str, least: int, most: int | None) -> int | None:
    """Return `value` as a whole number from `least` to `most`, or None when it is not one."""
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number >= least and (most is None or number <= most) else None
