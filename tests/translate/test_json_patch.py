"""Editing top-level fields in a JSON object's bytes: each case the module defines, in a table, and
the property that the edited body parses as a full parse, edit and serialization would give."""

import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.translate.json_patch import edit, edited_pieces, scanned_pieces
from app.translate.json_scan import NotAnObject

MODALITIES = b'["image","text"]'


@pytest.mark.parametrize(
    ("body", "replace", "remove", "edited"),
    [
        # Big integers, floats' spelling, whitespace and key order stay the client's.
        (
            b'{ "n" : 123456789012345678901234567890,\n "modalities":["text"], "f": 1.0E2 }',
            {"modalities": MODALITIES},
            (),
            b'{ "n" : 123456789012345678901234567890,\n "modalities":["image","text"], '
            b'"f": 1.0E2 }',
        ),
        # A key written with escapes is the key it decodes to.
        (b'{"mod\\u0061lities":["text"]}', {"modalities": b"[]"}, (), b'{"mod\\u0061lities":[]}'),
        # Duplicates of an edited key: the last keeps its place with the new value, the others go.
        (
            b'{"modalities":1,"a":2,"modalities":3,"b":4}',
            {"modalities": b"5"},
            (),
            b'{"a":2,"modalities":5,"b":4}',
        ),
        (b'{"tools":1,"a":2,"tools":3}', {}, ("tools",), b'{"a":2}'),
        # Duplicates of other keys stay: a parser keeps the last of them, as before.
        (b'{"a":1,"a":2,"s":false}', {"s": b"true"}, (), b'{"a":1,"a":2,"s":true}'),
        # An absent key is appended last; to an empty object without a comma.
        (b'{"a":1} ', {"stream": b"true"}, (), b'{"a":1,"stream":true} '),
        (b" { } ", {"stream": b"true"}, (), b' { "stream":true} '),
        # Removing the first, the last, or the only member takes one comma with it.
        (b'{"tools":[], "a":1}', {}, ("tools",), b'{"a":1}'),
        (b'{"a":1 , "tools":[]}', {}, ("tools",), b'{"a":1}'),
        (b'{ "tools":[] }', {}, ("tools",), b"{  }"),
        (b'{"a":1}', {}, ("absent",), b'{"a":1}'),
        # A key both set and removed is removed.
        (b'{"a":1,"b":2}', {"a": b"3"}, ("a",), b'{"b":2}'),
        # Nested objects are never looked into; strings with quotes, backslashes and brackets
        # are skipped whole.
        (
            b'{"m":{"modalities":["x"]},"s":"a\\"}]\\\\","modalities":null}',
            {"modalities": MODALITIES},
            (),
            b'{"m":{"modalities":["x"]},"s":"a\\"}]\\\\","modalities":["image","text"]}',
        ),
        # Nothing to change: the same bytes.
        (b'{"a": [1, {"b": "\\u00e9"}]}', {}, (), b'{"a": [1, {"b": "\\u00e9"}]}'),
    ],
)
def test_edit(
    body: bytes, replace: dict[str, bytes], remove: tuple[str, ...], edited: bytes
) -> None:
    assert edit(body, replace, remove) == edited


@pytest.mark.parametrize(
    "body",
    [
        b'\xef\xbb\xbf{"a":1}',  # a BOM: orjson refuses it too, so it is never edited
        b'[{"a":1}]',
        b'{"a":1',
        b'{"a":"b}',
        b'{"a" 1}',
        b'{"a":}',
        b'{"a":1} x',
        b'{"a":1}x',
        b'{"a":',
        b'{"a":[1',
        b'{"a":[1}',
        b"",
    ],
)
def test_not_an_object(body: bytes) -> None:
    with pytest.raises(NotAnObject):
        edit(body, {"modalities": MODALITIES})


# The property: any object, written any valid way (whitespace, escaped keys, duplicates, big
# integers), edited, parses as the full rewrite would.

KEYS = st.sampled_from(["modalities", "stream", "tools", "model", "é", 'a"b\\', "[{"]) | st.text()
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**100), 2**100)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=10,
)
spaces = st.sampled_from(["", " ", "\n", "\t", " \r\n  "])


@st.composite
def written_keys(draw: st.DrawFn, key: str) -> str:
    """`key` as a JSON string, each character written plainly or as `\\u` escapes."""
    out = []
    for char in key:
        plain = json.dumps(char, ensure_ascii=draw(st.booleans()))[1:-1]
        units = char.encode("utf-16-be")
        escaped = "".join(f"\\u{units[i : i + 2].hex()}" for i in range(0, len(units), 2))
        out.append(escaped if draw(st.booleans()) else plain)
    return '"' + "".join(out) + '"'


