"""The relay reads an answer's usage as it passes (issue 25): into the request's note, never
changing a byte the client gets."""

from typing import Any

import orjson
import pytest

from app.ops.metrics import Note
from app.ops.usage import Usage
from app.translate.whole import Mapped
from app.upstream.reshape import Reshape
from tests.fake_upstream import FakeAnswer
from tests.upstream.relayed import body_of, relay, served

pytestmark = pytest.mark.anyio

USAGE = {"prompt_tokens": 9, "completion_tokens": 4, "cost": 0.5}
READ = Usage(input_tokens=9, output_tokens=4, cost=0.5)
CHUNK = {"id": "gen-1", "model": "m/x", "choices": [{"delta": {"content": "Hi"}}]}
STREAM = [
    b": OPENROUTER PROCESSING\n\n",
    b"data: " + orjson.dumps(CHUNK) + b"\n\n",
    b"data: " + orjson.dumps({**CHUNK, "choices": [], "usage": USAGE})[:20],
    orjson.dumps({**CHUNK, "choices": [], "usage": USAGE})[20:] + b"\n\ndata: [DONE]\n\n",
]
WHOLE = orjson.dumps({"id": "gen-2", "model": "m/y", "choices": [], "usage": USAGE})


def note_for(route: str = "chat", traced: bool = True) -> Note:
    return Note("r", route=route, traced=traced)


async def test_a_streams_usage_is_noted_and_every_byte_relayed_as_it_came() -> None:
    note = note_for()
    messages = await served(relay(FakeAnswer(200, STREAM, "text/event-stream"), note))
    assert body_of(messages) == b"".join(STREAM)
    assert (note.answer.usage, note.answer.usage_state) == (READ, "read")
    assert note.answer.response_model == "m/x"
    assert note.first_token_seconds is not None


@pytest.mark.parametrize(("traced", "answer_id"), [(True, "gen-2"), (False, "")])
async def test_a_whole_answers_usage_is_noted_and_its_bytes_relayed_as_they_came(
    traced: bool, answer_id: str
) -> None:
    """Untraced, the usage alone is read: the answer's id is for its span."""
    note = note_for(traced=traced)
    pieces = [WHOLE[:30], WHOLE[30:]]
    messages = await served(relay(FakeAnswer(200, pieces), note))
    assert body_of(messages) == WHOLE
    assert (note.answer.usage, note.answer.response_id) == (READ, answer_id)
    assert note.first_token_seconds is None  # not a stream


async def test_a_collected_answers_usage_is_read_from_upstreams_bytes() -> None:
    note = note_for("images")
    upper = Reshape(b"text/plain", collect=lambda: Mapped(lambda body: b"{}"))
    messages = await served(relay(FakeAnswer(200, [WHOLE]), note, reshaper=lambda _: upper))
    assert body_of(messages) == b"{}"
    assert note.answer.usage == READ


async def test_an_answer_without_usage_is_noted_missing() -> None:
    note = note_for()
    await served(relay(FakeAnswer(200, b'{"choices":[]}'), note))
    assert (note.answer.usage, note.answer.usage_state) == (None, "missing")


@pytest.mark.parametrize(
    ("status", "route", "read"),
    [(404, "chat", {"read": b'{"error":{},"usage":{"cost":1}}'}), (200, "models", {})],
)
async def test_errors_and_routes_without_usage_are_not_read(
    status: int, route: str, read: dict[str, Any]
) -> None:
    note = note_for(route)
    await served(relay(FakeAnswer(status, WHOLE), note, **read))
    assert (note.answer.usage, note.answer.usage_state) == (None, "")
