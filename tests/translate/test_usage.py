"""Reading upstream's usage counts: whole numbers and amounts, whatever the answer holds."""

from typing import Any

import pytest

from app.translate.usage import amount, mapping, whole_count


@pytest.mark.parametrize(
    ("value", "count", "number"),
    [
        (3, 3, 3),
        (0, 0, 0),
        (2.5, None, 2.5),
        (-1, None, -1),
        (True, None, None),  # a boolean is no count
        (None, None, None),
        ("3", None, None),
    ],
)
def test_counts_and_amounts(value: Any, count: int | None, number: float | None) -> None:
    assert whole_count({"n": value}, "n") == count
    assert amount({"n": value}, "n") == number


def test_a_missing_name_is_none() -> None:
    assert (whole_count({}, "n"), amount({}, "n")) == (None, None)


@pytest.mark.parametrize("usage", [None, [], "usage", 3])
def test_what_is_not_an_object_reads_as_an_empty_one(usage: Any) -> None:
    assert mapping(usage) == {}
