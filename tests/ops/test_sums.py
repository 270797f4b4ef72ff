"""Counters and histograms kept as plain sums (app.ops.sums): exposed as prometheus_client's
`Counter` and `Histogram` would be."""

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from app.ops.sums import SummedCounter, SummedHistogram


def samples(registry: CollectorRegistry) -> list[tuple[str, dict[str, str], float]]:
    text = generate_latest(registry).decode()
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def test_the_sums_are_exposed_as_a_counters_total_samples() -> None:
    summed, counted = CollectorRegistry(), CollectorRegistry()
    mine = SummedCounter("things", "Things seen.", ["kind", "model"], summed)
    theirs = Counter("things", "Things seen.", ["kind", "model"], registry=counted)
    for kind, model, amount in [("a", "m/1", 1), ("a", "m/1", 2.5), ("b", "m/2", 1)]:
        mine.sums[kind, model] += amount
        theirs.labels(kind, model).inc(amount)
    expected = [s for s in samples(counted) if not s[0].endswith("_created")]
    assert samples(summed) == expected
    assert ("things_total", {"kind": "a", "model": "m/1"}, 3.5) in expected


def test_nothing_counted_is_exposed_as_an_unused_counter_is() -> None:
    summed, counted = CollectorRegistry(), CollectorRegistry()
    SummedCounter("things", "Things seen.", ["kind"], summed)
    Counter("things", "Things seen.", ["kind"], registry=counted)
    assert generate_latest(summed) == generate_latest(counted)
    assert samples(summed) == []


def test_counting_while_the_family_is_built_does_not_break_the_scrape() -> None:
    registry = CollectorRegistry()
    counter = SummedCounter("things", "Things seen.", ["kind"], registry)
    counter.sums[("a",)] += 1
    families = counter.collect()
    counter.sums[("b",)] += 1  # a request counted as /metrics renders
    [family] = list(families)
    assert [s.labels for s in family.samples] == [{"kind": "a"}, {"kind": "b"}]


BOUNDS = (0.01, 0.1, 1.0, 10.0)


@pytest.mark.parametrize("labels", [["route"], []])
@pytest.mark.parametrize(
    "values",
    [
        [],
        # Below, on and between the bounds, and above all of them.
        [0.001, 0.01, 0.05, 0.1, 3.0, 10.0, 99.0],
    ],
)
def test_the_counts_are_exposed_as_a_histograms_buckets_count_and_sum(
    labels: list[str], values: list[float]
) -> None:
    summed, observed = CollectorRegistry(), CollectorRegistry()
    mine = SummedHistogram("waits", "Waits.", labels, BOUNDS, summed)
    theirs = Histogram("waits", "Waits.", labels, buckets=BOUNDS, registry=observed)
    for index, value in enumerate(values):
        label_values = ("chat" if index % 2 else "images",) if labels else ()
        mine.observe(label_values, value)
        (theirs.labels(*label_values) if labels else theirs).observe(value)
    expected = [s for s in samples(observed) if not s[0].endswith("_created")]
    assert samples(summed) == expected
    assert len(expected) == (len(BOUNDS) + 3) * (2 if labels and values else 0 if labels else 1)
