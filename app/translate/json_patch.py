"""Edits of a JSON object's top-level fields in its bytes, everything else copied verbatim.

A chat body whose `modalities` (or `tools`, or `stream`) must change may carry megabytes of base64
images in `messages`. Parsing it whole and serializing it again costs time and copies, and changes
bytes the client sent (orjson turns an integer beyond 64 bits into a float). `edit` finds the
top-level members by scanning (`app.translate.json_scan`: a base64 image is one `bytes.find`), and
builds the new body from slices of the old one. A small body that orjson would write byte for
byte as it came (as the SDKs send them) is parsed, edited and written again instead: the same
bytes, sooner (measured: `bench.rewrite_cost`, and bench/README.md).

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
# written again: a cost per byte) rather than scanned (a cost per member, bracket or escape,
# however short the strings between them).
ROUND_TRIP_BYTES = 64 * 1024


def edit(body: bytes, replace: Mapping[str, bytes], remove: Collection[str] = ()) -> bytes:
    """Return `body` with each key of `replace` set to its value and each key of `remove` gone.

    `body` is a JSON object, the values of `replace` JSON bytes already; the module's docstring
    says what the edit guarantees. Raises NotAnObject (`app.translate.json_scan`) when `body`
    does not scan as an object.
    """
    return b"".join(edited_pieces(body, replace, remove))


def edited_pieces(
    body: bytes, replace: Mapping[str, bytes], remove: Collection[str] = ()
) -> Pieces:
    """Return the pieces `edit` joins, as `edit` takes its arguments.

    Sending them one after the other sends the edited body without copying the original's
    bytes (`app.upstream.sent_body`).
    """
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
    """Return the edit of a body that orjson writes back byte for byte, made by orjson.

    Such a body is compact, has one of each key, and numbers and escapes as orjson spells them
    (what the SDKs send); the result is the bytes the scan gives, sooner. None for any other
    body, or for a value of `replace` that orjson would write otherwise.
    """
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
    """Return `edited_pieces` for any body, made by the scan.

    The members are found by `members`, the changed ones' bytes replaced; every other byte is
    the client's.
    """
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
