"""OpenRouter's embeddings answer made the client's as it streams, in memory the batch never grows.

A `Rewriter` (see `app.translate.transcode`), pure. The answer's start is held until the first
item of its `data` is seen, so that an answer with no embeddings is still a 502 (see
`app.translate.embeddings.whole_answer`, which decides for any answer that ends before that, or
that the scan does not follow, e.g. a `data` key spelled with escapes, and for any answer
shorter than `WHOLE_UNDER`). Then:
- `float`, as the client asked: the answer goes on as it comes, unparsed.
- `base64`: the items of `data` are cut out one at a time (`json_scan.value_end`: strings and
  brackets skipped at C speed), each parsed, its vector encoded and written again by orjson; the
  members before `data` are written again at the first item, those after it at the end. The
  bytes equal the whole conversion's when keys are not repeated.

A vector of non-numbers, a structure that breaks, or more than `held_at_most` bytes held at once
(before the first item, in one item, or after `data`) is an UpstreamBadAnswer (502): raised as the
answer before the first bytes go, or, later, one that cuts the answer (the relay drops the
connection: the client sees a failed transfer, never a shorter body).
"""

from collections.abc import Iterator
from enum import Enum, auto
from typing import Final

import orjson

from app.errors import ProxyError, UpstreamBadAnswer
from app.translate.embeddings import base64_item, not_embeddings, whole_answer
from app.translate.json_scan import SPACE, NotAnObject, first_item, value_end

# An item of 4,096 dimensions (as the largest embedding models make) is ~100 KB of float JSON.
HELD_AT_MOST: Final = 4 * 1024 * 1024
# An answer shorter than this (most: a few texts of a small model) is converted whole once it has
# ended, at the cost of one parse, rather than scanned piece by piece.
WHOLE_UNDER: Final = 64 * 1024
_COMMA, _CLOSE, _OPEN_BRACE = ord(","), ord("]"), ord("{")
_AFTER_DATA: Final = b'{"data":[]'  # what the members after `data` are parsed behind


class _Phase(Enum):
    HEAD = auto()  # nothing sent: looking for the first item of `data`
    RELAY = auto()  # float: everything goes as it comes
    ITEMS = auto()  # base64: converting the items of `data`
    TAIL = auto()  # base64: holding the members after `data`, until the end


