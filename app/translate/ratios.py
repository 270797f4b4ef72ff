"""Aspect ratios (`"16:9"`): the one among those a model takes nearest a size's (pure)."""

from collections.abc import Iterable

TOLERANCE = 0.05  # 1792x1024 (1.75) is 16:9 (1.78), within 2%


def ratio(text: str) -> float | None:
    """Return `"16:9"` as 16/9, or None for what is not a ratio (such as "auto")."""
    width, _, height = text.partition(":")
    try:
        value = float(width) / float(height)
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def nearest(taken: Iterable[str], wanted: float) -> str | None:
    """Return the ratio among `taken` nearest `wanted` (width / height).

    None when none is within `TOLERANCE` of it.
    """
    ratios = [(value, text) for text in taken if (value := ratio(text)) is not None]
    best = min(ratios, key=lambda pair: abs(pair[0] - wanted), default=None)
    if best is None or abs(best[0] - wanted) > wanted * TOLERANCE:
        return None
    return best[1]
