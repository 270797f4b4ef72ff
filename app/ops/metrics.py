"""What the proxy tells its operators: request ids, Prometheus metrics and one log line per request.

`Observe` is the one ASGI middleware. For each HTTP request it picks the id (the client's
`X-Request-Id` when it looks like one, else a new one) and returns it on the answer; handlers and
the relay note what they know (`Note`, in `request.state.note`); when the answer is done it
counts it in `Metrics` and logs it as one JSON line (`app.ops.access_log`).
"""

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import orjson
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.catalog.records import Catalog
from app.ops.access_log import AccessLog

HEADER = b"x-request-id"
# What a client may choose: enough for UUIDs and trace ids, nothing that could forge a log line.
CLIENT_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
# Asked every few seconds by the image's HEALTHCHECK and the Kubernetes probes: counted, but
# logged only when PROXY_LOG_PROBES is set, so that a container's log shows its requests.
PROBE_PATHS = frozenset({"/healthz", "/readyz"})


@dataclass
class Note:
    """What is known of one request, filled in as it is served."""

    request_id: str
    route: str = "other"  # chat, responses, models, model, images, forward, probe
    model: str = ""
    decision: str = ""  # the policy's action, for chat
    dropped: str = ""  # the parameters removed before forwarding, comma-separated
    assembled: bool = False  # a non-streamed answer assembled from an upstream stream (audio)
    status: int = 0
    stream: bool = False
    upstream_seconds: float | None = None  # until upstream's response headers
    first_byte_seconds: float | None = None  # until the first body byte went to the client
    bytes_out: int = 0
    failure: str = ""  # why an answer already under way was cut short
    retried: str = ""  # why the request was sent upstream a second time
    started: float = field(default_factory=time.perf_counter)


class Metrics:
    """The process's Prometheus metrics, in a registry of its own (no global state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.catalog = CatalogCollector()
        labels = ["route", "model", "status", "decision"]
        self.requests = Counter(
            "modality_proxy_requests", "Requests answered.", labels, registry=self.registry
        )
        self.upstream_seconds = Histogram(
            "modality_proxy_upstream_seconds",
            "Time from sending a request upstream to its response headers.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stream_first_byte_seconds = Histogram(
            "modality_proxy_stream_first_byte_seconds",
            "Time from a streamed request's arrival to its first byte to the client.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.cut_short = Counter(
            "modality_proxy_answers_cut_short",
            "Answers that upstream broke off after they had started, by failure.",
            ["route", "failure"],
            registry=self.registry,
        )
        self.streams_in_flight = Gauge(
            "modality_proxy_streams_in_flight", "SSE streams being relayed.", registry=self.registry
        )
        self.registry.register(self.catalog)

    def count(self, note: Note) -> None:
        self.requests.labels(note.route, note.model, str(note.status), note.decision).inc()
        if note.upstream_seconds is not None:
            self.upstream_seconds.labels(note.route).observe(note.upstream_seconds)
        if note.stream and note.first_byte_seconds is not None:
            self.stream_first_byte_seconds.observe(note.first_byte_seconds)
        if note.failure:
            self.cut_short.labels(note.route, note.failure).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class CatalogSource(Protocol):
    """What the catalog metrics read: the current catalog and the refresh failures so far."""

    current: Catalog | None
    refresh_failures: int


class CatalogCollector(Collector):
    """Catalog size, age and refresh failures, read from `source` (the refresher, once the
    app's lifespan has made one) when scraped."""

    def __init__(self) -> None:
        self.source: CatalogSource | None = None

    def collect(self) -> Iterator[Metric]:
        if self.source is None:
            return
        catalog = self.source.current
        size = GaugeMetricFamily("modality_proxy_catalog_models", "Models in the catalog.")
        age = GaugeMetricFamily("modality_proxy_catalog_age_seconds", "Age of the catalog.")
        if catalog is not None:
            size.add_metric([], len(catalog.models))
            age.add_metric([], time.time() - catalog.loaded_at)
        failures = CounterMetricFamily(
            "modality_proxy_catalog_refresh_failures", "Catalog refreshes that failed."
        )
        failures.add_metric([], self.source.refresh_failures)
        yield from (size, age, failures)


class Observe:
    """ASGI middleware: the request id, and the counting and logging of every HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        metrics: Metrics,
        access_log: AccessLog | None,
        log_probes: bool = False,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log  # None: no per-request lines
        self.log_probes = log_probes  # False: no lines for PROBE_PATHS

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = client_id(scope["headers"]) or os.urandom(16).hex().encode()
        note = Note(request_id.decode())
        scope.setdefault("state", {})["note"] = note

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
            if self.access_log is not None and (
                self.log_probes or scope["path"] not in PROBE_PATHS
            ):
                self.access_log.add(_log_line(note, scope))


def _log_line(note: Note, scope: Scope) -> bytes:
    # Spelled out rather than dataclasses.asdict, which costs 8 us a request.
    line = {
        "request_id": note.request_id,
        "method": scope["method"],
        "path": scope["path"],  # without the query string, which may hold anything
        "route": note.route,
        "model": note.model,
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
    }
    return orjson.dumps(line)


def client_id(headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The client's `X-Request-Id`, if it sent one that is safe to log and forward."""
    for name, value in headers:
        if name == HEADER and CLIENT_ID.fullmatch(value):
            return value
    return None
