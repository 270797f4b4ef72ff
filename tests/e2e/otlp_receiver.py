"""An OTLP/HTTP receiver on 127.0.0.1 for the tracing tests: it decodes each export with the
official `opentelemetry-proto` messages and keeps the spans (and the histograms' points), as a
collector would see them."""

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span

KINDS = {Span.SPAN_KIND_SERVER: "server", Span.SPAN_KIND_CLIENT: "client"}


@dataclass(frozen=True)
class Received:
    """One span as exported: ids in hex, its kind, its attributes as Python values, and the
    resource's."""

    name: str
    trace_id: str
    span_id: str
    parent_span_id: str
    kind: str
    attributes: dict[str, object]
    resource: dict[str, object]
    error: bool


@dataclass(frozen=True)
class Point:
    """One point of a histogram as exported: its metric's name and unit, its attributes, and
    how many values it counts and their sum."""

    metric: str
    unit: str
    attributes: dict[str, object]
    count: int
    sum: float


class Receiver:
    """The spans and histogram points received so far, and the paths they were posted to."""

    def __init__(self) -> None:
        self.spans: list[Received] = []
        self.points: list[Point] = []
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def take(self, path: str, body: bytes) -> bytes:
        """Keep what an export to `path` holds; the answer's body."""
        answer: ExportMetricsServiceResponse | ExportTraceServiceResponse
        if path == "/v1/metrics":
            self._take_metrics(body)
            answer = ExportMetricsServiceResponse()
        else:
            self._take_spans(path, body)
            answer = ExportTraceServiceResponse()
        serialized: bytes = answer.SerializeToString()
        return serialized

    def _take_metrics(self, body: bytes) -> None:
        request = ExportMetricsServiceRequest.FromString(body)
        points = [
            Point(metric.name, metric.unit, _values(point.attributes), point.count, point.sum)
            for resource in request.resource_metrics
            for scope in resource.scope_metrics
            for metric in scope.metrics
            for point in metric.histogram.data_points
        ]
        with self.lock:
            self.paths.append("/v1/metrics")
            self.points.extend(points)

    def _take_spans(self, path: str, body: bytes) -> None:
        request = ExportTraceServiceRequest.FromString(body)
        spans = [
            _received(span, _values(resource.resource.attributes))
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        ]
        with self.lock:
            self.paths.append(path)
            self.spans.extend(spans)

    def named(self, name: str) -> list[Received]:
        with self.lock:
            return [span for span in self.spans if span.name == name]


def _value(value: AnyValue) -> object:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    return getattr(value, kind) if kind else None


def _values(attributes: object) -> dict[str, object]:
    return {item.key: _value(item.value) for item in attributes}  # type: ignore[attr-defined]


def _received(span: Span, resource: dict[str, object]) -> Received:
    return Received(
        span.name,
        span.trace_id.hex(),
        span.span_id.hex(),
        span.parent_span_id.hex(),
        KINDS.get(span.kind, str(span.kind)),
        _values(span.attributes),
        resource,
        span.status.code == span.status.STATUS_CODE_ERROR,
    )


@contextmanager
def otlp_receiver() -> Iterator[tuple[str, Receiver]]:
    """A receiver on a free loopback port: its base URL (for OTEL_EXPORTER_OTLP_ENDPOINT) and
    what it received."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            answer = receiver.take(self.path, body)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: object) -> None:
            pass  # the test's output stays the test's

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
