"""Request bodies: the bound on JSON values that keeps a body's parsed size near its own."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.bodies import json_items, parse_json_object
from app.errors import ProxyError


@pytest.mark.parametrize(
    ("body", "bound"),
    [
        (b"{}", 3),
        (b'{"a": 1}', 3),
        (b'{"a": [1, 2, 3], "b": {}}', 10),
        (b'{"a": "x,y"}', 4),  # a comma in a string counts too: an upper bound
        (b"[" + b",".join([b"{}"] * 1000) + b"]", 3002),
    ],
)
def test_json_items_bound_the_values(body: bytes, bound: int) -> None:
    assert json_items(body) == bound


@given(st.binary(max_size=2000))
def test_json_items_count_each_opener_twice_and_each_comma_once(body: bytes) -> None:
    openers = body.count(b"{") + body.count(b"[")
    assert json_items(body) == 2 * openers + body.count(b",") + 1


@given(st.integers(0, 300), st.integers(1, 1000))
def test_a_body_is_refused_exactly_when_its_bound_exceeds_the_limit(
    values: int, limit: int
) -> None:
    body = b'{"bulk": [' + b",".join([b"[]"] * values) + b"]}"
    if json_items(body) > limit:
        with pytest.raises(ProxyError, match="more JSON values"):
            parse_json_object(body, max_items=limit)
    else:
        assert len(parse_json_object(body, max_items=limit)["bulk"]) == values


def test_a_body_of_more_values_than_the_limit_is_a_413_before_parsing() -> None:
    body = b'{"bulk": [' + b",".join([b"{}"] * 100) + b"]}"
    assert parse_json_object(body, max_items=json_items(body))["bulk"] == [{}] * 100
    with pytest.raises(ProxyError) as refused:
        parse_json_object(body, max_items=json_items(body) - 1)
    assert (refused.value.status, refused.value.code) == (413, "too_many_json_values")