@st.composite
def written_objects(draw: st.DrawFn) -> bytes:
    """An object written from (key, value) pairs, duplicates allowed, with any whitespace."""
    pairs = draw(st.lists(st.tuples(KEYS, values), max_size=6))
    members = []
    for key, value in pairs:
        ascii_only, indent = draw(st.booleans()), draw(st.sampled_from([None, 1]))
        written = json.dumps(value, ensure_ascii=ascii_only, indent=indent)
        members.append(f"{draw(written_keys(key))}{draw(spaces)}:{draw(spaces)}{written}")
    inside = (draw(spaces) + "," + draw(spaces)).join(members)
    return f"{draw(spaces)}{{{draw(spaces)}{inside}{draw(spaces)}}}{draw(spaces)}".encode()


@settings(max_examples=400, deadline=None)
@given(
    written_objects(),
    st.dictionaries(KEYS, values, max_size=3),
    st.lists(KEYS, max_size=2),
)
def test_edit_parses_as_the_full_rewrite(
    body: bytes, replace: dict[str, Any], remove: list[str]
) -> None:
    rewritten = json.loads(body)
    rewritten.update(replace)
    for key in remove:
        rewritten.pop(key, None)
    encoded = {key: json.dumps(value).encode() for key, value in replace.items()}
    assert json.loads(edit(body, encoded, remove)) == rewritten
    assert json.loads(b"".join(scanned_pieces(body, encoded, remove))) == rewritten
    assert edit(body, {}) == body


ORJSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(KEYS, ORJSON_VALUES, max_size=6),
    st.dictionaries(KEYS, ORJSON_VALUES, max_size=3),
    st.lists(KEYS, max_size=2),
)
def test_a_body_as_orjson_writes_it_is_edited_to_the_bytes_the_scan_gives(
    document: dict[str, Any], replace: dict[str, Any], remove: list[str]
) -> None:
    body = orjson.dumps(document)  # compact, as the SDKs send: mostly edited by orjson
    encoded = {key: orjson.dumps(value) for key, value in replace.items()}
    edited = b"".join(edited_pieces(body, encoded, remove))
    assert edited == b"".join(scanned_pieces(body, encoded, remove))


def test_a_body_as_the_sdks_send_it_is_written_again_whole() -> None:
    body = b'{"model":"a/b","modalities":["image","text"],"messages":[{"role":"user"}]}'
    pieces = edited_pieces(body, {"modalities": b'["image"]'})
    assert pieces == (b'{"model":"a/b","modalities":["image"],"messages":[{"role":"user"}]}',)


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1}',  # a space
        b'{"n":123456789012345678901234567890}',  # an integer orjson cannot hold
        b'{"f":1.0E2}',  # a float orjson spells otherwise
        b'{"a":1,"a":2}',  # a duplicate key
        b'{"s":"\\u00e9"}',  # an escape orjson does not write
        b' {"a":1}',
    ],
)
def test_a_body_orjson_would_write_otherwise_is_scanned(body: bytes) -> None:
    pieces = edited_pieces(body, {"stream": b"true"})
    assert len(pieces) > 1
    assert b"".join(pieces) == b"".join(scanned_pieces(body, {"stream": b"true"}))


def test_a_value_orjson_would_write_otherwise_is_set_as_given() -> None:
    assert edit(b'{"a":1}', {"m": b'[ "image" ]'}) == b'{"a":1,"m":[ "image" ]}'


LONG = "A" * 300  # past the 256 bytes the patterns take at once: the strings are found by search
LONG_VALUES = [
    LONG + '"' + LONG,  # an escaped quote in a long string
    LONG + "\\" + LONG + "\\\\",  # escaped backslashes, one just before the closing quote
    LONG + '\\"' + LONG,  # a backslash, then a quote: both escaped
    LONG + '[{"' + LONG + "}]",  # brackets inside a string do not count
    LONG + '"',  # an escaped quote right before the closing one
]


@pytest.mark.parametrize("text", LONG_VALUES)
@pytest.mark.parametrize("nested", [False, True])
def test_long_strings_with_escapes_are_skipped_whole(text: str, nested: bool) -> None:
    value: Any = [{"role": "user", "content": text}] if nested else text
    body = json.dumps({"messages": value, "modalities": ["text"], "n": 1}).encode()
    edited = edit(body, {"modalities": MODALITIES}, ("n",))
    assert json.loads(edited) == {"messages": value, "modalities": ["image", "text"]}


@pytest.mark.parametrize("body", [b'{"s": "' + b"A" * 300 + b'\\"}', b'{"s": ["' + b"A" * 300])
def test_a_long_string_that_does_not_end_is_not_an_object(body: bytes) -> None:
    with pytest.raises(NotAnObject):
        edit(body, {"modalities": MODALITIES})
