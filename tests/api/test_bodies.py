"""Request bodies: the bound on JSON values that keeps a body's parsed size near its own, and
the bound on nesting that keeps it one the proxy can write again."""

from collections.abc import Sequence

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.bodies import MAX_JSON_DEPTH, json_items, parse_json_object
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


def nested(kinds: Sequence[str], padding: str = "") -> bytes:
    """A JSON object nested `len(kinds) + 1` deep: its member `x` holds a list or an object
    (`kinds`, outermost first) in each, the last empty; `padding` goes in a string before it."""
    opened = "".join("[" if kind == "list" else '{"k":' for kind in kinds[:-1])
    innermost = ("[]" if kinds[-1] == "list" else "{}") if kinds else "0"
    closed = "".join("]" if kind == "list" else "}" for kind in reversed(kinds[:-1]))
    return f'{{"pad":"{padding}","x":{opened}{innermost}{closed}}}'.encode()


def depth_of(body: bytes) -> int:
    """How many levels of containers the JSON `body` nests (counted without recursion: Python's
    limit is below orjson's)."""
    depth, level = 0, [orjson.loads(body)]
    while level:
        depth += 1
        inner = [v for c in level for v in (c.values() if isinstance(c, dict) else c)]
        level = [v for v in inner if isinstance(v, dict | list)]
    return depth


def test_the_depth_limit_is_the_deepest_orjson_writes() -> None:
    """orjson parses up to 1,024 levels but writes fewer: a body parsed deeper than it writes
    could not be sent on."""
    deepest = orjson.loads(nested(["list"] * (MAX_JSON_DEPTH - 1)))
    assert orjson.dumps(deepest)
    deeper = orjson.loads(nested(["list"] * MAX_JSON_DEPTH))
    with pytest.raises(orjson.JSONEncodeError, match="Recursion"):
        orjson.dumps(deeper)


# A large body of few containers is walked when its values are counted, else written again.
SIZES = {"small": "", "brackets in a string": "[{" * 300, "large": "a" * 300_000}


@pytest.mark.parametrize("padding", SIZES.values(), ids=SIZES.keys())
@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("counted", [False, True])  # the JSON values counted first, or not
@pytest.mark.parametrize(
    ("depth", "taken"),
    [
        (1, True),
        (2, True),
        (MAX_JSON_DEPTH, True),
        (MAX_JSON_DEPTH + 1, False),
        (600, False),
        (1024, False),
    ],
)
def test_a_body_nested_deeper_than_the_proxy_writes_is_a_400(
    padding: str, kind: str, counted: bool, depth: int, taken: bool
) -> None:
    body = nested([kind] * (depth - 1), padding)
    assert depth_of(body) == depth
    max_items = 2 * len(body) if counted else 10**9
    if taken:
        assert orjson.dumps(parse_json_object(body, max_items)) == body
        return
    with pytest.raises(ProxyError) as refused:
        parse_json_object(body, max_items)
    assert (refused.value.status, refused.value.code) == (400, "json_too_deep")
    assert f"{MAX_JSON_DEPTH} levels" in refused.value.message


def test_a_body_deeper_than_orjson_parses_is_a_400_too() -> None:
    with pytest.raises(ProxyError) as refused:
        parse_json_object(nested(["list"] * 1024))
    assert refused.value.status == 400


@st.composite
def nested_bodies(draw: st.DrawFn) -> bytes:
    near = st.integers(MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH + 2)
    depth = draw(st.one_of(near, st.integers(1, 400)))
    kinds = draw(
        st.lists(st.sampled_from(["list", "dict"]), min_size=depth - 1, max_size=depth - 1)
    )
    padding = draw(st.sampled_from(list(SIZES.values())))
    return nested(kinds, padding)


@given(nested_bodies(), st.booleans())
def test_a_body_is_taken_exactly_when_the_proxy_can_write_it_again(
    body: bytes, counted: bool
) -> None:
    max_items = 2 * len(body) if counted else 10**9
    try:
        written = orjson.dumps(orjson.loads(body))
    except orjson.JSONEncodeError:
        with pytest.raises(ProxyError, match="nested deeper"):
            parse_json_object(body, max_items)
    else:
        assert orjson.dumps(parse_json_object(body, max_items)) == written
        assert depth_of(body) <= MAX_JSON_DEPTH
