"""The plainest relay each stack allows, for comparing stacks (`python -m bench.choices`).

`app_from_env()` builds an ASGI app that forwards `POST /v1/chat/completions` with its body to
`$BENCH_UPSTREAM/chat/completions` and streams the answer back; nothing else. The HTTP client
(`$BENCH_CLIENT`) and framework (`$BENCH_FRAMEWORK`) vary, so that the stacks are compared and
not the proxy's own work. Run it with `uvicorn --factory` or `granian --factory`.
"""

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import httpx
import httpx2
from httpx_aiohttp import AiohttpTransport
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

Relay = Callable[[bytes], Awaitable[Response]]
HEADERS = {"Authorization": "Bearer bench", "Content-Type": "application/json"}
CLIENTS = ("aiohttp", "httpx2", "httpx2-http2", "httpx-aiohttp")
FRAMEWORKS = ("starlette", "fastapi", "none")  # none: a bare ASGI app (aiohttp only)


def aiohttp_relay(url: str) -> Relay:
    session: list[aiohttp.ClientSession] = []

    async def relay(body: bytes) -> Response:
        if not session:
            session.append(aiohttp.ClientSession(auto_decompress=False))
        answer = await session[0].post(url, data=body, headers=HEADERS)

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in answer.content.iter_any():
                yield chunk
            answer.release()

        return StreamingResponse(chunks(), answer.status, media_type="application/json")

    return relay


def httpx_relay(url: str, make: Callable[[], httpx.AsyncClient | httpx2.AsyncClient]) -> Relay:
    client: list[httpx.AsyncClient | httpx2.AsyncClient] = []

    async def relay(body: bytes) -> Response:
        if not client:
            client.append(make())
        request = client[0].build_request("POST", url, content=body, headers=HEADERS)
        answer: Any = await client[0].send(request, stream=True)  # type: ignore[arg-type]

        async def chunks() -> AsyncIterator[bytes]:
            async for chunk in answer.aiter_raw():
                yield chunk
            await answer.aclose()

        return StreamingResponse(chunks(), answer.status_code, media_type="application/json")

    return relay


def relay_for(client: str, upstream: str) -> Relay:
    url = f"{upstream}/chat/completions"
    limits = {"max_connections": 1000, "max_keepalive_connections": 1000}
    makers: dict[str, Callable[[], httpx.AsyncClient | httpx2.AsyncClient]] = {
        "httpx2": lambda: httpx2.AsyncClient(limits=httpx2.Limits(**limits)),
        "httpx2-http2": lambda: httpx2.AsyncClient(
            http1=False, http2=True, limits=httpx2.Limits(**limits)
        ),
        "httpx-aiohttp": lambda: httpx.AsyncClient(transport=AiohttpTransport()),
    }
    return aiohttp_relay(url) if client == "aiohttp" else httpx_relay(url, makers[client])


def bare_aiohttp_app(upstream: str) -> ASGIApp:
    """The floor of the proxy's stack: uvicorn and aiohttp with no framework between them, the
    answer relayed piece by piece (the last one ends it)."""
    url = f"{upstream}/chat/completions"
    session: list[aiohttp.ClientSession] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # no lifespan
        if scope["path"] == "/readyz":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        if not session:
            session.append(aiohttp.ClientSession(auto_decompress=False))
        answer = await session[0].post(url, data=body, headers=HEADERS)
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        ended = False
        async for piece in answer.content.iter_any():
            ended = answer.content.at_eof()
            await send({"type": "http.response.body", "body": piece, "more_body": not ended})
        if not ended:
            await send({"type": "http.response.body", "body": b""})
        answer.release()

    return app


def app_for(client: str, framework: str, upstream: str) -> ASGIApp:
    if framework == "none":
        return bare_aiohttp_app(upstream)
    relay = relay_for(client, upstream)

    async def chat(request: Request) -> Response:
        return await relay(await request.body())

    async def ready(request: Request) -> Response:
        return Response()

    if framework == "starlette":
        return Starlette(
            routes=[
                Route("/v1/chat/completions", chat, methods=["POST"]),
                Route("/readyz", ready),
            ]
        )
    from fastapi import FastAPI  # only this variant needs it

    app = FastAPI(openapi_url=None)
    app.add_api_route("/v1/chat/completions", chat, methods=["POST"])
    app.add_api_route("/readyz", ready)
    return app


def app_from_env() -> ASGIApp:
    return app_for(
        os.environ["BENCH_CLIENT"], os.environ["BENCH_FRAMEWORK"], os.environ["BENCH_UPSTREAM"]
    )
