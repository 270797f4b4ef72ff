"""A scan of a JSON object's bytes: its top-level members, where a value ends, and where the first
item of a top-level array starts.

A scan, not a parse: each string is skipped with one C-level search for its closing quote (a
base64 image is one `bytes.find`), and brackets are counted, so a body of megabytes is crossed in
a few steps. Values are delimited, not checked: a parser says whether they are valid. Used to edit
a chat body in its bytes (`app.translate.json_patch`) and to cut an embeddings answer into its
items (`app.translate.embeddings_stream`). Pure.
"""

import re
from typing import Final, NamedTuple

import orjson

_QUOTE: Final = 0x22
_BACKSLASH: Final = 0x5C
_OPENERS: Final = frozenset(b"{[")
# sre goes through a byte without a Python step, but `bytes.find` goes through a long string (a
# base64 image) many times faster: the patterns take strings of up to 256 bytes between escapes,
# and leave longer ones to `_string_end`.
_SHORT = rb'"[^"\\]{0,256}(?:\\.[^"\\]{0,256})*"'
SPACE: Final = re.compile(rb"[ \t\n\r]*")
OPEN: Final = re.compile(rb"[ \t\n\r]*\{[ \t\n\r]*")
KEY: Final = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")[ \t\n\r]*:[ \t\n\r]*', re.DOTALL)
_AFTER_VALUE: Final = re.compile(rb"[ \t\n\r]*([,}])[ \t\n\r]*")
_SHORT_STRING: Final = re.compile(_SHORT, re.DOTALL)
_RUN: Final = re.compile(rb'(?:[^"{}\[\]]+|' + _SHORT + rb")*", re.DOTALL)
_SCALAR_END: Final = re.compile(rb"[ \t\n\r,\]}]")
_CLOSE_ARRAY: Final = ord("]")


class NotAnObject(ValueError):
    """The bytes are not the JSON object the scan expects (checked only as far as it scans)."""


class Member(NamedTuple):
    """One top-level member: its decoded key, and its bytes `[start, end)` from the key's
    opening quote to the end of its value, which starts at `value`."""

    key: str
    start: int
    value: int
    end: int


def members(body: bytes) -> tuple[list[Member], int]:
    """Return the top-level members of the object `body`, in order, and its closing brace's index.

    Keys are decoded (`"mod\\u0061lities"` is `modalities`); duplicates are all listed. Raise
    NotAnObject when `body` does not scan as one object.
    """
    opened = OPEN.match(body)
    if opened is None:
        raise NotAnObject("the body does not start with `{`")
    found: list[Member] = []
    at = opened.end()
    while body[at : at + 1] != b"}" or found:
        key = KEY.match(body, at)
        if key is None:
            raise NotAnObject(f"no key at {at}")
        end = value_end(body, key.end())
        found.append(Member(_key(key[1]), key.start(1), key.end(), end))
        after = _AFTER_VALUE.match(body, end)
        if after is None:
            raise NotAnObject(f"unexpected bytes at {end}")
        if after[1] == b"}":
            at = after.start(1)
            break
        at = after.end()
    if SPACE.match(body, at + 1).end() != len(body):  # type: ignore[union-attr]
        raise NotAnObject(f"unexpected bytes after {at}")
    return found, at


def _key(quoted: bytes) -> str:
    if _BACKSLASH in quoted:
        key: str = orjson.loads(quoted)
        return key
    return quoted[1:-1].decode()


def first_item(held: bytes | bytearray, key: bytes) -> int | None:
    """Return where the first item of the array of the top-level member `key` (quoted, as in
    `b'"data"'`) starts in `held`, or None.

    None when it is not there yet, or the scan cannot tell (an empty array, no such member, not
    a JSON object, a key spelled with escapes): a parse of the whole decides those."""
    opened = OPEN.match(held)
    if opened is None:
        return None
    at = opened.end()
    while (found := KEY.match(held, at)) is not None:
        at = found.end()
        if found[1] == key and held[at : at + 1] == b"[":
            first = SPACE.match(held, at + 1).end()  # type: ignore[union-attr]
            return first if first < len(held) and held[first] != _CLOSE_ARRAY else None
        try:
            at = value_end(held, at)
        except NotAnObject:
            return None
        at = SPACE.match(held, at).end()  # type: ignore[union-attr]
        if held[at : at + 1] != b",":
            return None
        at = SPACE.match(held, at + 1).end()  # type: ignore[union-attr]
    return None


def value_end(body: bytes | bytearray, at: int) -> int:
    """Return the index just past the value that starts at `at`.

    For a number or a literal, that is the first byte that cannot be in it (`len(body)` when none
    follows). Raise NotAnObject when the value does not end in `body`.
    """
    first = body[at] if at < len(body) else None
    if first == _QUOTE:
        short = _SHORT_STRING.match(body, at)
        return short.end() if short else _string_end(body, at)
    if first in _OPENERS:
        return _container_end(body, at)
    match = _SCALAR_END.search(body, at)
    end = match.start() if match else len(body)
    if end == at:
        raise NotAnObject(f"no value at {at}")
    return end


def _container_end(body: bytes | bytearray, at: int) -> int:
    """Return the index just past the array or object that opens at `at`.

    Brackets are counted and strings skipped whole (a bracket inside a string does not count).
    `_RUN` takes everything else in one C-level step; a long string stops it, and `_string_end`
    skips that.
    """
    depth = 0
    while True:
        at = _RUN.match(body, at).end()  # type: ignore[union-attr]
        byte = body[at] if at < len(body) else None
        if byte == _QUOTE:
            at = _string_end(body, at)
            continue
        if byte is None:
            raise NotAnObject("a value does not end")
        depth += 1 if byte in _OPENERS else -1
        at += 1
        if depth == 0:
            return at


def _string_end(body: bytes | bytearray, quote: int) -> int:
    """Return the index just past the string whose opening quote is at `quote`.

    That is the first quote after it that an odd run of backslashes does not escape: one
    `bytes.find` for a string without escaped quotes (a base64 image), one more per escaped quote.
    """
    at = quote
    while True:
        at = body.find(b'"', at + 1)
        if at < 0:
            raise NotAnObject(f"the string at {quote} does not end")
        before = at - 1
        while body[before] == _BACKSLASH:
            before -= 1
        if (at - before) % 2 == 1:  # an even run of backslashes before it (none, mostly)
            return at + 1
