"""Fake OpenRouter (``/api/v1``) for tests and the demo: a Starlette app to run under uvicorn.

It reproduces the OpenRouter behaviour recorded in ``docs/openrouter.md`` that the
proxy depends on: the catalog's output-modality filter and pagination, chat's output-modality
routing with the captured 404 body (an exact match, or with ``subsets_served`` any subset),
OpenRouter's error envelope, and SSE streaming with keep-alive comments and mid-stream errors.
Special ``test/*`` model ids (not listed in the catalog, ``app.dev.emulator.catalog``) trigger
failure modes:
``test/error-429``, ``test/error-402``, ``test/slow``, ``test/stream-slow`` (pauses after its
first chunk), ``test/stream-forever``, ``test/stream-stall``, ``test/stream-error``,
``test/audio-error`` (an audio model that fails mid-stream), and ``test/reset``,
``test/stream-reset`` and ``test/audio-reset`` (the connection dropped mid-answer). Audio models
answer audio only streamed (see ``app.dev.emulator.audio``); tools sent to a model whose
``supported_parameters`` lack ``tools`` get OpenRouter's 404. The Images API and the Responses
API are in ``app.dev.emulator.images`` and ``app.dev.emulator.responses``, the
Anthropic-compatible Messages API in ``app.dev.emulator.messages``.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.dev.emulator.answers import PNG_B64
from app.dev.emulator.catalog import load_catalog, models_by_id
from app.dev.emulator.chat import FakeChat
from app.dev.emulator.embeddings import FakeEmbeddingsApi
from app.dev.emulator.images import FakeImagesApi
from app.dev.emulator.listing import listed, paged
from app.dev.emulator.messages import FakeMessagesApi
from app.dev.emulator.responses import FakeResponsesApi
from app.dev.emulator.routing import error
from app.dev.emulator.speech import FakeAudioApi
from app.dev.emulator.usage import UsageLedger
from app.dev.emulator.videos import FakeVideosApi

ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class ReceivedRequest:
    """One request as the fake received it; header names are lower-cased."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class FakeOpenRouter:
    """State and behaviour of the fake; ``.app`` is the Starlette app, routes under /api/v1.

    Tests may read ``requests`` (every request received, in order, recorded before handling),
    ``stream_cancelled`` (set when a streamed body is closed before it finished, i.e. the
    client went away) and ``request_abandoned`` (set when a ``test/slow`` client went away
    before the answer), and set ``catalog_down`` (every GET /models answers 500),
    ``catalog_garbage`` (bytes every GET /models answers with a 200),
    ``fail_models_queries`` (``output_modalities`` values, "" for
    none, for which GET /models answers 500) and ``page_size`` (forces GET /models to paginate
    with that many items per page, so clients must follow ``links.next``).
    """

    def __init__(self, models: list[dict[str, Any]] | None = None) -> None:
        self.models = load_catalog() if models is None else models
        self._by_id = models_by_id(self.models)
        self.requests: list[ReceivedRequest] = []
        self.stream_cancelled = threading.Event()
        self.fail_models_queries: set[str] = set()
        self.catalog_down = False  # every GET /models answers 500
        self.chat_without_images = False  # image models answer chat with text alone
        # Chat and Responses route a request to a model whose outputs include every requested
        # one (reports of 2026-06 and 2026-09), not only to one whose outputs equal them (the
        # seed's observation, the default).
        self.subsets_served = False
        self.lookup_misses: set[str] = set()  # ids GET /model/{author}/{slug} answers 404 to
        self.wrong_endpoint_as_400 = False  # chat refuses Images-API-only models with the 400
        self.down_models: set[str] = set()  # chat answers 503 for these
        self.catalog_garbage: bytes | None = None  # when set, every GET /models answers it, 200
        self.page_size: int | None = None
        # The usage chunk's shape (see answers.usage_chunk): "stop", "null" or "empty".
        self.usage_chunk = "stop"
        # The usage answers carry (fixed, or `usage.from_input`), and every one sent (`usage.sent`).
        self.usage = UsageLedger()
        # `test/slow`'s wait and `test/stream-slow`'s pause; tests set shorter proxy timeouts
        self.slow_seconds = 1.0
        self.request_abandoned = threading.Event()  # set when a `test/slow` client left early
        self.images = FakeImagesApi(self.models, PNG_B64, self.usage)
        self.responses = FakeResponsesApi(
            self.lookup, PNG_B64, lambda: self.subsets_served, self.usage
        )
        self.chat = FakeChat(self)
        self.audio = FakeAudioApi(self.lookup, self.usage)
        self.embeddings = FakeEmbeddingsApi(self.models, self.lookup, self.usage)
        self.messages = FakeMessagesApi(self.lookup)
        self.videos = FakeVideosApi(self.models)
        self.app = Starlette(
            routes=[
                Route("/api/v1/models", self._recorded(self.list_models), methods=["GET"]),
                Route(
                    "/api/v1/chat/completions", self._recorded(self.chat.answer), methods=["POST"]
                ),
                Route("/api/v1/images/models", self._recorded(self.images.list_models)),
                Route("/api/v1/model/{rest:path}", self._recorded(self.get_model)),
                Route("/api/v1/images", self._recorded(self.images.generate), methods=["POST"]),
                Route("/api/v1/responses", self._recorded(self.responses.create), methods=["POST"]),
                Route("/api/v1/messages", self._recorded(self.messages.create), methods=["POST"]),
                *self._audio_and_embeddings_routes(),
                *self.videos.routes(self._recorded),
                Route("/api/v1/{rest:path}", self._recorded(self.echo), methods=ALL_METHODS),
                # Recorded too, so a request sent to a wrong path shows up in `requests`.
                Route("/{rest:path}", self._recorded(self.not_found), methods=ALL_METHODS),
            ]
        )

    def _audio_and_embeddings_routes(self) -> list[Route]:
        """Return the routes of the audio and embeddings APIs."""
        return [
            Route("/api/v1/audio/speech", self._recorded(self.audio.speech), methods=["POST"]),
            Route(
                "/api/v1/audio/transcriptions",
                self._recorded(self.audio.transcriptions),
                methods=["POST"],
            ),
            Route("/api/v1/embeddings", self._recorded(self.embeddings.create), methods=["POST"]),
            Route("/api/v1/embeddings/models", self._recorded(self.embeddings.list_models)),
        ]

    def add_model(self, model: dict[str, Any], listed: bool = True) -> None:
        """Serve `model` from now on, as a model added upstream after a client's last refresh;
        unless `listed`, GET /models never shows it (only chat and GET /model/... know it)."""
        if listed:
            self.models.append(model)
        self._by_id[model["id"]] = model

    def _recorded(self, handler: Handler) -> Handler:
        """Return `handler`, each request recorded in ``requests`` before it is handled."""

        async def endpoint(request: Request) -> Response:
            url, body = request.url, await request.body()
            headers = dict(request.headers)  # Starlette already lower-cases the names
            self.requests.append(
                ReceivedRequest(request.method, url.path, url.query, headers, body)
            )
            return await handler(request)

        return endpoint

    def lookup(self, model_id: str) -> dict[str, Any] | None:
        """Return the model `model_id` names, or None, resolved as OpenRouter does.

        The exact id, else the id before a ``:variant`` suffix; a ``~`` alias then resolves to
        the model named by its ``alias_target.slug`` when known."""
        model = self._by_id.get(model_id) or self._by_id.get(model_id.partition(":")[0])
        if model is not None and "alias_target" in model:
            model = self._by_id.get(model["alias_target"]["slug"], model)
        return model

    async def list_models(self, request: Request) -> Response:
        """Answer GET /models, filtered by ``output_modalities``, paged by offset, limit and
        ``page_size``."""
        query = request.query_params
        wanted = query.get("output_modalities")
        if self.catalog_down or (wanted or "") in self.fail_models_queries:
            return error(500, "Internal Server Error")
        if self.catalog_garbage is not None:
            return Response(self.catalog_garbage, media_type="application/json")
        return paged([m for m in self.models if listed(m, wanted)], request, self.page_size)

    async def get_model(self, request: Request) -> Response:
        """Answer GET /model/{author}/{slug} with one model, aliases and variants resolved.

        A 404 for the ids in ``lookup_misses``, as for a model upstream does not know."""
        model_id = request.path_params["rest"]
        model = None if model_id in self.lookup_misses else self.lookup(model_id)
        if model is None:
            return error(404, f"Model {request.path_params['rest']} not found")
        return JSONResponse({"data": model})

    async def echo(self, request: Request) -> Response:
        """Answer any other /api/v1 path with a 200 echo of what arrived (passthrough checks)."""
        body = (await request.body()).decode("utf-8", "replace")
        echo = {"method": request.method, "path": request.url.path, "query": request.url.query}
        return JSONResponse({"echo": {**echo, "body": body}})

    async def not_found(self, request: Request) -> Response:
        """Answer 404 outside /api/v1: nothing exists there."""
        return error(404, f"Not found: {request.url.path}")
