"""The numbers the listing filters and sorts on, read from catalog entries of any shape."""

from dataclasses import replace

import orjson
import pytest

from app.catalog.facts import Facts, facts_of

SCORED = {
    "context_length": 400_000,
    "created": 1_754_000_000,
    "pricing": {"prompt": "0.00000125", "completion": "0.00001"},
    "benchmarks": {
        "artificial_analysis": {"intelligence_index": 56, "coding_index": 76.1},
        "design_arena": [{"elo": 1253}, {"elo": 1374}, {"arena": "no elo"}],
    },
}


@pytest.mark.parametrize(
    ("entry", "facts"),
    [
        (
            SCORED,
            Facts(
                context_length=400_000,
                prompt_price=1.25,
                completion_price=10.0,
                created=1_754_000_000,
                intelligence=56,
                coding=76.1,
                design_arena_elo=1374,
            ),
        ),
        ({}, Facts()),
        ({"pricing": {"prompt": "-1", "completion": "-1"}}, Facts()),  # a router: it varies
        (
            {"context_length": "big", "created": True, "pricing": "free", "benchmarks": []},
            Facts(),
        ),
        ({"benchmarks": {"design_arena": "top", "artificial_analysis": None}}, Facts()),
    ],
)
def test_the_facts_of_an_entry(entry: dict[str, object], facts: Facts) -> None:
    found = facts_of(orjson.dumps(entry))
    assert found.prompt_price == pytest.approx(facts.prompt_price)
    assert found.completion_price == pytest.approx(facts.completion_price)
    unpriced = {"prompt_price": None, "completion_price": None}
    assert replace(found, **unpriced) == replace(facts, **unpriced)


@pytest.mark.parametrize(
    ("facts", "average"),
    [(Facts(prompt_price=1, completion_price=3), 2), (Facts(prompt_price=1), None)],
)
def test_the_average_price_needs_both(facts: Facts, average: float | None) -> None:
    assert facts.average_price == average
