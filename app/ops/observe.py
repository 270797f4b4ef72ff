"""`Observe`, the outermost of the app's ASGI middlewares (inside it CORS when origins are
allowed, then `ErrorAnswers`: see `app.main.create_app`). For each HTTP request it picks the id
(the client's `X-Request-Id` when it looks like one, else a new one) and returns it on the
answer; handlers and the relay note what they know (`Note`, in the scope's `state`); when the
answer is done it counts it in `Metrics` and builds its JSON line for `app.ops.access_log`.
With tracing on (`app.ops.tracing`), it starts the request's spans (`scope["state"]["trace"]`)
and ends them, and the log line carries the trace id."""

import os
import re
import time
from typing import TYPE_CHECKING

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops.access_log import AccessLog
from app.ops.metrics import Metrics, Note
from app.ops.usage_metrics import log_fields

if TYPE_CHECKING:  # the OpenTelemetry SDK is imported only when tracing is on
    from app.ops.spans import RequestTrace, Tracing

HEADER = b"x-request-id"
# What a client may choose: enough for UUIDs and trace ids, nothing that could forge a log line.
CLIENT_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# Asked every few seconds by the image's HEALTHCHECK and the Kubernetes probes: counted, but
# logged only when PROXY_LOG_PROBES is set, so that a container's log shows its requests.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})
# Of the model as a request named it (a video id carries one of up to ~750): more than any
# catalog id, and a bound on what a forged one adds to each line.
LOGGED_MODEL_CHARS = 200


class Observe:
    """ASGI middleware: the request id, and the counting and logging of every HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        access_log: AccessLog | None,
        log_probes: bool = False,
        tracing: "Tracing | None" = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log  # None: no per-request lines
        self.log_probes = log_probes  # False: no lines for PROBE_PATHS
        self.tracing = tracing  # None: no spans (tracing off costs this one test a request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = client_id(scope["headers"]) or os.urandom(16).hex().encode()
        note = Note(request_id.decode())
        state = scope.setdefault("state", {})
        state["note"] = note
        trace: RequestTrace | None = None
        if self.tracing is not None:
            trace = state["trace"] = self.tracing.start(scope, note)
            note.traced = True

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message["headers"] = [*kept, (HEADER, request_id)]
                note.status = message["status"]
                if note.stream:
                    self.metrics.streams_in_flight.inc()
            elif body := message.get("body"):
                if not note.bytes_out:
                    note.first_byte_seconds = time.perf_counter() - note.started
                note.bytes_out += len(body)
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            if note.stream and note.status:
                self.metrics.streams_in_flight.dec()
            self.metrics.count(note)
            if trace is not None:
                route = scope.get("route")
                trace.finish(getattr(route, "path", None), self.metrics.model_label)
            if self.access_log is not None and (
                self.log_probes or scope["path"] not in PROBE_PATHS
            ):
                self.access_log.add(_log_line(note, scope, trace))


def _log_line(note: Note, scope: Scope, trace: "RequestTrace | None") -> bytes:
    # Spelled out rather than dataclasses.asdict, which costs 8 us a request.
    line = {
        "request_id": note.request_id,
        "method": scope["method"],
        "path": scope["path"],  # without the query string, which may hold anything
        "route": note.route,
        "model": note.model[:LOGGED_MODEL_CHARS],
        "decision": note.decision,
        "dropped": note.dropped,
        "assembled": note.assembled,
        "status": note.status,
        "stream": note.stream,
        "seconds": round(time.perf_counter() - note.started, 6),
        "upstream_seconds": note.upstream_seconds,
        "first_byte_seconds": note.first_byte_seconds,
        "bytes_out": note.bytes_out,
        "failure": note.failure,
        "retried": note.retried,
        **log_fields(note.answer, note.first_token_seconds),
    }
    if trace is not None:
        line["trace_id"] = trace.trace_id
    return orjson.dumps(line)


def client_id(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The client's `X-Request-Id`, if it sent one that is safe to log and forward."""
    for name, value in headers:
        if name == HEADER and CLIENT_ID.fullmatch(value):
            return value
    return None
