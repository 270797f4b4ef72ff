"""Raw HTTP on a loopback socket: for requests no HTTP client library would send."""

import contextlib
import socket
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
