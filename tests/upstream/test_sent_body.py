"""What aiohttp is given to send a request body: big ones in pieces, never joined whole."""

import asyncio

import pytest

from app.upstream.sent_body import UNJOINED_BODY_BYTES, Content, for_aiohttp

BIG = b"x" * (UNJOINED_BODY_BYTES * 3)


def writes(content: Content) -> list[bytes]:
    data, size = for_aiohttp(content)
    assert not isinstance(data, bytes)

    async def collect() -> list[bytes]:
        return [bytes(piece) async for piece in data]

    written = asyncio.run(collect())
    assert sum(len(piece) for piece in written) == size
    return written


def test_a_small_body_goes_as_one_bytes_object() -> None:
    body = b'{"a": 1}'
    assert for_aiohttp(body) == (body, 8)
    assert for_aiohttp(body)[0] is body
    assert for_aiohttp((b"{", memoryview(b'"a": 1}'))) == (body, 8)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (BIG, [BIG[:UNJOINED_BODY_BYTES], BIG[UNJOINED_BODY_BYTES:]]),
        (
            (b'{"a":', memoryview(BIG), b',"b":1}'),
            [b'{"a":' + BIG[:UNJOINED_BODY_BYTES], BIG[UNJOINED_BODY_BYTES:], b',"b":1}'],
        ),
        (
            (memoryview(BIG), b",", memoryview(BIG)),
            [
                BIG[:UNJOINED_BODY_BYTES],
                BIG[UNJOINED_BODY_BYTES:],
                b"," + BIG[:UNJOINED_BODY_BYTES],
                BIG[UNJOINED_BODY_BYTES:],
            ],
        ),
    ],
)
def test_a_big_body_is_written_in_pieces(content: Content, expected: list[bytes]) -> None:
    """Small pieces together, the first write short (it goes with the headers), nothing lost."""
    assert writes(content) == expected
