"""Read what an answer says of itself (usage, model, id, finish reasons) from its last bytes.

Pure: `app.translate.usage_read` keeps those bytes as the answer passes and hands them here once
it has ended. A whole answer is parsed whole; of a longer one, or a stream, the last events that
name a usage are, and failing those the last `"usage"` member cut out of the bytes around it. A
count or a cost out of bounds is not read (see `usage_from`).
"""

import math
import re
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


def facts_of(text: bytes, stream: bool, whole: bool, usage_only: bool = False) -> AnswerFacts:
    """Return what the end of an answer (`text`: SSE when `stream`, else JSON) says of itself.

    `whole` says `text` is all of the answer. Its usage is `read` when found, else `missing`
    from a whole answer (never guessed), or `too_large` from a part of one. `usage_only` reads
    the usage alone (its model, id and finish reasons are for traces): of a whole JSON answer,
    only its `usage` member is parsed, not all of it."""
    facts = AnswerFacts()
    if stream:
        _read_events(text, whole, facts, usage_only)
    elif whole and not usage_only:
        _read_document(text, facts)
    if facts.usage is None:
        facts.usage = _last_usage(text)
    if facts.usage is not None:
        facts.usage_state = "read"
    else:
        facts.usage_state = "missing" if whole else "too_large"
    return facts


def usage_from(value: Any) -> Usage | None:
    """Return an answer's `usage` object as `Usage`, or None when nothing in it is read.

    It names its counts as chat does (`prompt_tokens`, ...) or as the Responses API does
    (`input_tokens`, ...); each count is read when a whole number up to MAX_COUNT, the cost when
    a finite number up to MAX_COST."""
    # `type(x) is`, not isinstance: orjson makes exact types, a bool is no count, and it is read
    # once an answer on the request path (bench/usage_cost.py).
    if type(value) is not dict:
        return None
    get = value.get
    prompt = get("prompt_tokens_details") or get("input_tokens_details")
    completion = get("completion_tokens_details") or get("output_tokens_details")
    read = Usage(
        _count(get("prompt_tokens", get("input_tokens"))),
        _count(get("completion_tokens", get("output_tokens"))),
        _count(prompt.get("cached_tokens")) if type(prompt) is dict else None,
        _count(completion.get("reasoning_tokens")) if type(completion) is dict else None,
        _cost(get("cost")),
    )
    return None if read == _NOTHING else read


_NOTHING: Final = Usage()


def _count(value: Any) -> int | None:
    return value if type(value) is int and 0 <= value <= MAX_COUNT else None


def _cost(value: Any) -> float | None:
    if type(value) is float or type(value) is int:
        return float(value) if 0 <= value <= MAX_COST and math.isfinite(value) else None
    return None


def _read_document(text: bytes, facts: AnswerFacts) -> None:
    try:
        answer = orjson.loads(text)
    except orjson.JSONDecodeError:
        return  # not JSON: no usage to read in it
    _read_object(answer, facts)


def _read_events(text: bytes, whole: bool, facts: AnswerFacts, usage_only: bool) -> None:
    """Take into `facts` what the last events that name a usage say, and (unless `usage_only`)
    the finish reasons of all."""
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
    if not facts.finish_reasons and not usage_only:
        reasons = dict.fromkeys(m.decode() for m in _FINISH.findall(text))
        facts.finish_reasons = tuple(reasons)[:_MOST_FINISH_REASONS]


def _read_object(answer: Any, facts: AnswerFacts) -> None:
    """Take what `answer` (a whole answer, a chunk or an event) says of itself into `facts`,
    unless `facts` already has it. A Responses event carries it in its `response`."""
    if type(answer) is not dict:
        return
    if type(response := answer.get("response")) is dict:
        answer = response
        if type(status := answer.get("status")) is str and not facts.finish_reasons:
            facts.finish_reasons = (status[:40],)
    if facts.usage is None:
        facts.usage = usage_from(answer.get("usage"))
    if type(model := answer.get("model")) is str and not facts.response_model:
        facts.response_model = model[:200]
    if type(answer_id := answer.get("id")) is str and not facts.response_id:
        facts.response_id = answer_id[:200]
    if type(choices := answer.get("choices")) is list and not facts.finish_reasons:
        facts.finish_reasons = tuple(
            [
                reason[:40]
                for choice in choices[:_MOST_FINISH_REASONS]
                if type(choice) is dict and type(reason := choice.get("finish_reason")) is str
            ]
        )


def _last_usage(text: bytes) -> Usage | None:
    """Return the last `"usage": {...}` member in `text` that reads as a usage, or None.

    It is cut out of the bytes around it, which need not be whole JSON."""
    at = len(text)
    while (at := text.rfind(b'"usage"', 0, at)) >= 0:
        key = _KEY.match(text, at)
        if key is None or not text.startswith(b"{", key.end()):
            continue
        start = key.end()
        value = _object_to_the_end(text, start)
        if value is None:
            try:
                value = orjson.loads(text[start : value_end(text, start)])
            except (NotAnObject, orjson.JSONDecodeError):
                continue
        if (usage := usage_from(value)) is not None:
            return usage
    return None


def _object_to_the_end(text: bytes, at: int) -> Any:
    """Return the object that opens at `at` if it closes where the object around it does, at
    the end of `text` (as a whole answer's last member, its usage, does); else None.

    A parse of the two, without a scan for where the object ends: the scan costs more than
    reading the usage itself."""
    tail = text[at:].rstrip()
    if not tail.endswith(b"}"):
        return None
    try:
        return orjson.loads(tail[:-1])
    except orjson.JSONDecodeError:
        return None  # more members follow it
