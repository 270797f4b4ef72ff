"""A usage object read as `Usage` (`app.translate.usage_parse`): only counts and costs in bounds."""

from typing import Any

import pytest

from app.ops.usage import Usage
from app.translate.usage_parse import MAX_COST, MAX_COUNT, usage_from


@pytest.mark.parametrize(
    ("usage", "read_as"),
    [
        ({"prompt_tokens": "12", "completion_tokens": 7}, Usage(output_tokens=7)),
        ({"prompt_tokens": True, "cost": "0.1"}, None),
        ({"prompt_tokens": -1, "cost": -0.5}, None),
        ({"prompt_tokens": 1.5, "cost": 2}, Usage(cost=2.0)),
        ({"prompt_tokens": MAX_COUNT + 1, "cost": MAX_COST * 10}, None),
        ({"prompt_tokens": 5, "cost": float("inf")}, Usage(input_tokens=5)),
        ({"prompt_tokens_details": "x", "completion_tokens_details": [3]}, None),
        ({"prompt_tokens_details": {"cached_tokens": 2}}, Usage(cached_tokens=2)),
        ({}, None),
        ([], None),
        (None, None),
    ],
)
def test_counts_that_are_not_whole_numbers_in_bounds_are_ignored(
    usage: Any, read_as: Usage | None
) -> None:
    assert usage_from(usage) == read_as
