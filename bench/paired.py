"""The arithmetic of `python -m bench --compare` (pure): which proxy goes first in a round, the
per-round ratios after/before, an interval for their median, and the verdict against 3%.

The interval is the distribution-free one for a median, from order statistics (the sign test's):
with n ratios sorted, [x(k), x(n+1-k)] where k is the largest rank such that
P(Binomial(n, 1/2) < k) <= (1 - confidence) / 2. It assumes only that the rounds' ratios are
independent draws of one distribution (no normality; a 2-core machine's outliers are one-sided),
needs no random resampling, and narrows as rounds are added, as an interval for the median must
(the interquartile range of the ratios would not: it is their spread, not the median's).
"""

import math
import statistics
from dataclasses import dataclass
from typing import Literal

Side = Literal["before", "after"]
Verdict = Literal["within 3%", "not within 3%", "cannot tell"]
LIMIT = 1.03  # after may cost at most 3% more than before (costing less is within)
CONFIDENCE = 0.95


def order(round_index: int, scenario_index: int) -> tuple[Side, Side]:
    """Which proxy is loaded first: alternating between rounds, and between the scenarios of a
    round, so that whatever favours the first (or second) load hits both sides alike."""
    if (round_index + scenario_index) % 2 == 0:
        return ("before", "after")
    return ("after", "before")


def ratios(before: list[float], after: list[float]) -> list[float]:
    """after / before, round by round (the two lists are in round order, of the same length)."""
    return [a / b for b, a in zip(before, after, strict=True)]


def median_interval(values: list[float], confidence: float = CONFIDENCE) -> tuple[float, float]:
    """A `confidence` interval for the median of the distribution `values` are drawn from.

    Raises ValueError when there are too few values for one (fewer than 6 at 95%).
    """
    n = len(values)
    tail = (1 - confidence) / 2
    below = 0.0  # P(Binomial(n, 1/2) < rank)
    rank = 0
    while rank < n // 2:
        below += math.comb(n, rank) / 2**n
        if below > tail:
            break
        rank += 1
    if rank == 0:
        raise ValueError(f"{n} values are too few for a {confidence:.0%} interval of the median")
    ordered = sorted(values)
    return ordered[rank - 1], ordered[n - rank]


def verdict(low: float, high: float, limit: float = LIMIT) -> Verdict:
    """Whether after/before is within `limit`: the whole interval at or under it, the whole
    interval over it, or the interval straddling it."""
    if high <= limit:
        return "within 3%"
    if low > limit:
        return "not within 3%"
    return "cannot tell"


@dataclass(frozen=True)
class Summary:
    """One scenario over every round: the sides' medians, and their paired ratio."""

    before: float  # median over rounds
    after: float
    ratio: float  # median of the per-round ratios after/before
    low: float  # the CONFIDENCE interval of that median
    high: float
    verdict: Verdict


def summarize(before: list[float], after: list[float]) -> Summary:
    """`before` and `after`: one figure per round each, in round order (see `median_interval`
    for how many rounds are needed)."""
    paired = ratios(before, after)
    low, high = median_interval(paired)
    return Summary(
        before=statistics.median(before),
        after=statistics.median(after),
        ratio=statistics.median(paired),
        low=low,
        high=high,
        verdict=verdict(low, high),
    )
