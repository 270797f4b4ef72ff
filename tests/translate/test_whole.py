"""Answers taken whole (app/translate/whole.py): a pure function applied to the whole body."""

import orjson
import pytest

from app.errors import UpstreamBadAnswer
from app.translate.whole import Mapped


def test_the_function_makes_the_answer_of_every_piece() -> None:
    mapped = Mapped(bytes.upper)
    for piece in (b"he", b"llo"):
        mapped.feed(piece)
    assert mapped.result() == b"HELLO"


@pytest.mark.parametrize("error", [ValueError, LookupError, TypeError, AttributeError])
def test_an_answer_of_another_shape_is_a_502_saying_why(error: type[Exception]) -> None:
    def failing(body: bytes) -> bytes:
        raise error("no `data`")

    with pytest.raises(UpstreamBadAnswer) as raised:
        Mapped(failing).result()
    assert raised.value.status == 502
    assert orjson.loads(raised.value.response().body) == {
        "error": {
            "message": "OpenRouter's answer could not be translated: no `data`",
            "type": "upstream_error",
            "param": None,
            "code": "upstream_bad_answer",
        }
    }
