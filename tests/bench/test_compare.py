"""How `python -m bench --compare` spreads its rounds over pairs of proxy processes
(bench/compare.py)."""

import pytest

from bench.compare import rounds_per_pair


@pytest.mark.parametrize(
    ("rounds", "pairs", "spread"),
    [
        (20, 4, [5, 5, 5, 5]),
        (10, 3, [4, 3, 3]),
        (20, 1, [20]),
        (3, 5, [1, 1, 1]),  # never a pair without a round
    ],
)
def test_the_rounds_are_spread_evenly_over_the_pairs(
    rounds: int, pairs: int, spread: list[int]
) -> None:
    assert rounds_per_pair(rounds, pairs) == spread
