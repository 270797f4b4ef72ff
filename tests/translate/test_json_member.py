"""Rewriting one top-level member of a JSON object as it streams by (`MemberRewriter`)."""

import itertools
import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.translate.json_member import MAX_KEY, MAX_VALUE, MemberRewriter

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)
OBJECTS = st.dictionaries(st.text(max_size=8) | st.just("usage"), JSON, max_size=5)


def tagged(value: bytes) -> bytes:
    return orjson.dumps({"was": orjson.loads(value)})


def rewritten(body: bytes, cuts: list[int], rewrite: Any = tagged) -> bytes:
    """`body` through a rewriter of `usage`, fed in the pieces `cuts` make."""
    rewriter = MemberRewriter("usage", rewrite)
    bounds = [0, *sorted({cut % (len(body) + 1) for cut in cuts}), len(body)]
    sent = [rewriter.feed(body[start:end]) for start, end in itertools.pairwise(bounds)]
    return b"".join(sent) + rewriter.finish()


@given(OBJECTS, st.booleans(), st.lists(st.integers(0, 10**6), max_size=8))
def test_only_the_member_changes_however_the_object_arrives(
    document: dict[str, Any], spaced: bool, cuts: list[int]
) -> None:
    body = json.dumps(document, indent=1 if spaced else None).encode()
    made = rewritten(body, cuts)
    if "usage" in document:
        assert json.loads(made) == {**document, "usage": {"was": document["usage"]}}
    else:
        assert made == body


@pytest.mark.parametrize(
    "body",
    [
        b'{"data": [{"usage": 1}], "x": {"usage": 2}}',  # nested: not top-level
        b'{"us\\u0061ge": 1}',  # the key spelled with an escape is another's bytes
        b'["usage", 1]',
        b"not json at all",
        b'{"usage": ',
    ],
)
def test_what_holds_no_top_level_member_passes_as_it_came(body: bytes) -> None:
    assert rewritten(body, [3, 9]) == body


def test_a_value_the_rewrite_refuses_passes_as_it_came() -> None:
    def refuse(value: bytes) -> bytes:
        raise ValueError(value)

    body = b'{"created": 1, "usage": {"cost": 1}}'
    assert rewritten(body, [], refuse) == body


def test_only_a_bounded_key_or_value_is_ever_held() -> None:
    rewriter = MemberRewriter("usage", tagged)
    long_key = b'{"' + b"k" * (2 * MAX_KEY)
    assert rewriter.feed(long_key) == long_key  # too long to be `usage`: sent on
    rewriter = MemberRewriter("usage", tagged)
    start = b'{"usage": "' + b"v" * (MAX_VALUE + 10)
    assert rewriter.feed(start) == start  # too big to rewrite: sent on
    assert rewriter.feed(b'", "b": 1}') == b'", "b": 1}'


def test_a_long_string_passes_on_as_it_comes() -> None:
    rewriter = MemberRewriter("usage", tagged)
    image = b'{"data": [{"b64_json": "' + b"A" * 100_000
    assert rewriter.feed(image) == image
    assert rewriter.feed(b'"}], "usage": {"cost"') == b'"}], '
    assert rewriter.feed(b": 2}}") == b'"usage":{"was":{"cost":2}}}'
    assert rewriter.finish() == b""
