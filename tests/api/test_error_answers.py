"""The one place where errors become answers: each kind of error, and an error raised too late."""

import orjson
import pytest
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.error_answers import ErrorAnswers, answer_for
from app.errors import ClientError, UpstreamTimeout
from app.ops.metrics import Note

SCOPE = {"type": "http", "method": "POST", "path": "/v1/chat/completions"}


@pytest.mark.parametrize(
    ("error", "status", "code", "headers"),
    [
        (ClientError("bad", "invalid_json"), 400, "invalid_json", {}),
        (UpstreamTimeout("slow"), 504, "upstream_timeout", {}),
        (HTTPException(404), 404, "not_found", {}),
        (
            HTTPException(405, headers={"Allow": "GET, HEAD"}),
            405,
            "http_error",
            {b"allow": b"GET, HEAD"},
        ),
        (RuntimeError("a bug"), 500, "internal_error", {}),
    ],
)
def test_each_error_is_an_openai_format_answer(
    error: Exception, status: int, code: str, headers: dict[bytes, bytes]
) -> None:
    answer = answer_for(error, SCOPE)
    assert answer.status_code == status
    assert orjson.loads(answer.body)["error"]["code"] == code
    assert headers.items() <= dict(answer.raw_headers).items()
    assert b"a bug" not in answer.body


def test_an_unexpected_error_is_logged_with_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    answer_for(RuntimeError("a bug"), SCOPE)
    assert "unexpected error on POST /v1/chat/completions" in caplog.text
    assert "RuntimeError: a bug" in caplog.text


def test_a_client_that_left_while_its_body_arrived_is_499_for_the_log() -> None:
    assert answer_for(ClientDisconnect(), SCOPE).status_code == 499


def failing_after(started: bool) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if started:
            scope["state"]["note"].status = 200  # what Observe notes of a started answer
        raise ClientError("bad", "invalid_json")

    return app


@pytest.mark.anyio
async def test_an_error_before_the_answer_starts_is_answered() -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {**SCOPE, "state": {"note": Note("r")}}
    await ErrorAnswers(failing_after(started=False))(scope, receive_nothing, send)
    assert sent[0]["status"] == 400


@pytest.mark.anyio
async def test_an_error_once_the_answer_started_goes_on_to_the_server() -> None:
    async def send(message: Message) -> None:
        raise AssertionError("nothing more can be answered")

    scope = {**SCOPE, "state": {"note": Note("r")}}
    with pytest.raises(ClientError):
        await ErrorAnswers(failing_after(started=True))(scope, receive_nothing, send)


async def receive_nothing() -> Message:
    raise AssertionError("not read")
