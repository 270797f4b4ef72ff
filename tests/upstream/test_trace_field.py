"""OpenRouter's `trace` body field filled from the call's span (pure)."""

import orjson
import pytest

from app.upstream.sent_body import Content
from app.upstream.trace_field import with_trace

TRACE, SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
FILLED = {"trace_id": TRACE, "parent_span_id": SPAN}


def joined(content: Content) -> bytes:
    return content if isinstance(content, bytes) else b"".join(content)


@pytest.mark.parametrize(
    "body",
    [
        b'{"model":"openai/gpt-5","messages":[]}',
        b'{ "model" : "openai/gpt-5",\n "n": 123456789012345678901234567890 }',  # kept as sent
        b"{}",
    ],
)
def test_a_body_without_trace_gets_the_spans_ids_and_keeps_every_other_byte(body: bytes) -> None:
    edited = joined(with_trace(body, TRACE, SPAN))
    assert orjson.loads(edited)["trace"] == FILLED
    assert edited.startswith(body.rstrip(b"} \n"))


def test_pieces_of_an_edited_body_are_edited_as_one() -> None:
    pieces = (b'{"model":"a",', memoryview(b'"stream":true}'))
    assert orjson.loads(joined(with_trace(pieces, TRACE, SPAN))) == {
        "model": "a",
        "stream": True,
        "trace": FILLED,
    }


@pytest.mark.parametrize(
    "body",
    [
        b'{"model":"a","trace":{"trace_id":"mine"}}',
        b'{"model":"a","tr\\u0061ce":null}',  # the client's, however spelled
        b"[1, 2]",
    ],
)
def test_a_body_with_its_own_trace_or_no_object_goes_as_it_came(body: bytes) -> None:
    assert with_trace(body, TRACE, SPAN) is body
