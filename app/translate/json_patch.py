"""Editing a JSON object's top-level fields in its bytes, copying everything else verbatim.

A chat body whose `modalities` (or `tools`, or `stream`) must change may carry megabytes of base64
images in `messages`. Parsing it whole and serializing it again costs time and copies, and changes
bytes the client sent (orjson turns an integer beyond 64 bits into a float). `edit` finds the
top-level members by scanning, skipping each string with one C-level search for its closing quote
(a base64 image is one `bytes.find`), and builds the new body from slices of the old one. A
small body that orjson would write byte for byte as it came (as the SDKs send them) is parsed,
edited and written again instead: the same bytes, sooner.

The body must already be known to be a valid JSON object (the proxy parses every body before it
plans). What `edit` guarantees, for any such body: the result parses (with a parser that keeps the
last of duplicate keys, as orjson and `json` do) to the object a full parse, edit and serialization
would give. In detail:
- members not edited keep their bytes: numbers of any size, escapes, whitespace, key order, and
  their duplicates (a parser still keeps the last);
- a key is matched by its decoded name, so `"mod\\u0061lities"` is `modalities`;
- a key set keeps the place of its last occurrence (the one parsers keep), with the new value;
  its earlier occurrences, and every occurrence of a key removed, go with their comma;
- a key set that is absent is appended last, after a comma;
- nested objects are never looked into: only top-level keys are edited.
Pure.
"""

import re
from collections.abc import Collection, Mapping
from typing import Final, NamedTuple

import orjson

_QUOTE: Final = 0x22
_BACKSLASH: Final = 0x5C
_OPENERS: Final = frozenset(b"{[")
# sre goes through a byte in ~10 ns without a Python step, but `bytes.find` through a long string
# (a base64 image) ~40 times faster: the patterns take strings of up to 256 bytes between escapes,
# and leave longer ones to `_string_end`.
_SHORT = rb'"[^"\\]{0,256}(?:\\.[^"\\]{0,256})*"'
SPACE: Final = re.compile(rb"[ \t\n\r]*")
OPEN: Final = re.compile(rb"[ \t\n\r]*\{[ \t\n\r]*")
KEY: Final = re.compile(rb'("[^"\\]*(?:\\.[^"\\]*)*")[ \t\n\r]*:[ \t\n\r]*', re.DOTALL)
_AFTER_VALUE: Final = re.compile(rb"[ \t\n\r]*([,}])[ \t\n\r]*")
_SHORT_STRING: Final = re.compile(_SHORT, re.DOTALL)
_RUN: Final = re.compile(rb'(?:[^"{}\[\]]+|' + _SHORT + rb")*", re.DOTALL)
_SCALAR_END: Final = re.compile(rb"[ \t\n\r,\]}]")


class NotAnObject(ValueError):
    """The bytes are not the JSON object `edit` expects (checked only as far as it scans)."""


class Member(NamedTuple):
    """One top-level member: its decoded key, and its bytes `[start, end)` from the key's
    opening quote to the end of its value, which starts at `value`."""

    key: str
    start: int
    value: int
    end: int


# An edited body as the pieces that make it, in order: slices of the original and new values.
Pieces = tuple[bytes | memoryview, ...]
# Up to this size, a body that orjson writes back as it came is edited by orjson (parsed and
# written again: ~1 ms a MiB) rather than scanned (a few µs a member, a bracket or an escape,
# however short the strings between them).
ROUND_TRIP_BYTES = 64 * 1024


def edit(body: bytes, replace: Mapping[str, bytes], remove: Collection[str] = ()) -> bytes:
    """`body` (a JSON object) with each key of `replace` set to its value (already JSON bytes)
    and each key of `remove` taken out, as the module docstring says. NotAnObject when `body`
    does not scan as an object."""
    return b"".join(edited_pieces(body, replace, remove))


def edited_pieces(
    body: bytes, replace: Mapping[str, bytes], remove: Collection[str] = ()
) -> Pieces:
    """What `edit` joins: sending these one after the other sends the edited body without
    copying the original's bytes (a 20 MiB copy costs milliseconds)."""
    # orjson writes `{"` first and no space after a colon: a body that does otherwise would
    # be parsed and written again for nothing.
    if len(body) <= ROUND_TRIP_BYTES and body[:2] == b'{"' and b'": ' not in body[:256]:
        written = _written_again(body, replace, remove)
        if written is not None:
            return (written,)
    return scanned_pieces(body, replace, remove)


def _written_again(
    body: bytes, replace: Mapping[str, bytes], remove: Collection[str]
) -> bytes | None:
    """The edit of a body that orjson writes back byte for byte (compact, one of each key,
    numbers and escapes as orjson spells them: what the SDKs send), made by orjson: the bytes the
    scan gives, in a fifth of the time. None for any other body, or a value not so written."""
    try:
        parsed = orjson.loads(body)
        values = {key: orjson.loads(value) for key, value in replace.items()}
    except orjson.JSONDecodeError:
        return None
    faithful = isinstance(parsed, dict) and orjson.dumps(parsed) == body
    if not faithful or any(orjson.dumps(values[key]) != replace[key] for key in values):
        return None
    parsed.update(values)
    for key in remove:
        parsed.pop(key, None)
    return orjson.dumps(parsed)


def scanned_pieces(
    body: bytes, replace: Mapping[str, bytes], remove: Collection[str] = ()
) -> Pieces:
    """`edited_pieces` for any body: its members found by the scan (`members`), the changed
    ones' bytes replaced, every other byte the client's."""
    found, close = members(body)
    last = {member.key: index for index, member in enumerate(found)}
    view = memoryview(body)
    pieces: list[bytes | memoryview] = [view[: found[0].start] if found else view[:close]]
    kept = 0
    for index, member in enumerate(found):
        if member.key in remove or (member.key in replace and last[member.key] != index):
            continue
        if kept:  # the separator that stood before it: one comma, the client's whitespace
            pieces.append(view[found[index - 1].end : member.start])
        value_at = member.value if member.key in replace else member.end
        pieces.append(view[member.start : value_at])
        if member.key in replace:
            pieces.append(replace[member.key])
        kept += 1
    for key, value in replace.items():
        if key not in last and key not in remove:
            pieces.append(b"," if kept else b"")
            pieces.append(orjson.dumps(key) + b":" + value)
            kept += 1
    pieces.append(view[found[-1].end :] if found else view[close:])
    return tuple(pieces)


def members(body: bytes) -> tuple[list[Member], int]:
    """The top-level members of the object `body`, in order, and the index of its closing
    brace. NotAnObject when `body` does not scan as one object."""
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


def value_end(body: bytes | bytearray, at: int) -> int:
    """The index just past the value that starts at `at` (for a number or a literal, the first
    byte that cannot be in it: `len(body)` when none follows); NotAnObject when it does not end
    in `body`. Values are delimited, not checked: a parser says whether they are valid."""
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
    """The index just past the array or object that opens at `at`: brackets counted, strings
    skipped whole (a bracket inside a string does not count). `_RUN` takes everything else in
    one C-level step; a long string stops it, and `_string_end` skips that."""
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
    """The index just past the string whose opening quote is at `quote`: the first quote after
    it that an odd run of backslashes does not escape. One `bytes.find` for a string without
    escaped quotes (a base64 image), one more per escaped quote."""
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
