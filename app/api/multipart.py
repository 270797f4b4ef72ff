"""Multipart forms: read as the body arrives within the size limit (files past 1 MiB spooled to
disk by Starlette's parser, never held whole in memory), their memory and spool reserved before
they are read (`app.ops.reservations`), and written again for upstream as chunks of a known
length, the files read back from the spool piece by piece."""

import errno
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from app.api.bodies import limited_stream
from app.api.services import reservations
from app.errors import Busy, ClientError
from app.ops import memory_costs
from app.ops.reservations import RETRY_AFTER_SECONDS

CHUNK = 64 * 1024
FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


@dataclass(frozen=True)
class FormKind:
    """What a route's form may hold: files, text fields and the bytes of each, and the memory
    a form of so many bytes costs (`app.ops.memory_costs`)."""

    max_files: int
    cost: Callable[[int], float] = memory_costs.inlined_form_cost
    max_fields: int = 1000
    max_field_bytes: int | None = None  # None: the body's limit


async def read_form(request: Request, limit: int, kind: FormKind) -> FormData:
    """The request's multipart form, parsed as it arrives within `limit` bytes (413 beyond) and
    the bounds of its `kind`; ClientError (400) for a body that is not such a form. Before its
    bytes are read, the memory they cost (`kind.cost`) and the bytes of the temporary directory
    its files may spool to are reserved for the rest of the request: Busy (503, Retry-After)
    when the budget has no room in time, or when the directory is full all the same. The caller
    closes the form."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        message = f"{request.url.path} takes multipart/form-data, as the OpenAI SDK sends it"
        raise ClientError(message, "invalid_form")
    held = reservations(request)
    covered = 0

    async def cover(size: int) -> None:
        nonlocal covered
        await held.upload(size - covered, kind.cost(size) - kind.cost(covered))
        covered = size

    parser = MultiPartParser(
        request.headers,
        limited_stream(request, limit, cover),
        max_files=kind.max_files,
        max_fields=kind.max_fields,
        max_part_size=kind.max_field_bytes or limit,
    )
    try:
        return await parser.parse()
    except MultiPartException as error:
        message = f"The form could not be read: {error.message}"
        raise ClientError(message, "invalid_form") from None
    except OSError as error:  # the parser has closed (and so deleted) what it spooled
        if error.errno not in FULL:
            raise
        message = "The proxy's temporary directory is full; try again shortly"
        raise Busy(message, "tmp_full", RETRY_AFTER_SECONDS) from None


@dataclass(frozen=True)
class Encoded:
    """A multipart body to send: its Content-Type, its length in bytes, and its chunks."""

    content_type: str
    length: int
    chunks: AsyncIterator[bytes]


def encode(fields: Sequence[tuple[str, str]], files: Sequence[tuple[str, UploadFile]]) -> Encoded:
    """`fields` and then `files` as a multipart/form-data body, in that order."""
    boundary = uuid.uuid4().hex
    heads = [_part_head(boundary, name, None) + value.encode() + b"\r\n" for name, value in fields]
    file_heads = [_part_head(boundary, name, upload) for name, upload in files]
    tail = f"--{boundary}--\r\n".encode()
    length = sum(map(len, [*heads, *file_heads, tail]))
    length += sum((upload.size or 0) + 2 for _, upload in files)

    async def chunks() -> AsyncIterator[bytes]:
        yield b"".join(heads)
        for head, (_, upload) in zip(file_heads, files, strict=True):
            yield head
            await upload.seek(0)
            while piece := await upload.read(CHUNK):
                yield piece
            yield b"\r\n"
        yield tail

    return Encoded(f"multipart/form-data; boundary={boundary}", length, chunks())


def _part_head(boundary: str, name: str, upload: UploadFile | None) -> bytes:
    disposition = f'form-data; name="{_quoted(name)}"'
    head = f"--{boundary}\r\nContent-Disposition: {disposition}"
    if upload is not None:
        kind = upload.content_type or "application/octet-stream"
        head += f'; filename="{_quoted(upload.filename or name)}"\r\nContent-Type: {kind}'
    return f"{head}\r\n\r\n".encode()


def _quoted(value: str) -> str:
    """A name or file name inside a quoted header parameter, as browsers and httpx escape it."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
