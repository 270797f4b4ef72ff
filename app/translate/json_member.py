"""One top-level member of a JSON object rewritten as the object streams by, the rest passed on.

Every other byte goes on as it comes (pure): an Images API answer's `usage` in OpenAI's terms
without holding its megabytes of base64 images. A scanner follows the object's structure across
pieces, one step per bracket, comma, colon or string (a base64 image is one search for its
closing quote). It holds back only a top-level key while it could still be the one wanted (up to
MAX_KEY bytes) and that member's value (up to MAX_VALUE bytes); a longer one is passed on as it
came. Bytes that are not a JSON object pass on unchanged, as do a member whose value `rewrite`
refuses (ValueError).
"""

import re
from collections.abc import Callable
from typing import Final

MAX_KEY: Final = 64  # bytes of a key held back while it might be the one wanted
MAX_VALUE: Final = 64 * 1024  # bytes of the wanted member's value held back to rewrite it
_STRUCTURE: Final = re.compile(rb'["{}\[\],:]')
_IN_STRING: Final = re.compile(rb'["\\]')


class MemberRewriter:
    """A `Rewriter` (see `app.translate.transcode`) of the top-level member `key`.

    Its value's bytes become `rewrite(value)`.
    """

    def __init__(self, key: str, rewrite: Callable[[bytes], bytes]) -> None:
        self._quoted = b'"' + key.encode() + b'"'
        self._rewrite = rewrite
        self._held = b""  # bytes not yet sent, scanned up to `_scanned`
        self._scanned = 0
        self._depth = 0
        self._in_string = self._escaped = False
        self._expect_key = False  # at depth 1, after `{` or `,`: the next string is a key
        self._key_at: int | None = None  # where in `_held` a held key starts
        self._value_at: int | None = None  # where the wanted member's value starts
        self._done = False  # rewritten once, or given up: pass everything on

    def feed(self, piece: bytes) -> bytes:
        if self._done:
            return piece
        self._held += piece
        self._scan()
        return self._release()

    def finish(self) -> bytes:
        self._done = True
        held, self._held = self._held, b""
        return held

    def _release(self) -> bytes:
        """Return what can be sent, everything before a held key or value, and let go of it."""
        keep = self._key_at if self._key_at is not None else self._value_at
        if keep is None:
            keep = len(self._held)
        sent, self._held = self._held[:keep], self._held[keep:]
        self._scanned -= keep
        for name in ("_key_at", "_value_at"):
            at = getattr(self, name)
            if at is not None:
                setattr(self, name, at - keep)
        return sent

    def _scan(self) -> None:
        held = self._held
        while self._scanned < len(held) and not self._done:
            if self._in_string:
                self._scan_string(held)
                continue
            found = _STRUCTURE.search(held, self._scanned)
            if found is None:
                self._scanned = len(held)
                break
            self._scanned = found.end()
            self._step(held, found.start())
        if self._value_at is not None and len(self._held) - self._value_at > MAX_VALUE:
            self._value_at, self._done = None, True  # too big to hold: passed on as it came

    def _scan_string(self, held: bytes) -> None:
        if self._escaped:
            self._escaped, self._scanned = False, self._scanned + 1
            return
        found = _IN_STRING.search(held, self._scanned)
        if found is None:
            self._scanned = len(held)
        elif held[found.start()] == 0x5C:  # a backslash: skip what it escapes
            self._scanned = found.end()
            self._escaped = True
        else:
            self._scanned, self._in_string = found.end(), False
            self._key_ended(held)
        if self._key_at is not None and self._scanned - self._key_at > MAX_KEY:
            self._key_at = None  # too long to be the key wanted

    def _step(self, held: bytes, at: int) -> None:
        char = held[at]
        if char == 0x22:  # "
            self._in_string = True
            if self._depth == 1 and self._expect_key and self._value_at is None:
                self._key_at = at
            self._expect_key = False
        elif char in b"{[":
            self._depth += 1
            self._expect_key = self._depth == 1 and char == 0x7B
        elif char in b"}]" or (char == 0x2C and self._depth == 1):
            if self._depth == 1 and self._value_at is not None:
                self._rewrite_value(at)
            if char != 0x2C:
                self._depth -= 1
            self._expect_key = char == 0x2C

    def _key_ended(self, held: bytes) -> None:
        if self._key_at is None:
            return
        if held[self._key_at : self._scanned] == self._quoted:
            self._value_at = self._key_at  # held from the key: the value follows its colon
        self._key_at = None

    def _rewrite_value(self, end: int) -> None:
        """Rewrite in `_held` the wanted member's value, which ends at `end`."""
        assert self._value_at is not None
        member = self._held[self._value_at : end]
        key, colon, value = member.partition(b":")
        try:
            new = key + colon + self._rewrite(value.strip())
        except ValueError:
            new = member
        self._held = self._held[: self._value_at] + new + self._held[end:]
        self._scanned += len(new) - len(member)
        self._value_at, self._done = None, True
