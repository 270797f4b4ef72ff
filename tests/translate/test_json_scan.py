"""Finding a JSON object's top-level members and a value's end in its bytes. Bodies that are not
an object, and long strings with escapes, are tested through `edit` (test_json_patch.py)."""

import pytest

from app.translate.json_scan import NotAnObject, first_item, members, value_end


def test_members_span_the_key_and_value() -> None:
    body = b'{ "a" : "x" ,"b":[1]}'
    assert [(m.key, body[m.start : m.end], body[m.value : m.end]) for m in members(body)[0]] == [
        ("a", b'"a" : "x"', b'"x"'),
        ("b", b'"b":[1]', b"[1]"),
    ]


def test_members_decode_keys_list_duplicates_and_find_the_closing_brace() -> None:
    body = b'{"mod\\u0061lities":1,"a":2,"a":3} '
    found, close = members(body)
    assert [member.key for member in found] == ["modalities", "a", "a"]
    assert close == len(body) - 2


@pytest.mark.parametrize(
    ("value", "end"),
    [
        (b'"a\\"]" ,', 6),  # a string: an escaped quote and a bracket inside do not end it
        (b'[1, {"b": "]"}] ', 15),  # brackets counted, strings skipped
        (b"-1.5e3,", 6),  # a number: up to the first byte that cannot be in it
        (b"true", 4),  # nothing follows: the end of the bytes
    ],
)
def test_value_end(value: bytes, end: int) -> None:
    assert value_end(b"x" + value, 1) == 1 + end


@pytest.mark.parametrize("value", [b'"abc', b"[1, 2", b",", b""])
def test_a_value_that_does_not_end_is_not_an_object(value: bytes) -> None:
    with pytest.raises(NotAnObject):
        value_end(b"x" + value, 1)


@pytest.mark.parametrize(
    ("held", "first"),
    [
        (b'{"data":[1', 9),
        (b' { "a" : "\\"data\\"" , "data" : [ \n{', 34),
        (b'{"a":{"data":[1]},"data":[2', 26),
        (b'{"data":[', None),  # the first item is not here yet
        (b'{"data":[]}', None),  # empty: the whole answer says so
        (b'{"data":null}', None),
        (b'{"d\\u0061ta":[1]}', None),  # an escaped key: the whole answer converts it
        (b'{"a":1 "data":[1]}', None),
        (b"[1]", None),
    ],
)
def test_first_item_of_the_data_array(held: bytes, first: int | None) -> None:
    assert first_item(held, b'"data"') == first
