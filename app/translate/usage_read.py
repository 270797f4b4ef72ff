"""An answer's usage, and what it says of itself, read from upstream's bytes as they pass (pure).

OpenRouter puts `usage` at the end of an answer: last in a whole JSON answer, in its own chunk after
the finish chunk of a chat stream (with `finish_reason` null, `"stop"` again, or `"choices": []`),
in the `response.completed` event of a Responses stream, in each `image_generation.completed`
event of an image stream (docs/openrouter.md, "What real answers look like"). So `UsageReader`
keeps only the references to the last pieces of the answer that make up its last `window` bytes
(pieces the client has already been sent; up to twice that, let go of in batches), and reads them
once the answer has ended: nothing is parsed or copied while it passes, whatever its length.
A whole answer within the window is parsed whole; of a longer one, or a stream, only the last
`usage` member (and the event that holds it, when the window holds that whole) is. A usage not
within the last `window` bytes of an answer longer than that is `too_large`; an answer without
one is `missing`, never guessed.

A compressed answer (`Content-Encoding: gzip` or `deflate`, as OpenRouter sends whole chat answers
to a client that accepts it) is inflated on the side as it passes, its output windowed the same
way, up to `INFLATED_WINDOWS` windows of output (a bomb costs no more); past that, or in another
encoding, its usage is `too_large`.
"""

import math
import re
import zlib
from collections import deque
from collections.abc import Iterator
from typing import Any, Final

import orjson

from app.ops.usage import AnswerFacts, Usage
from app.translate import sse
from app.translate.json_scan import NotAnObject, value_end

MAX_COUNT: Final = 10**12  # tokens in one answer: more is not a count to add to a counter
MAX_COST: Final = 10**6  # credits for one answer: likewise
_KEY: Final = re.compile(rb'"usage"[ \t\r\n]*:[ \t\r\n]*')
_FINISH: Final = re.compile(rb'"finish_reason":"([A-Za-z0-9_-]{1,40})"')
_MOST_FINISH_REASONS: Final = 8
# What a reader holds at most, in windows, beyond the piece being relayed: the memory each answer
# read reserves (app.api.exchange).
HELD_WINDOWS: Final = 2
INFLATED_WINDOWS: Final = 512  # of output inflated at most: 8 MiB with the default window
INFLATED: Final = frozenset({"gzip", "x-gzip", "deflate"})


class UsageReader:
    """Fed each piece of one 200 answer (`stream`: SSE, else one JSON document) as it is relayed;
    `finish` says what its end held (see the module's docstring)."""

    def __init__(self, stream: bool, window: int, encoding: str = "") -> None:
        self._stream = stream
        self._unread = bool(encoding) and encoding.lower() not in INFLATED  # can't be inflated
        # 32 + 15: a zlib or a gzip header, told apart by the stream's first bytes
        self._inflate = zlib.decompressobj(47) if encoding and not self._unread else None
        self._inflate_left = window * INFLATED_WINDOWS
        self._window = window
        self._last: deque[bytes] = deque()  # the last pieces, `_held` bytes in all
        self._held = 0
        self._cut = False  # pieces before `_last` were let go
        self._first_data = not stream  # a stream's first data event is still to come
        self._seam = b""  # the end of the last piece, until then: `data:` cut between two

    def feed(self, piece: bytes) -> bool:
        """Keep `piece` in the window; True when it holds a stream's first data event (its first
        token: a keep-alive comment is none)."""
        if self._inflate is not None:
            first = False
            for inflated in self._inflated(piece):
                first = self._keep(inflated) or first
            return first
        if self._unread:
            return False
        return self._keep(piece)

    def _keep(self, piece: bytes) -> bool:
        """Keep `piece` (as it came, or inflated) in the window; as `feed` says."""
        self._last.append(piece)
        self._held += len(piece)
        if self._held >= HELD_WINDOWS * self._window:  # let go now and then, not each time
            self._let_go()
        if self._first_data:
            return False
        seen = self._seam + piece  # copied only until the stream's first data: a few pieces
        self._seam = seen[-4:]
        self._first_data = b"data:" in seen
        return self._first_data

    def _let_go(self) -> None:
        """Drop the oldest pieces that the last `window` bytes do not need."""
        last = self._last
        while self._held - len(last[0]) >= self._window:
            self._held -= len(last.popleft())
            self._cut = True

    def _inflated(self, piece: bytes) -> Iterator[bytes]:
        """Yield `piece` inflated a window at a time, within what may be inflated in all.

        A window at a time, so that a small piece of a bomb never becomes more than a window in
        memory at once; nothing more once it cannot be inflated (see the module)."""
        data = piece
        while data and self._inflate is not None:
            try:
                out = self._inflate.decompress(data, min(self._window, self._inflate_left))
            except zlib.error:
                self._inflate, self._unread = None, True
                return
            self._inflate_left -= len(out)
            data = self._inflate.unconsumed_tail
            if self._inflate_left <= 0 and data:
                self._inflate, self._unread = None, True  # more than it may inflate: given up
                return
            yield out

    def finish(self) -> AnswerFacts:
        """The facts of the answer that ended."""
        text = b"".join(self._last)
        self._last.clear()
        whole = not self._cut and not self._unread
        facts = AnswerFacts()
        if self._stream:
            _read_events(text, whole, facts)
        elif whole:
            _read_document(text, facts)
        if facts.usage is None:
            facts.usage = _last_usage(text)
        if facts.usage is not None:
            facts.usage_state = "read"
        else:
            facts.usage_state = "missing" if whole else "too_large"
        return facts


