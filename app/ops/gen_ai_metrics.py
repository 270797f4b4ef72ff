"""The GenAI client metrics of the conventions (`app.ops.genai`), exported by OTLP/HTTP when
metrics export is asked for (`app.ops.tracing`); imported only then.

The client metrics rather than the model-server ones: toward OpenRouter the proxy is a client,
and `gen_ai.client.operation.duration` and `gen_ai.client.token.usage` are what the gateways
operators compare it with report; time to first token per model is on the proxy's Prometheus
metrics already. One duration and one token count per request, as the answer reported them
(`Note.answer`): an answer without usage records no tokens, never a guess.
"""

import time
from collections.abc import Callable

from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

from app.ops import genai
from app.ops.metrics import Note
from app.ops.usage import Usage

Attributes = dict[str, str | int]


def error_type(note: Note) -> str:
    """`error.type` of a request that failed: why its answer was cut short, else its status
    ("no_answer" when none began)."""
    return note.failure or str(note.status or "no_answer")


class GenAiMetrics:
    """The meter provider of the app's life and its two histograms."""

    def __init__(self) -> None:
        reader = PeriodicExportingMetricReader(OTLPMetricExporter())
        self.provider = MeterProvider([reader], resource=Resource.create())
        meter = self.provider.get_meter("modality-proxy", schema_url=genai.SCHEMA_URL)
        self.duration = meter.create_histogram(
            genai.OPERATION_DURATION,
            unit="s",
            description="GenAI operation duration.",
            explicit_bucket_boundaries_advisory=genai.DURATION_BUCKETS,
        )
        self.tokens = meter.create_histogram(
            genai.TOKEN_USAGE,
            unit="{token}",
            description="Number of input and output tokens used.",
            explicit_bucket_boundaries_advisory=genai.TOKEN_BUCKETS,
        )

    def record(self, note: Note, bounded: Callable[[str], str], server: Attributes) -> None:
        """Count the request of `note`, if it named a model; `bounded` gives a model id's label
        (`app.ops.labels.model_label`: a model outside the catalog is "unknown")."""
        if not note.model:
            return
        attributes: Attributes = {
            genai.OPERATION: genai.operation(note.route),
            genai.PROVIDER: genai.PROVIDER_OPENROUTER,
            genai.REQUEST_MODEL: bounded(note.model),
            **server,
        }
        if note.answer.response_model:
            attributes[genai.RESPONSE_MODEL] = bounded(note.answer.response_model)
        if note.status >= 400 or not note.status:
            attributes[genai.ERROR_TYPE] = error_type(note)
        self.duration.record(time.perf_counter() - note.started, attributes)
        usage = note.answer.usage or Usage()
        for kind, count in (("input", usage.input_tokens), ("output", usage.output_tokens)):
            if count is not None:
                self.tokens.record(count, {**attributes, genai.TOKEN_TYPE: kind})

    def shutdown(self) -> None:
        self.provider.shutdown()
