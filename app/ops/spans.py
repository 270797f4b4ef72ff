"""The OpenTelemetry SDK at work, imported only when tracing is on (`app.ops.tracing`): the
tracer provider of the app's life with its OTLP/HTTP exporter (`Tracing`), and each request's
spans (`RequestTrace`): the server span, and a client span for each call upstream.

Written here rather than by the ASGI and aiohttp-client instrumentations: those name and fill
spans by HTTP conventions and would still need this module's GenAI attributes, on every chunk
of a relayed stream's `send` (see bench/README.md). Everything the SDK takes from the
environment (`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`,
`OTEL_EXPORTER_OTLP_*`, the batch processor's and the limits' variables) it reads itself; no
global provider is set. No prompt or completion content goes on a span.
"""

from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry import context, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from starlette.types import Scope
from yarl import URL

from app.ops import genai
from app.ops.gen_ai_metrics import Attributes, GenAiMetrics, error_type
from app.ops.metrics import Note

PROPAGATED = (b"traceparent", b"tracestate")
NONE = (None, "")  # values of attributes not set (0 is one: the first of a fallback list)
# Of a model id a client named: as much as the access log keeps (`app.ops.observe`).
MODEL_CHARS = 200


class Tracing:
    """The tracer of the app's life, exporting by OTLP/HTTP in batches from a thread of the
    SDK's; `shutdown` (in the lifespan) exports what is left. With `metrics`, the GenAI client
    metrics too. `exporter` stands in for OTLP's (tests: the SDK's in-memory one)."""

    def __init__(
        self, upstream_base: str, metrics: bool, exporter: SpanExporter | None = None
    ) -> None:
        self.provider = TracerProvider(resource=Resource.create())
        exporter = exporter or OTLPSpanExporter()
        self.provider.add_span_processor(BatchSpanProcessor(exporter))
        self.tracer = self.provider.get_tracer("modality-proxy", schema_url=genai.SCHEMA_URL)
        self.propagator = TraceContextTextMapPropagator()
        url = URL(upstream_base)
        host, port = url.host or "", url.port or 0
        self.server: Attributes = {genai.SERVER_ADDRESS: host, genai.SERVER_PORT: port}
        self.metrics = GenAiMetrics() if metrics else None

    def start(self, scope: Scope, note: Note) -> "RequestTrace":
        """The spans of the request of `scope`, its server span started (a child of the
        client's `traceparent`, when it sent one)."""
        return RequestTrace(self, scope, note)

    def shutdown(self) -> None:
        """Export the spans (and metrics) not exported yet; blocks up to the SDK's timeouts."""
        self.provider.shutdown()
        if self.metrics is not None:
            self.metrics.shutdown()


