"""OpenRouter's embeddings answer made the client's as it streams: the same bytes as the whole
conversion (`whole_answer`) however the answer is cut into pieces, and the same errors, raised
before the first byte goes whenever the whole conversion would have found them by then."""

import itertools
import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.errors import ProxyError
from app.translate.embeddings import whole_answer
from app.translate.embeddings_stream import EmbeddingsStream

MODEL = "openai/text-embedding-3-large"
VECTORS = [[0.5, -1.25, 3.0], [0.125, 0.0, -7.75], [1e-3, 2.5e10, -0.0]]
ANSWER: dict[str, Any] = {
    "object": "list",
    "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(VECTORS)],
    "model": MODEL,
    "usage": {"prompt_tokens": 3, "total_tokens": 3, "cost": 0.0000123},
    "id": "gen-emb-1",
}
BODY = orjson.dumps(ANSWER)


def fed(stream: EmbeddingsStream, pieces: list[bytes], sent: list[bytes]) -> None:
    """Feed `pieces` to `stream`, then finish it; what it gives goes to `sent`."""
    sent.extend(map(stream.feed, pieces))
    sent.append(stream.finish())


def streamed(as_base64: bool, pieces: list[bytes]) -> bytes:
    """What the client gets for `pieces`, scanned from the first byte on (`whole_under=0`)."""
    sent: list[bytes] = []
    fed(EmbeddingsStream(MODEL, as_base64, whole_under=0), pieces, sent)
    return b"".join(sent)


def cut(body: bytes, at: list[int]) -> list[bytes]:
    return [body[start:end] for start, end in itertools.pairwise([0, *sorted(set(at)), len(body)])]


def outcome(make: Any) -> bytes | tuple[int, str]:
    try:
        made: bytes = make()
        return made
    except ProxyError as error:
        return error.status, error.code


@pytest.mark.parametrize("as_base64", [True, False])
def test_split_at_every_byte_the_answer_is_the_whole_conversions(as_base64: bool) -> None:
    whole = whole_answer(MODEL, as_base64, BODY)
    for at in range(len(BODY) + 1):
        assert streamed(as_base64, cut(BODY, [at])) == whole, at
    assert streamed(as_base64, [BODY[i : i + 1] for i in range(len(BODY))]) == whole


# JSON values for the members around `data` and inside items: strings with brackets, quotes and
# escapes, which a scan must skip, and nesting.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.sampled_from('ab"\\[]{},: \n\u00e9\U0001f600'), max_size=8)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)
_vectors = st.lists(st.floats(width=32, allow_nan=False, allow_infinity=False), min_size=1)
_items = st.fixed_dictionaries(
    {"embedding": _vectors | st.lists(_scalars, max_size=3) | _scalars},  # some not vectors
    optional={"object": st.just("embedding"), "index": st.integers(0, 9), "extra": _values},
)
_answers = st.builds(
    lambda data, before, after: {**before, "data": data, **after},
    st.lists(_items | _scalars, min_size=1, max_size=4),
    st.dictionaries(st.text(max_size=5).filter(lambda k: k != "data"), _values, max_size=3),
    st.dictionaries(st.text(max_size=5).filter(lambda k: k != "data"), _values, max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    answer=_answers,
    spaced=st.booleans(),
    as_base64=st.booleans(),
    at=st.lists(st.integers(0, 4000), max_size=12),
)
def test_any_answer_in_any_pieces_is_the_whole_conversions(
    answer: dict[str, Any], spaced: bool, as_base64: bool, at: list[int]
) -> None:
    # `json` with spaces and escapes (`ensure_ascii`), orjson compact as OpenRouter sends.
    body = json.dumps(answer, indent=1).encode() if spaced else orjson.dumps(answer)
    pieces = cut(body, [i % (len(body) + 1) for i in at])
    expected = outcome(lambda: whole_answer(MODEL, as_base64, body))
    assert outcome(lambda: streamed(as_base64, pieces)) == expected


def error_of(as_base64: bool, pieces: list[bytes], held_at_most: int = 1 << 20) -> ProxyError:
    """The error `pieces` make; it must be raised before the stream gave any byte."""
    stream = EmbeddingsStream(MODEL, as_base64, held_at_most, whole_under=0)
    sent: list[bytes] = []
    with pytest.raises(ProxyError) as raised:
        fed(stream, pieces, sent)
    assert b"".join(sent) == b""
    return raised.value


NO_DATA = orjson.dumps({**ANSWER, "data": []})


@pytest.mark.parametrize("as_base64", [True, False])
@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        (NO_DATA, "empty_embeddings", "with no embeddings (an empty `data`)"),
        (NO_DATA.replace(b"[]", b"[ \n ]"), "empty_embeddings", "an empty `data`"),
        (orjson.dumps({**ANSWER, "data": None}), "empty_embeddings", "with no embeddings"),
        (b'{"object":"list"}', "empty_embeddings", "is not embeddings"),
        (b"not json", "empty_embeddings", "is not embeddings"),
        (b"[1]", "empty_embeddings", "is not embeddings"),
        (b"", "empty_embeddings", "is not embeddings"),
    ],
)
def test_an_answer_without_embeddings_is_a_502_before_any_byte(
    as_base64: bool, body: bytes, code: str, says: str
) -> None:
    error = error_of(as_base64, cut(body, [5, 20]))
    assert (error.status, error.code, error.kind) == (502, code, "upstream_error")
    assert MODEL in error.message
    assert says in error.message


