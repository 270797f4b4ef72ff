"""What the proxy tells its operators about each request: what is known of it (`Note`, filled
in as it is served), and the Prometheus metrics it is counted in (`Metrics`, with the catalog's
gauges). `app.ops.observe` takes the note and counts and logs it."""

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from app.catalog.records import Catalog
from app.ops.labels import DECISIONS, FAILURES, REFUSALS, ROUTES, model_label, named, status_label
from app.ops.limits import Refusal
from app.ops.sums import SummedCounter, SummedHistogram
from app.ops.usage import AnswerFacts
from app.ops.usage_metrics import UsageMetrics

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


@dataclass(slots=True)
class Note:
    """What is known of one request, filled in as it is served."""

    request_id: str
    route: str = "other"  # one of `app.ops.labels.ROUTES`
    model: str = ""  # as the catalog records it, or as the request named it (labelled "unknown")
    decision: str = ""  # the policy's action, for chat
    dropped: str = ""  # the parameters removed before forwarding, comma-separated
    assembled: bool = False  # a non-streamed answer assembled from an upstream stream (audio)
    status: int = 0
    stream: bool = False
    upstream_seconds: float | None = None  # until upstream's response headers
    first_byte_seconds: float | None = None  # until the first body byte went to the client
    first_token_seconds: float | None = None  # of a stream: until upstream's first data event
    bytes_out: int = 0
    failure: str = ""  # why an answer already under way was cut short
    retried: str = ""  # why the request was sent upstream a second time
    modalities_asked: str = ""  # the request's `modalities`, comma-separated: traced ones only
    modalities_sent: str = ""  # what went upstream (the `X-Modalities` value): traced ones only
    fallback: int | None = None  # the place in a `models` list of the model being asked
    answer: AnswerFacts = field(default_factory=AnswerFacts)  # what the answer said of itself
    traced: bool = False  # a span records the request: read all `answer`, not its usage alone
    started: float = field(default_factory=time.perf_counter)


class Metrics:
    """The process's Prometheus metrics, in a registry of its own (no global state)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.catalog = CatalogCollector()
        labels = ["route", "model", "status", "decision"]
        self.requests = SummedCounter(
            "modality_proxy_requests", "Requests answered.", labels, self.registry
        )
        self.upstream_seconds = SummedHistogram(
            "modality_proxy_upstream_seconds",
            "Time from sending a request upstream to its response headers.",
            ["route"],
            LATENCY_BUCKETS,
            self.registry,
        )
        self.stream_first_byte_seconds = SummedHistogram(
            "modality_proxy_stream_first_byte_seconds",
            "Time from a streamed request's arrival to its first byte to the client.",
            [],
            LATENCY_BUCKETS,
            self.registry,
        )
        self.cut_short = Counter(
            "modality_proxy_answers_cut_short",
            "Answers that upstream broke off after they had started, by failure.",
            ["route", "failure"],
            registry=self.registry,
        )
        self.connections_refused = Counter(
            "modality_proxy_connections_refused",
            "Requests refused where they are read, before the app saw them, by error code.",
            ["code"],
            registry=self.registry,
        )
        self.streams_in_flight = Gauge(
            "modality_proxy_streams_in_flight", "SSE streams being relayed.", registry=self.registry
        )
        self.usage = UsageMetrics(self.registry)
        self.registry.register(self.catalog)

    def count(self, note: Note) -> None:
        """Count the request of `note`, each label from its bounded set (`app.ops.labels`)."""
        route = named(note.route, ROUTES)
        model = self.model_label(note.model)
        status, decision = status_label(note.status), named(note.decision, DECISIONS)
        self.requests.sums[route, model, status, decision] += 1
        if note.upstream_seconds is not None:
            self.upstream_seconds.observe((route,), note.upstream_seconds)
        if note.stream and note.first_byte_seconds is not None:
            self.stream_first_byte_seconds.observe((), note.first_byte_seconds)
        if note.failure:
            self.cut_short.labels(route, named(note.failure, FAILURES)).inc()
        seconds = time.perf_counter() - note.started
        self.usage.count(route, model, note.answer, note.first_token_seconds, seconds)

    def model_label(self, model_id: str) -> str:
        """The label of `model_id` in these metrics (`app.ops.labels.model_label`)."""
        source = self.catalog.source
        return model_label(model_id, source.current if source else None)

    def refused(self, code: Refusal) -> None:
        """Count a connection refused before the app saw it (`app.ops.limits`)."""
        self.connections_refused.labels(named(code, REFUSALS)).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class CatalogSource(Protocol):
    """What the catalog metrics read: the current catalog, the refresh failures so far, and how
    many models are asked for all their outputs since upstream refused them a part."""

    current: Catalog | None
    refresh_failures: int

    @property
    def exact_modalities_models(self) -> int: ...


class CatalogCollector(Collector):
    """Catalog size, age and refresh failures, and the models learned to want their exact set
    of outputs, read from `source` (the refresher, once the app's lifespan has made one) when
    scraped."""

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
        exact = GaugeMetricFamily(
            "modality_proxy_models_wanting_exact_modalities",
            "Models that upstream refused a part of their outputs lately, asked for all of them.",
            value=self.source.exact_modalities_models,
        )
        yield from (size, age, failures, exact)
