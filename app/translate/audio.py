"""Audio for clients that do not stream: OpenRouter's SSE answer folded into one chat completion.

OpenRouter produces audio only when streaming (see `docs/openrouter.md`), so the proxy
asks upstream for a stream and answers the client the OpenAI SDK's non-streamed shape:
`message.content`, `message.audio.{id, data, transcript, expires_at}`, `finish_reason`, `usage`.
Everything here is pure: `Completion` folds parsed chunks, `AudioCollector` feeds it the events
of the stream (split by `app.translate.sse`) for the relay (an `app.translate.whole.Collector`).
"""

import os
import time
from collections.abc import Callable, Iterable
from typing import Any, Final, TypeVar

import orjson

from app.errors import ProxyError, UpstreamBadStream
from app.translate import sse

AUDIO_TTL_SECONDS: Final = 3600  # expires_at when upstream gives none, as OpenAI's audio ids
# Delta fields streamed in pieces; any other string is whole (ids, names, finish reasons).
PIECES: Final = frozenset({"content", "refusal", "reasoning", "data", "transcript", "arguments"})
# Lists of items that each carry an `index`, merged item by item.
INDEXED: Final = frozenset({"choices", "tool_calls"})
Slot = TypeVar("Slot", dict[Any, Any], list[Any])


class _Text(list[str]):
    """The pieces of one streamed string, joined once at the end (audio is megabytes)."""


class _Indexed(dict[int, dict[str, Any]]):
    """Items of an indexed list (`choices`, `tool_calls`) by their `index`."""


class Completion:
    """A fold of `chat.completion.chunk`s into the `chat.completion` they stream.

    String pieces (`PIECES`) are concatenated, lists extended, indexed lists merged item by item,
    other values replaced by the latest non-null one. A chunk with an `error` ends the fold.
    """

    def __init__(self) -> None:
        self._merged: dict[str, Any] = {}
        self.error: dict[str, Any] | None = None
        self.chunks = 0

    def add(self, chunk: dict[str, Any]) -> None:
        """Fold `chunk` in; after a chunk with an `error`, nothing more."""
        if self.error is not None:
            return
        failure = chunk.get("error")
        if failure is not None:
            self.error = failure if isinstance(failure, dict) else {"message": str(failure)}
            return
        self.chunks += 1
        _merge(self._merged, chunk)

    def result(self, now: float, audio_id: str) -> dict[str, Any]:
        """Return the completion, once: the fold lets go of its pieces as it joins them.

        A `message.audio` without `id` or `expires_at` gets `audio_id` and `now` +
        `AUDIO_TTL_SECONDS`.
        """
        # Let go of the pieces, so that the answer's bytes do not coexist with them.
        merged, self._merged = self._merged, {}
        completion: dict[str, Any] = _joined(merged)
        completion["object"] = "chat.completion"
        for choice in completion.setdefault("choices", []):
            message = {"role": "assistant", "content": None, **choice.pop("delta", {})}
            if isinstance(message.get("audio"), dict):
                audio = {"data": "", "transcript": "", **message["audio"]}
                audio.setdefault("id", audio_id)
                audio.setdefault("expires_at", int(now) + AUDIO_TTL_SECONDS)
                message["audio"] = audio
            choice["message"] = message
            choice.setdefault("finish_reason", None)
        return completion


def _merge(into: dict[Any, Any], delta: dict[str, Any]) -> None:
    for key, value in delta.items():
        if key in INDEXED and isinstance(value, list):
            items = _slot(into, key, _Indexed)
            for item in value:
                if isinstance(item, dict):
                    index = item.get("index")
                    _merge(items.setdefault(index if isinstance(index, int) else 0, {}), item)
        elif isinstance(value, dict):
            _merge(_slot(into, key, dict), value)
        elif isinstance(value, str) and key in PIECES:
            _slot(into, key, _Text).append(value)
        elif isinstance(value, list):
            _slot(into, key, list).extend(value)
        elif value is not None or key not in into:
            into[key] = value


def _slot(into: dict[Any, Any], key: str, kind: type[Slot]) -> Slot:
    """Return `into[key]`, made a new `kind` when it is not exactly one yet.

    A field whose type changed between chunks starts over rather than failing.
    """
    current = into.get(key)
    if type(current) is not kind:
        current = into[key] = kind()
    return current


def _joined(value: Any) -> Any:
    if isinstance(value, _Text):
        return "".join(value)
    if isinstance(value, _Indexed):
        return [_joined(value[index]) for index in sorted(value)]
    if isinstance(value, dict):
        return {key: _joined(item) for key, item in value.items()}
    return value


def new_audio_id() -> str:
    """Return an id for audio that upstream sent without one, shaped like OpenAI's."""
    return f"audio_{os.urandom(12).hex()}"


class AudioCollector:
    """A `Collector` that feeds an SSE answer into a `Completion`.

    `result` is the completion's JSON, or raises a `ProxyError`: for an error chunk, its message,
    with its `code` as the status when that is an HTTP error status (else 502); `UpstreamBadStream`
    (502) for an unreadable event or an empty stream.
    """

    def __init__(
        self, clock: Callable[[], float] = time.time, new_id: Callable[[], str] = new_audio_id
    ) -> None:
        self._events = sse.EventSplitter()
        self._completion = Completion()
        self._unreadable = False
        self._clock, self._new_id = clock, new_id

    def feed(self, piece: bytes) -> None:
        self._add(self._events.feed(piece))

    def result(self) -> bytes:
        self._add(self._events.finish())
        completion = self._completion
        if completion.error is not None:
            raise _upstream_error(completion.error)
        if self._unreadable:
            raise UpstreamBadStream("OpenRouter sent a stream event that is not a JSON object")
        if not completion.chunks:
            raise UpstreamBadStream("OpenRouter ended the stream without an answer")
        return orjson.dumps(completion.result(self._clock(), self._new_id()))

    def _add(self, events: Iterable[bytes]) -> None:
        for event in events:
            data = sse.data_of(event)
            if data is None or data == b"[DONE]":
                continue
            try:
                chunk = orjson.loads(data)
            except orjson.JSONDecodeError:
                chunk = None
            if isinstance(chunk, dict):
                self._completion.add(chunk)
            else:
                self._unreadable = True


def _upstream_error(error: dict[str, Any]) -> ProxyError:
    """Return the error an error chunk stands for (see `AudioCollector`)."""
    code, metadata = error.get("code"), error.get("metadata")
    status = code if isinstance(code, int) and 400 <= code <= 599 else 502
    kind = metadata.get("error_type") if isinstance(metadata, dict) else None
    message = str(error.get("message") or "OpenRouter failed mid-stream")
    code_name = kind if isinstance(kind, str) else "upstream_error"
    return ProxyError(status, message, code_name, "upstream_error")
