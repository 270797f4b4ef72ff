"""Tracing decided from the standard variables, and the spans of one request as the SDK records
them (in memory: the OTLP export itself is tests/e2e/test_tracing.py's)."""

import os
import sys
from collections.abc import Iterator, Mapping

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from app.main import create_app
from app.ops.metrics import Note
from app.ops.observe import Observe
from app.ops.spans import Tracing
from app.ops.tracing import metrics_wanted, traces_wanted, tracing_of
from app.ops.usage import AnswerFacts, Usage
from app.settings import Settings

ENDPOINT = "http://127.0.0.1:4318"


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_SERVICE_NAME": "proxy", "OTEL_TRACES_SAMPLER": "always_on"}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, True),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"{ENDPOINT}/v1/traces"}, True),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": " "}, False),
        ({"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, False),
        ({"OTEL_SDK_DISABLED": "TRUE", "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, False),
        ({"OTEL_SDK_DISABLED": "false", "OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, True),
    ],
)
def test_traces_are_wanted_by_an_endpoint_or_the_otlp_exporter(
    environ: Mapping[str, str], wanted: bool
) -> None:
    assert traces_wanted(environ) is wanted


@pytest.mark.parametrize(
    ("environ", "wanted"),
    [
        ({}, False),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT}, False),  # the SDK's default is not a wish
        ({"OTEL_METRICS_EXPORTER": "otlp"}, True),
        ({"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": f"{ENDPOINT}/v1/metrics"}, True),
        (
            {"OTEL_METRICS_EXPORTER": "none", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": ENDPOINT},
            False,
        ),
    ],
)
def test_metrics_are_exported_only_when_asked_for(environ: Mapping[str, str], wanted: bool) -> None:
    assert metrics_wanted(environ) is wanted


def test_nothing_set_means_no_tracing_at_all() -> None:
    assert tracing_of({"OTEL_SERVICE_NAME": "proxy"}, ENDPOINT) is None


def test_otel_set_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "app.ops.spans", None)  # as if the SDK were missing
    environ = {"OTEL_EXPORTER_OTLP_ENDPOINT": ENDPOINT, "OTEL_SERVICE_NAME": "proxy"}
    with pytest.raises(RuntimeError) as raised:
        tracing_of(environ, ENDPOINT)
    message = str(raised.value)
    assert "pip install 'modality-proxy[otel]'" in message
    assert "OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME" in message


@pytest.fixture
def exported() -> Iterator[tuple[Tracing, InMemorySpanExporter]]:
    memory = InMemorySpanExporter()
    tracing = Tracing("https://openrouter.ai/api/v1", metrics=False, exporter=memory)
    yield tracing, memory
    tracing.shutdown()


def request_spans(tracing: Tracing, memory: InMemorySpanExporter) -> list[ReadableSpan]:
    tracing.provider.force_flush()
    return sorted(memory.get_finished_spans(), key=lambda span: span.kind.value)


def test_what_the_answer_said_goes_on_the_last_call_and_the_request(
    exported: tuple[Tracing, InMemorySpanExporter],
) -> None:
    tracing, memory = exported
    scope = {"method": "POST", "headers": [(b"content-type", b"application/json")]}
    note = Note("req-1", route="chat", model="openai/gpt-5")
    trace = tracing.start(scope, note)
    trace.call()
    trace.answered(429)
    note.retried, note.status = "modalities", 200
    trace.call()
    trace.answered(200)
    usage = Usage(input_tokens=12, output_tokens=0, cached_tokens=4)
    note.answer = AnswerFacts(usage, "read", "openai/gpt-5-2026", "gen-1", ("stop",))
    trace.finish("/v1/chat/completions", str)
    server, first, second = request_spans(tracing, memory)
    assert (server.kind, first.kind, second.kind) == (SpanKind.SERVER, *[SpanKind.CLIENT] * 2)
    facts = {
        "gen_ai.response.model": "openai/gpt-5-2026",
        "gen_ai.response.id": "gen-1",
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 0,
    }
    assert facts.items() <= dict(server.attributes or {}).items()
    assert facts.items() <= dict(second.attributes or {}).items()
    assert not facts.keys() & dict(first.attributes or {}).keys()  # a refusal said none
    assert (first.attributes or {})["error.type"] == "429"
    assert (second.attributes or {})["modality_proxy.retried"] == "modalities"
    assert server.name == "POST /v1/chat/completions"
    assert server.attributes is not None
    assert server.attributes["modality_proxy.request_id"] == "req-1"


def test_a_call_that_got_no_answer_ends_with_its_error(
    exported: tuple[Tracing, InMemorySpanExporter],
) -> None:
    tracing, memory = exported
    note = Note("req-2", route="images", model="black-forest-labs/flux.2-pro")
    trace = tracing.start({"method": "POST", "headers": []}, note)
    trace.call()
    trace.failed(TimeoutError())
    trace.finish(None, str)  # no status: the request got no answer
    server, call = request_spans(tracing, memory)
    assert call.name == "generate_content black-forest-labs/flux.2-pro"
    assert (call.attributes or {})["error.type"] == "TimeoutError"
    assert server.name == "POST"
    assert (server.attributes or {})["error.type"] == "no_answer"


@pytest.mark.parametrize("endpoint", ["", ENDPOINT])
def test_the_app_has_a_tracer_only_when_the_variables_ask_for_one(
    monkeypatch: pytest.MonkeyPatch, endpoint: str
) -> None:
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    if endpoint:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    app = create_app(Settings())
    assert isinstance(app, Observe)
    assert (app.tracing is not None) is bool(endpoint)
    if app.tracing is not None:
        app.tracing.shutdown()  # nothing was traced: nothing to export
