"""Request ids: every request gets one, it goes upstream with the request and back with the
answer (`X-Request-Id`), so one id follows a request through the client's, the proxy's and
OpenRouter's logs."""

import re
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
# What a client may choose: enough for UUIDs and trace ids, nothing that could forge a log line.
CLIENT_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")


class RequestIds:
    """ASGI middleware: the id is the client's `X-Request-Id` when it looks like one, else a new
    one; handlers find it in `request.state.request_id`, and every answer carries it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = client_id(scope["headers"]) or uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message["headers"] = [*kept, (HEADER, request_id)]
            await send(message)

        await self.app(scope, receive, send_with_id)


def client_id(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The client's `X-Request-Id`, if it sent one that is safe to log and forward."""
    for name, value in headers:
        if name == HEADER and CLIENT_ID.fullmatch(value):
            return value
    return None
