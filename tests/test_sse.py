"""Splitting SSE events out of a byte stream (app/sse.py)."""

import pytest

from app import sse

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


def test_an_event_of_json() -> None:
    assert sse.event({"a": [1]}) == b'data: {"a":[1]}\n\n'
