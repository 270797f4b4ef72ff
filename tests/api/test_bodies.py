"""Request bodies: the bound on JSON values that keeps a body's parsed size near its own."""

import pytest

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


def test_a_body_of_more_values_than_the_limit_is_a_413_before_parsing() -> None:
    body = b'{"bulk": [' + b",".join([b"{}"] * 100) + b"]}"
    assert parse_json_object(body, max_items=json_items(body))["bulk"] == [{}] * 100
    with pytest.raises(ProxyError) as refused:
        parse_json_object(body, max_items=json_items(body) - 1)
    assert (refused.value.status, refused.value.code) == (413, "too_many_json_values")
