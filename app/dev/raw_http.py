"""Raw HTTP on a loopback socket: for requests no HTTP client library would send."""

import contextlib
import socket
from collections.abc import Iterable, Iterator
from typing import BinaryIO
from urllib.parse import urlsplit

DEADLINE = 10.0  # seconds any one socket operation may take


def connect(url: str) -> socket.socket:
    """A socket connected to the server at `url` ("http://127.0.0.1:PORT")."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=DEADLINE)
    sock.settimeout(DEADLINE)
    return sock


def read_until_closed(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (or resets it)."""
    received = []
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            received.append(chunk)
    return b"".join(received)


def exchange(url: str, *pieces: bytes) -> bytes:
    """Send `pieces` on a new connection, then read until the server closes it."""
    with connect(url) as sock:
        # The server may refuse before reading everything: its answer is what counts.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for piece in pieces:
                sock.sendall(piece)
        return read_until_closed(sock)


def status_of(answer: bytes) -> int:
    """The status code of a raw HTTP answer (0 when there is none)."""
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 and line[0].startswith(b"HTTP/") else 0


def body_of(answer: bytes) -> bytes:
    return answer.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in answer else b""


def pipelined(url: str, requests: Iterable[bytes], depth: int = 64) -> Iterator[int]:
    """The status of the answer to each of `requests` (whole HTTP/1.1 requests that keep the
    connection alive), sent on one connection `depth` at a time before their answers are read:
    thousands of requests a second at little client CPU. Every answer must carry its
    Content-Length, as the proxy's own do; 0 for each answer missing once the server closes."""
    with connect(url) as sock, sock.makefile("rb") as answers:
        batch: list[bytes] = []
        for request in requests:
            batch.append(request)
            if len(batch) == depth:
                yield from _exchanged(sock, answers, batch)
                batch = []
        yield from _exchanged(sock, answers, batch)


def _exchanged(sock: socket.socket, answers: BinaryIO, batch: list[bytes]) -> Iterator[int]:
    sock.sendall(b"".join(batch))
    for _ in batch:
        status = status_of(answers.readline())
        length = 0
        while (line := answers.readline()).strip():
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        answers.read(length)
        yield status
