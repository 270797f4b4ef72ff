"""Upstream's usage counts, read as a published schema types them though an answer may not.

What the answers the proxy builds count is always a whole number, or nothing. Pure.
"""

from collections.abc import Mapping
from typing import Any


def whole_count(usage: Mapping[str, Any], name: str) -> int | None:
    """Return `usage[name]` when it is a whole number of at least 0, else None."""
    value = usage.get(name)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def amount(usage: Mapping[str, Any], name: str) -> float | None:
    """Return `usage[name]` when it is a number (a cost, seconds), else None."""
    value = usage.get(name)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def mapping(usage: Any) -> Mapping[str, Any]:
    """Return `usage` when it is an object, else an empty one."""
    return usage if isinstance(usage, Mapping) else {}
