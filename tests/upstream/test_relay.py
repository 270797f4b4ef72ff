"""The relayed answer, in-process: RelayResponse driven as an ASGI app over a fake upstream
answer, without servers."""

import asyncio

import aiohttp
import orjson
import pytest
from starlette.types import Message

from app.errors import (
    AnswerTooLarge,
    Busy,
    UpstreamBadAnswer,
    UpstreamFailure,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from app.ops.metrics import Note
from app.translate.whole import Mapped
from app.upstream.caps import Caps, Held
from app.upstream.interface import Run, Upstreamed
from app.upstream.relay import RelayResponse
from app.upstream.reshape import Reshape
from app.upstream.timeouts import Deadlines
from tests.fake_upstream import FakeAnswer, FakeBody
from tests.upstream.relayed import CAPS, DEADLINES, body_of, relay, served

pytestmark = pytest.mark.anyio

CUT = aiohttp.ClientPayloadError("cut")


async def test_an_answer_is_relayed_piece_by_piece_and_its_connection_released() -> None:
    answer = FakeAnswer(200, [b"data: 1\n\n", b"data: 2\n\n"], "text/event-stream")
    note = Note("r")
    messages = await served(relay(answer, note))
    start = messages[0]
    assert start["status"] == 200
    assert (b"x-modalities", b"image") in start["headers"]
    # The last piece, read to the end of the body, ends the answer: no empty message after it.
    pieces = [(m["body"], m["more_body"]) for m in messages[1:]]
    assert pieces == [(b"data: 1\n\n", True), (b"data: 2\n\n", False)]
    assert (answer.released, answer.closed) == (True, False)
    assert note.stream


async def test_a_stream_cut_between_events_ends_with_an_error_event_and_a_closed_connection() -> (
    None
):
    answer = FakeAnswer(200, [b"data: 1\n\n", CUT], "text/event-stream")
    note = Note("r")
    messages = await served(relay(answer, note))
    last = orjson.loads(messages[-1]["body"].removeprefix(b"data: "))
    assert last["choices"][0]["finish_reason"] == "error"
    assert last["error"]["code"] == 502
    assert (answer.released, answer.closed) == (False, True)
    assert note.failure == "upstream_unavailable"


async def test_a_cut_answer_that_is_not_a_stream_is_left_incomplete() -> None:
    answer = FakeAnswer(200, [b'{"a":', CUT])
    messages = await served(relay(answer, Note("r")))
    assert messages[-1].get("more_body") is True  # never finished: the server drops it
    assert answer.closed


async def test_a_reshaped_answer_is_collected_whole_with_its_new_type() -> None:
    answer = FakeAnswer(200, [b'{"n":', b"1}"])
    upper = Reshape(b"text/plain", collect=lambda: Mapped(bytes.upper))
    messages = await served(relay(answer, Note("r"), reshaper=lambda content_type: upper))
    assert body_of(messages) == b'{"N":1}'
    headers = dict(messages[0]["headers"])
    assert headers[b"content-type"].startswith(b"text/plain")
    assert answer.released


async def test_an_answer_read_to_look_into_it_goes_on_as_it_came() -> None:
    answer = FakeAnswer(404, b"")
    messages = await served(relay(answer, Note("r"), read=b'{"error":{}}'))
    assert messages[0]["status"] == 404
    assert (b"content-length", b"12") in messages[0]["headers"]
    assert body_of(messages) == b'{"error":{}}'


@pytest.mark.parametrize(
    ("failure", "raised", "code"),
    [
        (TimeoutError(), UpstreamTimeout, "upstream_timeout"),
        (aiohttp.ClientConnectionError(), UpstreamUnavailable, "upstream_unavailable"),
    ],
)
async def test_an_upstream_that_does_not_answer_is_raised_with_the_proxys_headers(
    failure: Exception, raised: type[UpstreamFailure], code: str
) -> None:
    async def exchange() -> Upstreamed:
        raise failure

    response = RelayResponse(exchange, DEADLINES, CAPS, [(b"x-modalities", b"image")], Note("r"))
    with pytest.raises(raised) as error:
        await served(response)
    assert error.value.code == code
    assert error.value.headers == [(b"x-modalities", b"image")]


async def test_a_collected_answer_cut_short_is_raised_and_its_connection_closed() -> None:
    answer = FakeAnswer(200, [b"{", CUT])
    whole = Reshape(collect=lambda: Mapped(bytes.upper))
    note = Note("r")
    with pytest.raises(UpstreamUnavailable):
        await served(relay(answer, note, reshaper=lambda content_type: whole))
    assert (answer.released, answer.closed) == (False, True)
    assert note.failure == "upstream_unavailable"


class Stalls(FakeBody):
    """A body that, once its pieces are read, gives nothing more and does not end."""

    async def readany(self) -> bytes:
        piece = await super().readany()
        if not piece:
            await asyncio.Event().wait()
        return piece


async def test_a_collected_answer_that_stalls_is_a_504_and_its_connection_closed() -> None:
    answer, note = FakeAnswer(200), Note("r")
    answer.content = Stalls([b"{"])
    whole = Reshape(collect=lambda: Mapped(bytes.upper))

    async def exchange() -> Upstreamed:
        return Upstreamed(answer, [], reshaper=lambda content_type: whole)

    with pytest.raises(UpstreamTimeout):
        await served(RelayResponse(exchange, Deadlines(60, 0.2), CAPS, [], note))
    assert (answer.released, answer.closed) == (False, True)
    assert note.failure == "upstream_timeout"


class HeldBack:
    """A Rewriter that gives nothing until `b"go"` comes, then each piece; a ProxyError for
    `b"bad"`."""

    def __init__(self) -> None:
        self.going = False

    def feed(self, piece: bytes) -> bytes:
        if piece == b"bad":
            raise UpstreamBadAnswer("not that")
        self.going = self.going or piece == b"go"
        return piece if self.going else b""

    def finish(self) -> bytes:
        return b"."


def rewritten(pieces: list[bytes | Exception]) -> tuple[FakeAnswer, RelayResponse, Note]:
    answer, note = FakeAnswer(200, pieces), Note("r")
    held = Reshape(rewrite=HeldBack)
    return answer, relay(answer, note, reshaper=lambda content_type: held), note


async def test_a_rewritten_answer_starts_with_its_first_bytes() -> None:
    answer, response, _ = rewritten([b"a", b"go", b"b"])
    messages = await served(response)
    assert [m["type"] for m in messages[:2]] == ["http.response.start", "http.response.body"]
    assert messages[1]["body"] == b"go"  # nothing sent before: the start waited for it
    assert body_of(messages) == b"gob."
    assert messages[-1]["more_body"] is False
    assert answer.released


@pytest.mark.parametrize("failure", [b"bad", CUT])
async def test_a_rewritten_answer_that_fails_before_its_first_bytes_is_raised(
    failure: bytes | Exception,
) -> None:
    answer, response, note = rewritten([b"a", failure, b"go"])
    with pytest.raises(UpstreamFailure) as raised:
        await served(response)
    assert raised.value.status == 502
    assert raised.value.headers == [(b"x-modalities", b"image")]
    assert answer.closed
    assert note.failure == raised.value.code


@pytest.mark.parametrize("failure", [b"bad", CUT])
async def test_a_rewritten_answer_that_fails_after_its_first_bytes_is_left_incomplete(
    failure: bytes | Exception,
) -> None:
    answer, response, note = rewritten([b"go", failure, b"b"])
    messages = await served(response)
    assert body_of(messages) == b"go"
    assert messages[-1].get("more_body") is True  # never finished: the server drops it
    assert answer.closed
    assert note.failure in ("upstream_bad_answer", "upstream_unavailable")


SMALL_CAPS = Caps(error=1024, sse_event=8, images=8, audio=8, transcription=8)


async def test_a_collected_answer_over_its_cap_is_raised_and_its_connection_closed() -> None:
    answer = FakeAnswer(200, [b'{"text":', b'"abc"}'])
    whole = Reshape(collect=lambda: Mapped(bytes.upper), held=Held.TRANSCRIPTION)
    note = Note("r")

    async def exchange() -> Upstreamed:
        return Upstreamed(answer, [(b"x-served-by", b"images")], lambda content_type: whole)

    with pytest.raises(AnswerTooLarge) as refused:
        await served(RelayResponse(exchange, DEADLINES, SMALL_CAPS, [], note))
    assert refused.value.message.startswith("OpenRouter sent a transcription of more than 8 bytes")
    assert refused.value.headers == [(b"x-served-by", b"images")]
    assert (answer.released, answer.closed) == (False, True)
    assert note.failure == "answer_too_large"


def collecting(answer: FakeAnswer, held: Held) -> Run:
    whole = Reshape(collect=lambda: Mapped(bytes.upper), held=held)

    async def exchange() -> Upstreamed:
        return Upstreamed(answer, [(b"x-served-by", b"images")], lambda content_type: whole)

    return exchange


@pytest.mark.parametrize(
    ("held", "per_byte"), [(Held.IMAGES, 4.0), (Held.AUDIO, 3.0), (Held.TRANSCRIPTION, 24.0)]
)
async def test_an_answer_collected_whole_reserves_its_memory_a_step_ahead_of_its_bytes(
    held: Held, per_byte: float
) -> None:
    mib = 1024 * 1024
    answer = FakeAnswer(200, [b"a" * (mib // 2), b"b" * mib, b"c" * 10])  # 1.5 MiB and 10 bytes
    reserved: list[float] = []

    async def reserve(size: float) -> int:
        reserved.append(size)
        return int(size)

    response = RelayResponse(collecting(answer, held), DEADLINES, CAPS, [], Note("r"), reserve)
    assert body_of(await served(response)).startswith(b"A" * 10)
    # A mebibyte ahead at the first piece, the next when the second passes it, none for the last.
    assert reserved == [mib * per_byte, mib * per_byte]


async def test_a_collected_answer_the_budget_has_no_room_for_is_a_503_and_closed() -> None:
    answer = FakeAnswer(200, [b"a" * 10])
    note = Note("r")

    async def reserve(size: float) -> int:
        raise Busy("no room", "memory_budget_full", 1)

    response = RelayResponse(collecting(answer, Held.IMAGES), DEADLINES, CAPS, [], note, reserve)
    with pytest.raises(Busy) as refused:
        await served(response)
    assert refused.value.headers[-1] == (b"x-served-by", b"images")
    assert (answer.released, answer.closed) == (False, True)


async def test_a_stream_event_over_its_cap_ends_the_stream_with_an_error_event() -> None:
    answer = FakeAnswer(200, [b"data: 1\n\n", b"data: 123456789"], "text/event-stream")
    renamed = Reshape(b"text/event-stream", each_event=lambda event: event + b"\n\n")

    async def exchange() -> Upstreamed:
        return Upstreamed(answer, [], lambda content_type: renamed)

    note = Note("r")
    messages = await served(RelayResponse(exchange, DEADLINES, SMALL_CAPS, [], note))
    assert messages[1]["body"] == b"data: 1\n\n"
    last = orjson.loads(messages[-1]["body"].removeprefix(b"data: "))
    assert last["error"]["code"] == 502
    assert "an SSE event of more than 8 bytes" in last["error"]["message"]
    assert (answer.released, answer.closed, note.failure) == (False, True, "answer_too_large")


async def test_a_client_that_leaves_cancels_the_exchange() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def exchange() -> Upstreamed:
        started.set()
        try:
            await asyncio.Event().wait()  # upstream never answers
        except asyncio.CancelledError:
            cancelled.set()
            raise
        raise AssertionError("not reached")

    async def receive() -> Message:
        await started.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        raise AssertionError("nothing is sent to a client that left")

    response = RelayResponse(exchange, DEADLINES, CAPS, [], Note("r"))
    serving = asyncio.create_task(response({"type": "http", "state": {}}, receive, send))
    # Without the cancel the exchange would wait for ever: the deadline makes that a failure
    # rather than a hang.
    done, _ = await asyncio.wait([serving], timeout=10)
    serving.cancel()  # nothing once it is done
    assert serving in done
    assert serving.exception() is None  # the client's leaving is no error
    assert cancelled.is_set()
