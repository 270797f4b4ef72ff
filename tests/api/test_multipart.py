"""Multipart forms written again for upstream: what a parser reads back, and the length said."""

import io
from collections.abc import AsyncGenerator, AsyncIterator

import pytest
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartParser

from app.api.multipart import CHUNK, encode

pytestmark = pytest.mark.anyio


def upload(data: bytes, filename: str, content_type: str | None) -> UploadFile:
    headers = Headers({"content-type": content_type} if content_type else {})
    return UploadFile(io.BytesIO(data), size=len(data), filename=filename, headers=headers)


async def joined(chunks: AsyncIterator[bytes]) -> bytes:
    return b"".join([chunk async for chunk in chunks])


@pytest.mark.parametrize("size", [0, 10, 3 * CHUNK + 7])
@pytest.mark.parametrize(
    ("filename", "content_type"),
    [("hello.wav", "audio/wav"), ('say "hi"\n.mp3', None), ("grüße.flac", "audio/flac")],
)
async def test_a_parser_reads_back_what_was_encoded(
    size: int, filename: str, content_type: str | None
) -> None:
    audio = bytes(range(256)) * (size // 256) + bytes(size % 256)
    fields = [("model", "openai/whisper-1"), ("timestamp_granularities[]", "word")]
    fields.append(("timestamp_granularities[]", "segment"))
    encoded = encode(fields, [("file", upload(audio, filename, content_type))])
    body = await joined(encoded.chunks)
    assert len(body) == encoded.length

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    headers = Headers({"content-type": encoded.content_type})
    form = await MultiPartParser(headers, stream()).parse()
    items = form.multi_items()
    assert [(name, value) for name, value in items if isinstance(value, str)] == fields
    [(name, sent)] = [(name, value) for name, value in items if not isinstance(value, str)]
    assert name == "file"
    assert isinstance(sent, UploadFile)
    assert await sent.read() == audio
    assert sent.content_type == (content_type or "application/octet-stream")
    assert sent.filename == filename.replace('"', "%22").replace("\n", "%0A")
    await form.close()


async def test_each_encoding_has_its_own_boundary() -> None:
    first, second = encode([], []), encode([], [])
    assert first.content_type != second.content_type
    boundary = first.content_type.partition("boundary=")[2]
    assert await joined(first.chunks) == f"--{boundary}--\r\n".encode()