class RequestTrace:
    """One request's spans. `call` starts a client span for each call upstream (ending the
    previous one: the proxy makes the next call only once done with the last); `finish` ends
    the last and the server span, with what the request's `Note` says of the answer."""

    def __init__(self, tracing: Tracing, scope: Scope, note: Note) -> None:
        self._tracing, self._note, self._method = tracing, note, scope["method"]
        carrier = {
            name.decode(): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in PROPAGATED
        }
        parent = tracing.propagator.extract(carrier)
        attributes = {genai.HTTP_METHOD: scope["method"], genai.REQUEST_ID: note.request_id}
        self.server = tracing.tracer.start_span(
            scope["method"], parent, SpanKind.SERVER, attributes
        )
        self._in_server = trace.set_span_in_context(self.server, context.Context())
        self._call: Span | None = None
        self._calls = 0

    @property
    def trace_id(self) -> str:
        return trace.format_trace_id(self.server.get_span_context().trace_id)

    def call(self) -> dict[str, str]:
        """Start a client span for the call upstream about to go, a child of the server span;
        the headers that carry it (`traceparent`, `tracestate`)."""
        self._end_call()
        note = self._note
        operation, model = genai.operation(note.route), note.model[:MODEL_CHARS]
        attributes: dict[str, Any] = {
            genai.OPERATION: operation,
            genai.PROVIDER: genai.PROVIDER_OPENROUTER,
            genai.ATTEMPT: self._calls,
            **self._tracing.server,
        }
        optional = {
            genai.REQUEST_MODEL: model,
            genai.MODALITIES_SENT: note.modalities_sent,
            genai.RETRIED: note.retried if self._calls else "",
            genai.FALLBACK_POSITION: note.fallback,
        }
        attributes.update((name, value) for name, value in optional.items() if value not in NONE)
        name = f"{operation} {model}" if model else operation
        span = self._tracing.tracer.start_span(name, self._in_server, SpanKind.CLIENT, attributes)
        self._call, self._calls = span, self._calls + 1
        headers: dict[str, str] = {}
        self._tracing.propagator.inject(headers, trace.set_span_in_context(span))
        return headers

    def call_ids(self) -> tuple[str, str]:
        """The trace id and span id of the last call's span, in hex (W3C's spelling)."""
        assert self._call is not None, "call() first"
        ids = self._call.get_span_context()
        return trace.format_trace_id(ids.trace_id), trace.format_span_id(ids.span_id)

    def answered(self, status: int) -> None:
        """Note upstream's `status` on the last call's span, an error type from 400 up."""
        if self._call is not None:
            self._call.set_attribute(genai.HTTP_STATUS, status)
            if status >= 400:
                _failed(self._call, str(status))

    def failed(self, error: BaseException) -> None:
        """End the last call's span: it got no answer (`error`: a transport error, a timeout,
        or the request cancelled)."""
        if self._call is not None:
            _failed(self._call, type(error).__qualname__)
            self._end_call()

    def finish(self, route: str | None, bounded: Callable[[str], str]) -> None:
        """End the last call's span and the server span, `route` the path template matched;
        `bounded` gives a model id's metric label (see `GenAiMetrics.record`)."""
        note, server = self._note, self.server
        if self._call is not None:
            _answered(self._call, note)
        self._end_call()
        server.update_name(f"{self._method} {route}" if route else self._method)
        server.set_attributes(_request_attributes(note, route))
        _answered(server, note)
        if note.status >= 500 or not note.status:
            _failed(server, error_type(note))
        server.end()
        if self._tracing.metrics is not None:
            self._tracing.metrics.record(note, bounded, self._tracing.server)

    def _end_call(self) -> None:
        if self._call is not None:
            self._call.end()
            self._call = None


def _failed(span: Span, error_type: str) -> None:
    span.set_attribute(genai.ERROR_TYPE, error_type)
    span.set_status(StatusCode.ERROR)


def _request_attributes(note: Note, route: str | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        genai.ROUTE: note.route,
        genai.HTTP_STATUS: note.status,
        genai.OPERATION: genai.operation(note.route),
    }
    optional: dict[str, str | None] = {
        genai.HTTP_ROUTE: route,
        genai.REQUEST_MODEL: note.model[:MODEL_CHARS],
        genai.DECISION: note.decision,
        genai.DROPPED: note.dropped,
        genai.RETRIED: note.retried,
        genai.MODALITIES_ASKED: note.modalities_asked,
        genai.MODALITIES_SENT: note.modalities_sent,
    }
    attributes.update((name, value) for name, value in optional.items() if value)
    return attributes


def _answered(span: Span, note: Note) -> None:
    """What the answer said of itself (`Note.answer`, filled by the usage readers)."""
    answer = note.answer
    facts: dict[str, str | int | Sequence[str] | None] = {
        genai.RESPONSE_MODEL: answer.response_model[:MODEL_CHARS],
        genai.RESPONSE_ID: answer.response_id[:MODEL_CHARS],
        genai.FINISH_REASONS: list(answer.finish_reasons[:16]),
        genai.INPUT_TOKENS: answer.usage.input_tokens if answer.usage else None,
        genai.OUTPUT_TOKENS: answer.usage.output_tokens if answer.usage else None,
    }
    span.set_attributes({name: value for name, value in facts.items() if value or value == 0})
