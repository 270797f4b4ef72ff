"""Answers taken whole (app/translate/whole.py): a pure function applied to the whole body, or
to its parsed value."""

import tracemalloc
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from app.errors import UpstreamBadAnswer
from app.translate.whole import Mapped, Parsed

MIB = 1024 * 1024


def test_the_function_makes_the_answer_of_every_piece() -> None:
    mapped = Mapped(bytes.upper)
    for piece in (b"he", b"llo"):
        mapped.feed(piece)
    assert mapped.result() == b"HELLO"


def test_the_function_makes_the_answer_of_the_parsed_value() -> None:
    parsed = Parsed(lambda value: orjson.dumps(value["data"][::-1]))
    for piece in (b'{"da', b'ta": [1, ', b"2]}"):
        parsed.feed(piece)
    assert parsed.result() == b"[2,1]"


@pytest.mark.parametrize("error", [ValueError, LookupError, TypeError, AttributeError])
@pytest.mark.parametrize("collector", [Mapped, Parsed])
def test_an_answer_of_another_shape_is_a_502_saying_why(
    collector: type[Mapped | Parsed], error: type[Exception]
) -> None:
    def failing(body: Any) -> bytes:
        raise error("no `data`")

    made = collector(failing)
    made.feed(b"{}")
    with pytest.raises(UpstreamBadAnswer) as raised:
        made.result()
    assert raised.value.status == 502
    assert orjson.loads(raised.value.response().body) == {
        "error": {
            "message": "OpenRouter's answer could not be translated: no `data`",
            "type": "upstream_error",
            "param": None,
            "code": "upstream_bad_answer",
        }
    }


def test_an_answer_that_is_not_json_is_a_502() -> None:
    parsed = Parsed(orjson.dumps)
    parsed.feed(b"<html>")
    with pytest.raises(UpstreamBadAnswer, match="could not be translated: unexpected character"):
        parsed.result()


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    yield
    tracemalloc.stop()


@pytest.mark.usefixtures("traced")
def test_the_bytes_are_let_go_before_the_function_runs() -> None:
    """An answer of megabytes of base64 is held once as its parsed value, not also as its bytes
    while the function makes the client's answer of it."""
    held: list[int] = []

    def measured(value: Any) -> bytes:
        held.append(tracemalloc.get_traced_memory()[0])
        return b""

    parsed = Parsed(measured)
    for piece in (b'{"b64_json": "', *[b"QUJD" * (MIB // 4)] * 4, b'"}'):
        parsed.feed(piece)
    parsed.result()
    assert 4 * MIB < held[0] < 5 * MIB  # the 4 MiB string parsed, and no copy of the body
