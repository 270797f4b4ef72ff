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

from collections.abc import Collection, Mapping

import orjson

from app.translate.json_scan import members

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