class EmbeddingsStream:
    """Make the client's answer for `model_id` piece by piece, its vectors in base64 when
    `as_base64`.

    `held_at_most` and `whole_under` change the module's limits (for tests)."""

    def __init__(
        self,
        model_id: str,
        as_base64: bool,
        held_at_most: int = HELD_AT_MOST,
        whole_under: int = WHOLE_UNDER,
    ) -> None:
        self._model_id = model_id
        self._as_base64 = as_base64
        self._held_at_most = held_at_most
        self._phase = _Phase.HEAD
        self._held = bytearray()
        self._at = 0  # where the scan goes on in `_held`
        self._scan_at_length = whole_under  # scan (again) once `_held` is this long
        self._head = b""  # the members before `data`, written again, until the first item goes
        self._any_item = False
        self._after_item = False  # a `,` or the `]` that closes `data` comes next

    def feed(self, piece: bytes) -> bytes:
        """Return what goes to the client for `piece` (b"" while it is held).

        Raise UpstreamBadAnswer when the answer is not embeddings, or holds too much at once."""
        if self._phase is _Phase.RELAY:
            return piece
        self._held += piece
        if len(self._held) < self._scan_at_length:
            return b""
        sent = self._advance()
        if len(self._held) > self._held_at_most:
            where = "after its embeddings" if self._phase is _Phase.TAIL else "at once"
            raise self._bad(f"holds more than {self._held_at_most} bytes {where}")
        # Scanned again only once it has grown by half: an item that comes in many small pieces
        # is scanned a few times over, not once per piece.
        self._scan_at_length = len(self._held) + len(self._held) // 2
        return sent

    def finish(self) -> bytes:
        """Return the rest of the client's answer, upstream's having ended; raise as `feed` does."""
        if self._phase is _Phase.RELAY:
            return b""
        if self._phase is _Phase.HEAD:
            return whole_answer(self._model_id, self._as_base64, bytes(self._held))
        sent = self._advance()
        if self._phase is _Phase.ITEMS:
            raise self._bad("ends before its `data` does")
        return sent + self._members_after_data()

    def _advance(self) -> bytes:
        """Return what `_held` now makes of the client's answer, the phase moved on as it says."""
        if self._phase is _Phase.HEAD:
            first = first_item(self._held, b'"data"')
            if first is None:
                return b""
            if not self._as_base64:
                self._phase = _Phase.RELAY
                sent, self._held = bytes(self._held), bytearray()
                return sent
            self._head = self._members_before_data(bytes(self._held[:first]))
            del self._held[:first]
            self._phase = _Phase.ITEMS
        sent = b"".join(self._converted_items())
        del self._held[: self._at]
        self._at = 0
        if sent and self._head:  # nothing goes until the first item is made
            sent, self._head = self._head + sent, b""
        return sent

    def _converted_items(self) -> Iterator[bytes]:
        """Yield each whole item of `data` in `_held` from `_at` on, converted, comma first.

        `_at` moves past each; the `]` that closes `data` ends the phase."""
        held = self._held
        while self._phase is _Phase.ITEMS:
            at = SPACE.match(held, self._at).end()  # type: ignore[union-attr]
            if at == len(held):
                return
            if self._after_item:
                if held[at] not in (_COMMA, _CLOSE):
                    raise self._bad("is not embeddings: a `data` of another shape")
                self._phase = _Phase.TAIL if held[at] == _CLOSE else _Phase.ITEMS
                self._at, self._after_item = at + 1, False
                continue
            found = self._whole_item(at)
            if found is None:
                return  # not all here yet, or broken: the next pieces, or the end, say which
            end, item = found
            converted = orjson.dumps(base64_item(self._model_id, item))
            yield (b"," if self._any_item else b"") + converted
            self._at, self._any_item, self._after_item = end, True, True

    def _whole_item(self, at: int) -> tuple[int, object] | None:
        """Return where the item of `data` at `at` in `_held` ends, and the item parsed, or None.

        None when it is not all there. An object is first tried up to its first `}` (one C-level
        search: an embedding holds no other), then scanned: sre crosses digits far slower."""
        held = self._held
        if held[at] == _OPEN_BRACE:
            close = held.find(b"}", at) + 1
            if not close:
                return None  # an object ends with one
            try:
                return close, orjson.loads(held[at:close])
            except orjson.JSONDecodeError:
                pass  # a `}` in a string or a nested object: the scan finds the end
        try:
            end = value_end(held, at)
        except NotAnObject:
            return None
        if end == len(held):
            return None  # a number or a literal may go on in the next piece
        try:
            return end, orjson.loads(held[at:end])
        except orjson.JSONDecodeError:
            raise self._bad("is not embeddings: an item of `data` is not JSON") from None

    def _members_before_data(self, head: bytes) -> bytes:
        """Return `{"...":...,"data":[` as orjson writes it, of the bytes before the first item."""
        try:
            written = orjson.dumps(orjson.loads(head + b"]}"))
        except orjson.JSONDecodeError:
            raise not_embeddings(self._model_id) from None
        if not written.endswith(b'"data":[]}'):  # `data` twice: the first one's place is kept
            raise self._bad("is not embeddings: `data` more than once")
        return written[:-2]

    def _members_after_data(self) -> bytes:
        """Return `],"...":...}` as orjson writes it, of the bytes after the `]` closing `data`."""
        try:
            written = orjson.dumps(orjson.loads(_AFTER_DATA + self._held[self._at :]))
        except orjson.JSONDecodeError:
            raise self._bad("is not embeddings: it does not end as JSON") from None
        if not written.startswith(_AFTER_DATA):
            raise self._bad("is not embeddings: `data` more than once")
        return b"]" + written[len(_AFTER_DATA) :]

    def _bad(self, why: str) -> ProxyError:
        return UpstreamBadAnswer(f"OpenRouter's answer for {self._model_id} {why}")