def usage_from(value: Any) -> Usage | None:
    """An answer's `usage` object as `Usage`, in chat's names (`prompt_tokens`, ...) or the
    Responses API's (`input_tokens`, ...); each count a whole number up to MAX_COUNT, the cost a
    finite number up to MAX_COST, anything else not read. None when nothing is read."""
    if not isinstance(value, dict):
        return None
    get = value.get
    prompt = get("prompt_tokens_details") or get("input_tokens_details")
    completion = get("completion_tokens_details") or get("output_tokens_details")
    read = (
        _count(get("prompt_tokens", get("input_tokens"))),
        _count(get("completion_tokens", get("output_tokens"))),
        _count(prompt.get("cached_tokens")) if isinstance(prompt, dict) else None,
        _count(completion.get("reasoning_tokens")) if isinstance(completion, dict) else None,
        _cost(get("cost")),
    )
    return None if read == _NOTHING else Usage(*read)


_NOTHING: Final = (None,) * 5


def _count(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT:
        return value
    return None


def _cost(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) if 0 <= value <= MAX_COST and math.isfinite(value) else None
    return None


def _read_document(text: bytes, facts: AnswerFacts) -> None:
    try:
        answer = orjson.loads(text)
    except orjson.JSONDecodeError:
        return  # not JSON: no usage to read in it
    _read_object(answer, facts)


def _read_events(text: bytes, whole: bool, facts: AnswerFacts) -> None:
    """The facts of the last events that name a usage, and the finish reasons of all."""
    events = text.replace(b"\r\n", b"\n").split(b"\n\n")
    if not whole:
        events = events[1:]  # the first may be the end of an event cut by the window
    for event in reversed(events):
        if b'"usage"' not in event:
            continue
        data = sse.data_of(event)
        try:
            _read_object(orjson.loads(data or b""), facts)
        except orjson.JSONDecodeError:
            continue
        if facts.usage is not None:
            break
    if not facts.finish_reasons:
        reasons = dict.fromkeys(m.decode() for m in _FINISH.findall(text))
        facts.finish_reasons = tuple(reasons)[:_MOST_FINISH_REASONS]


def _read_object(answer: Any, facts: AnswerFacts) -> None:
    """Take what `answer` (a whole answer, a chunk or an event) says of itself into `facts`,
    unless `facts` already has it. A Responses event carries it in its `response`."""
    if not isinstance(answer, dict):
        return
    if isinstance(answer.get("response"), dict):
        answer = answer["response"]
        status = answer.get("status")
        if isinstance(status, str) and not facts.finish_reasons:
            facts.finish_reasons = (status[:40],)
    facts.usage = facts.usage or usage_from(answer.get("usage"))
    model, answer_id = answer.get("model"), answer.get("id")
    if isinstance(model, str) and not facts.response_model:
        facts.response_model = model[:200]
    if isinstance(answer_id, str) and not facts.response_id:
        facts.response_id = answer_id[:200]
    choices = answer.get("choices")
    if isinstance(choices, list) and not facts.finish_reasons:
        reasons = [
            c.get("finish_reason") for c in choices[:_MOST_FINISH_REASONS] if isinstance(c, dict)
        ]
        facts.finish_reasons = tuple(r[:40] for r in reasons if isinstance(r, str))


def _last_usage(text: bytes) -> Usage | None:
    """The last `"usage": {...}` member in `text` that reads as a usage, cut out of the bytes
    around it (which need not be whole JSON)."""
    at = len(text)
    while (at := text.rfind(b'"usage"', 0, at)) >= 0:
        key = _KEY.match(text, at)
        if key is None or text[key.end() : key.end() + 1] != b"{":
            continue
        try:
            value = orjson.loads(text[key.end() : value_end(text, key.end())])
        except (NotAnObject, orjson.JSONDecodeError):
            continue
        if (usage := usage_from(value)) is not None:
            return usage
    return None
