"""Splitting SSE events out of a byte stream (app/translate/sse.py)."""

import itertools

import pytest

from app.errors import AnswerTooLarge
from app.translate import sse

STREAM = b'data: {"a": 1}\n\n: OPENROUTER PROCESSING\n\ndata: [DONE]\n\n'
EVENTS = [b'data: {"a": 1}', b": OPENROUTER PROCESSING", b"data: [DONE]"]


@pytest.mark.parametrize("size", [1, 2, 3, 7, len(STREAM)])
def test_events_come_out_whole_however_the_stream_is_cut(size: int) -> None:
    splitter = sse.EventSplitter()
    pieces = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert [event for piece in pieces for event in splitter.feed(piece)] == EVENTS


@pytest.mark.parametrize("size", [1, 2, 5])
def test_crlf_line_ends_split_the_same(size: int) -> None:
    stream = STREAM.replace(b"\n", b"\r\n")
    splitter = sse.EventSplitter()
    pieces = [stream[i : i + size] for i in range(0, len(stream), size)]
    assert [event for piece in pieces for event in splitter.feed(piece)] == EVENTS


def test_an_unfinished_event_waits_for_its_end() -> None:
    splitter = sse.EventSplitter()
    assert list(splitter.feed(b"data: par")) == []
    assert list(splitter.feed(b"tial\n\ndata: next")) == [b"data: partial"]


@pytest.mark.parametrize(
    ("event", "data"),
    [
        (b'data: {"a": 1}', b'{"a": 1}'),
        (b"data:x", b"x"),
        (b"event: e\ndata: one\ndata: two", b"one\ntwo"),
        (b": comment", None),
    ],
)
def test_the_data_of_an_event(event: bytes, data: bytes | None) -> None:
    assert sse.data_of(event) == data


def test_a_stream_of_json_events() -> None:
    assert sse.stream_of([{"a": [1]}, "b"]) == b'data: {"a":[1]}\n\ndata: "b"\n\ndata: [DONE]\n\n'
    assert sse.stream_of([]) == b"data: [DONE]\n\n"


def test_the_end_of_a_stream_as_openai_sends_it() -> None:
    assert sse.DONE == b"data: [DONE]\n\n"


DATA_STREAM = (
    b": OPENROUTER PROCESSING\n\n"
    b'data: {"n": 1}\n\n'
    b'data: {"n": 2}\r\n\r\n'
    b"event: ignored\nid: 7\ndata: first\ndata: second\n\n"
    b"data:tight\n\n"
    b"data: [DONE]\n\n"
)
DATA = [b'{"n": 1}', b'{"n": 2}', b"first\nsecond", b"tight", b"[DONE]"]


def events_of(pieces: list[bytes]) -> list[bytes]:
    """The data of every event of `pieces`, the last one included if it was never closed."""
    splitter = sse.EventSplitter()
    events = [*(event for piece in pieces for event in splitter.feed(piece)), *splitter.finish()]
    return [data for data in map(sse.data_of, events) if data is not None]


@pytest.mark.parametrize("cut", range(len(DATA_STREAM) + 1))
def test_event_data_does_not_depend_on_where_the_bytes_are_cut(cut: int) -> None:
    assert events_of([DATA_STREAM[:cut], DATA_STREAM[cut:]]) == DATA


@pytest.mark.parametrize(
    ("pieces", "events"),
    [
        ([b"data: a\n\n"], [b"a"]),
        ([b"data: a"], [b"a"]),  # the closing blank line never came
        ([b"data: a\n"], [b"a"]),
        ([b"data: a", b"b"], [b"ab"]),  # an unclosed last event in pieces
        ([b"event: e\r\ndata: a\r\n"], [b"a"]),
        ([b"data: X"], [b"X"]),
        ([b": keep-alive\n\n", b"\n\n"], []),
        ([bytes([c]) for c in b"data: x\n\ndata: y\n\n"], [b"x", b"y"]),
        ([b"data: " + b"A" * 100_000, b"A" * 100_000, b"\n\n"], [b"A" * 200_000]),
        ([], []),
    ],
)
def test_event_data(pieces: list[bytes], events: list[bytes]) -> None:
    assert events_of(pieces) == events


@pytest.mark.parametrize(
    "pieces",
    [
        [b"data: " + b"A" * 10, b"A" * 10],  # never closed
        [b"data: " + b"A" * 10, b"A" * 10 + b"\n\n"],  # closed, too late
        [b"data: a\n\ndata: " + b"A" * 20 + b"\n\n"],  # the second of one piece
        [b"data: a\n\ndata: " + b"A" * 20],  # left unfinished in a piece with a whole one
    ],
)
def test_an_event_longer_than_the_limit_is_too_large(pieces: list[bytes]) -> None:
    splitter = sse.EventSplitter(limit=16)
    with pytest.raises(AnswerTooLarge) as refused:
        list(itertools.chain.from_iterable(map(splitter.feed, pieces)))
    assert "an SSE event of more than 16 bytes" in refused.value.message


def test_events_within_the_limit_pass_however_many_a_piece_holds() -> None:
    splitter = sse.EventSplitter(limit=16)
    event = b"data: " + b"A" * 10  # 16 bytes
    assert list(splitter.feed(event[:8])) == []
    assert list(splitter.feed(event[8:] + b"\n\n" + event + b"\n\n" + event[:8])) == [event] * 2
    assert list(splitter.feed(event[8:] + b"\n\n")) == [event]
