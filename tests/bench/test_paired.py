"""The arithmetic of `python -m bench --compare` (bench/paired.py): the order of the two proxies,
the interval of the median ratio, and the verdict."""

import random

import pytest

from bench.paired import median_interval, order, ratios, summarize, verdict


@pytest.mark.parametrize(
    ("count", "ranks"),
    [
        # The order statistics of the sign test's 95% interval (any table of them).
        (6, (1, 6)),
        (10, (2, 9)),
        (15, (4, 12)),
        (20, (6, 15)),
        (30, (10, 21)),
    ],
)
def test_the_interval_is_the_sign_tests_order_statistics(
    count: int, ranks: tuple[int, int]
) -> None:
    values = [float(rank) for rank in range(1, count + 1)]
    random.Random(count).shuffle(values)
    assert median_interval(values) == ranks


@pytest.mark.parametrize("count", [0, 1, 5])
def test_too_few_rounds_give_no_interval(count: int) -> None:
    with pytest.raises(ValueError, match="too few"):
        median_interval([1.0] * count)


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.99, 1.02, "within 3%"),
        (0.98, 1.03, "within 3%"),  # at the limit is within it
        (0.90, 0.95, "within 3%"),  # cheaper after is within: the bound is on a cost
        (1.02, 1.04, "cannot tell"),
        (0.90, 1.10, "cannot tell"),
        (1.031, 1.05, "not within 3%"),
    ],
)
def test_verdict(low: float, high: float, expected: str) -> None:
    assert verdict(low, high) == expected


def test_the_order_alternates_between_rounds_and_between_scenarios() -> None:
    forward, backward = ("before", "after"), ("after", "before")
    assert [order(r, 0) for r in range(4)] == [forward, backward, forward, backward]
    assert [order(0, s) for s in range(3)] == [forward, backward, forward]


def test_ratios_pair_the_rounds() -> None:
    assert ratios([100.0, 200.0], [110.0, 180.0]) == pytest.approx([1.1, 0.9])
    with pytest.raises(ValueError, match="shorter"):
        ratios([100.0, 200.0], [110.0])


def test_drift_that_hits_both_sides_alike_does_not_widen_the_interval() -> None:
    drift = [1.0, 1.2, 0.8, 1.1, 0.9, 1.3, 0.85, 1.05, 0.95, 1.15, 1.0, 0.9, 1.25, 0.8, 1.1]
    before = [400 * d for d in drift]
    after = [404 * d for d in drift]  # 1% more, whatever the machine did that round
    summary = summarize(before, after)
    assert summary.ratio == pytest.approx(1.01)
    assert (summary.low, summary.high) == pytest.approx((1.01, 1.01))
    assert summary.verdict == "within 3%"
    assert (summary.before, summary.after) == (400.0, 404.0)


def test_a_cost_over_3_percent_in_every_round_is_not_within() -> None:
    before = [100.0 + round_index for round_index in range(10)]
    after = [b * (1.04 + 0.002 * (i % 3)) for i, b in enumerate(before)]
    summary = summarize(before, after)
    assert summary.low > 1.03
    assert summary.verdict == "not within 3%"


def test_noise_wider_than_the_limit_cannot_tell() -> None:
    paired = [0.95, 1.08, 1.01, 0.97, 1.06, 1.02, 0.99, 1.07, 0.96, 1.05]
    summary = summarize([100.0] * len(paired), [100 * p for p in paired])
    assert summary.low < 1.03 < summary.high
    assert summary.verdict == "cannot tell"


def test_the_ratio_is_the_median_of_each_rounds_ratio_not_the_ratio_of_the_medians() -> None:
    before = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 700.0]
    after = [150.0, 190.0, 310.0, 440.0, 450.0, 660.0, 630.0]  # medians 400 and 440: 1.1
    summary = summarize(before, after)
    assert summary.ratio == pytest.approx(310 / 300)  # of 1.5 .95 1.033 1.1 .9 1.1 .9
