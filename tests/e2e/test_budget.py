"""What a worker holds at once stays within its budget (issue 22, findings 5 and 6), end to end:
the proxy under uvicorn in front of the fake OpenRouter. `tests/e2e/test_container_budget.py`
runs the same hostile loads inside the manifests' limits."""

import errno
import tempfile
import time
from collections.abc import Callable
from typing import IO, Any

import httpx2
import orjson
import pytest

from app.dev import big_bodies, raw_http
from app.dev.emulator import FakeOpenRouter
from tests.conftest import ProxyFactory, sent_to

AUTH = {"Authorization": "Bearer k", "Content-Type": "application/json"}
MIB = 1024 * 1024


def slow_chat(size: int) -> bytes:
    """A chat body of about `size` bytes for `test/slow`, which the fake answers late."""
    message = {"role": "user", "content": "x" * size}
    return orjson.dumps({"model": "test/slow", "messages": [message]})


def wait_for(condition: Callable[[], object], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def once_given_back(url: str, body: bytes, headers: dict[str, str]) -> httpx2.Response:
    """The answer to `body` once it is not a 503: an earlier request gives its bytes back when
    its answer is done, soon after its client has gone."""
    answers: list[httpx2.Response] = []

    def served() -> bool:
        answers.append(httpx2.post(url, content=body, headers=headers))
        return answers[-1].status_code != 503

    wait_for(served, "an earlier request's bytes to be given back")
    return answers[-1]


def test_bodies_beyond_the_memory_budget_wait_then_get_a_503_with_retry_after(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    """One body held (its upstream slow) while another arrives that the budget has no room
    for: the second waits, then is refused; once the first is done, the next is served."""
    fake.slow_seconds = 60.0
    body = slow_chat(MIB)
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer k\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    # Room for one such body (3.2 MiB, and 32 bytes for each of at most 1,000 values), not two.
    budget = {
        "proxy_memory_budget_bytes": 5 * MIB,
        "proxy_max_json_items": 1000,
        "proxy_budget_wait_seconds": 1.0,
    }
    with start_proxy(**budget) as url:
        with raw_http.connect(url) as first:
            first.sendall(head + body)
            wait_for(lambda: sent_to(fake, "chat/completions"), "the first body to go upstream")
            second = httpx2.post(f"{url}/v1/chat/completions", content=body, headers=AUTH)
        wait_for(fake.request_abandoned.is_set, "the first request to end")
        fake.slow_seconds = 0.0
        after = once_given_back(f"{url}/v1/chat/completions", body, AUTH)
    assert second.status_code == 503, second.text
    assert second.headers["retry-after"] == "1"
    assert second.json()["error"]["code"] == "memory_budget_full"
    assert len(sent_to(fake, "chat/completions")) == 2  # the first and the one served after
    assert after.status_code == 200, after.text


class FillingDisk:
    """A temporary file on a disk with `room` bytes left: writes beyond fail with ENOSPC, as
    on a full `/tmp`."""

    def __init__(self, room: int, file: IO[bytes]) -> None:
        self._file = file
        self._room = room

    def write(self, data: bytes) -> int:
        if self._file.tell() + len(data) > self._room:
            raise OSError(errno.ENOSPC, "No space left on device")
        return self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)


@pytest.fixture
def full_tmp(monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads spool to a disk with 2 MiB left (Starlette's parser rolls a file past 1 MiB
    over to `tempfile.TemporaryFile`)."""
    real = tempfile.TemporaryFile
    monkeypatch.setattr(tempfile, "TemporaryFile", lambda *_, **__: FillingDisk(2 * MIB, real()))


@pytest.mark.usefixtures("full_tmp")
def test_an_upload_that_fills_the_temporary_directory_is_a_503_not_a_500(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    upload = big_bodies.transcription(4 * MIB)
    headers = {"Authorization": "Bearer k", "Content-Type": upload.content_type}
    answer = httpx2.post(f"{proxy_url}{upload.path}", content=upload.body, headers=headers)
    assert answer.status_code == 503, answer.text
    assert answer.json()["error"]["code"] == "tmp_full"
    assert answer.headers["retry-after"] == "1"
    assert sent_to(fake, "audio/transcriptions") == []
    small = big_bodies.transcription(64 * 1024)  # spooled in memory: served
    headers["Content-Type"] = small.content_type
    assert httpx2.post(f"{proxy_url}{small.path}", content=small.body, headers=headers).is_success


def test_uploads_beyond_the_tmp_budget_wait_then_get_a_503(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    """One upload held while another arrives that the /tmp budget has no room for."""
    upload = big_bodies.transcription(2 * MIB)
    head = (
        b"POST /v1/audio/transcriptions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer k\r\n"
        b"Expect: 100-continue\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
        % (upload.content_type.encode(), len(upload.body))
    )
    budget = {"proxy_tmp_budget_bytes": 3 * MIB, "proxy_budget_wait_seconds": 1.0}
    headers = {"Authorization": "Bearer k", "Content-Type": upload.content_type}
    with start_proxy(**budget) as url:
        with raw_http.connect(url) as first:
            first.sendall(head)
            # Asked to continue once its handler reads the body: its bytes are reserved then.
            assert first.recv(1024).startswith(b"HTTP/1.1 100 Continue")
            first.sendall(upload.body[: MIB // 2])  # and still arriving
            second = httpx2.post(f"{url}{upload.path}", content=upload.body, headers=headers)
        third = once_given_back(f"{url}{upload.path}", upload.body, headers)
    assert second.status_code == 503, second.text
    assert second.json()["error"]["code"] == "tmp_budget_full"
    assert third.status_code == 200, third.text


@pytest.mark.parametrize("budget_mib", [64, 2])
def test_a_body_of_unknown_length_is_reserved_as_it_comes(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, budget_mib: int
) -> None:
    """Chunked, 3 MiB: reserved a mebibyte ahead as it arrives; in a pool too small for it, it
    runs alone rather than never."""
    body = orjson.dumps({**orjson.loads(big_bodies.chat(3 * MIB).body), "model": "openai/gpt-5"})
    pieces = (body[i : i + 64 * 1024] for i in range(0, len(body), 64 * 1024))
    with start_proxy(proxy_memory_budget_bytes=budget_mib * MIB) as url:
        answer = httpx2.post(f"{url}/v1/chat/completions", content=pieces, headers=AUTH)
    assert answer.status_code == 200, answer.text
    assert len(sent_to(fake, "chat/completions")[0].body) >= 3 * MIB