def test_non_numbers_in_the_first_vector_are_a_502_before_any_byte() -> None:
    body = BODY.replace(b"[0.5,-1.25,3.0]", b'[0.5,"x"]')
    error = error_of(True, cut(body, [60, 90]))
    assert (error.status, error.code) == (502, "upstream_bad_answer")
    assert f"{MODEL} has a vector of non-numbers" in error.message


SECOND = b"[0.125,0.0,-7.75]"  # the second vector


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (BODY.replace(SECOND, b"[0.125,null]"), "has a vector of non-numbers"),
        (BODY.replace(SECOND, b"[0.125,,]"), "is not embeddings: an item of `data` is not JSON"),
        (BODY.replace(SECOND, b"[0.125"), "is not embeddings: an item of `data` is not JSON"),
        (b"} {".join(BODY.rsplit(b"},{", 1)), "is not embeddings: a `data` of another shape"),
        (BODY[: BODY.rindex(b'"embedding"')], "ends before its `data` does"),
        (BODY[:-3], "is not embeddings: it does not end as JSON"),
        (BODY + b" x", "is not embeddings: it does not end as JSON"),
        (
            BODY.replace(b'],"model"', b'],"data":1,"model"'),
            "is not embeddings: `data` more than once",
        ),
    ],
)
def test_a_later_failure_ends_the_answer_after_its_start(body: bytes, why: str) -> None:
    """After the first item went, an answer that goes wrong raises (the relay then cuts it)."""
    stream = EmbeddingsStream(MODEL, True, whole_under=0)
    sent = stream.feed(body[:95])
    assert sent.startswith(b'{"object":"list","data":[{')
    with pytest.raises(ProxyError) as raised:
        fed(stream, [body[95:]], [])
    assert (raised.value.status, raised.value.code) == (502, "upstream_bad_answer")
    assert raised.value.message == f"OpenRouter's answer for {MODEL} {why}"


def test_data_twice_before_the_first_item_is_a_502_before_any_byte() -> None:
    body = BODY.replace(b'"data":', b'"data":5,"model":"m","data":', 1)
    error = error_of(True, [body])
    message = f"OpenRouter's answer for {MODEL} is not embeddings: `data` more than once"
    assert (error.status, error.code, error.message) == (502, "upstream_bad_answer", message)


def test_what_is_held_after_the_last_item_is_bounded() -> None:
    body = orjson.dumps({**ANSWER, "padding": "x" * 1500})
    stream = EmbeddingsStream(MODEL, True, held_at_most=1500, whole_under=0)
    with pytest.raises(ProxyError) as raised:
        fed(stream, cut(body, [200]), [])
    message = f"OpenRouter's answer for {MODEL} holds more than 1500 bytes after its embeddings"
    assert raised.value.message == message


@pytest.mark.parametrize("as_base64", [True, False])
def test_what_is_held_before_the_first_item_is_bounded(as_base64: bool) -> None:
    padded = {"padding": "x" * 2000, **ANSWER}
    error = error_of(as_base64, cut(orjson.dumps(padded), [1000, 2000]), held_at_most=1500)
    assert (error.status, error.code) == (502, "upstream_bad_answer")
    assert error.message == f"OpenRouter's answer for {MODEL} holds more than 1500 bytes at once"


def test_one_item_held_at_once_is_bounded() -> None:
    big = {**ANSWER, "data": [{"embedding": [0.5]}, {"embedding": [0.5] * 1000}]}
    stream = EmbeddingsStream(MODEL, True, held_at_most=1500, whole_under=0)
    body = orjson.dumps(big)
    with pytest.raises(ProxyError, match="holds more than 1500 bytes at once"):
        fed(stream, cut(body, list(range(0, len(body), 500))), [])


def test_a_float_answer_goes_on_unparsed_once_its_first_item_is_seen() -> None:
    stream = EmbeddingsStream(MODEL, False, whole_under=0)
    assert stream.feed(b'{"object":"list","data":') == b""
    assert stream.feed(b'[{"embedding":[1') == b'{"object":"list","data":[{"embedding":[1'
    assert stream.feed(b"not checked") == b"not checked"
    assert stream.finish() == b""


def test_a_small_answer_is_converted_whole_at_its_end() -> None:
    stream = EmbeddingsStream(MODEL, True)
    assert stream.feed(BODY) == b""
    assert stream.finish() == whole_answer(MODEL, True, BODY)
