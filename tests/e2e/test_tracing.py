"""OpenTelemetry traces end to end: the proxy under uvicorn, the emulator as OpenRouter, the
openai SDK as client, and the spans exported over real OTLP/HTTP to a receiver that decodes them
with the official `opentelemetry-proto` messages (`tests/e2e/otlp_receiver.py`)."""

import os
from collections.abc import Iterator

import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter
from tests.conftest import ProxyFactory, sent_to
from tests.e2e.otlp_receiver import Received, Receiver, otlp_receiver

FLUX, GEMINI = "black-forest-labs/flux.2-pro", "google/gemini-2.5-flash-image"
PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]
CLIENT_TRACE, CLIENT_SPAN = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
ATTEMPT = "modality_proxy.attempt"
TRACEPARENT = f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01"


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Receiver]]:
    """A receiver, and the standard variables that point the proxy's traces at it (read when
    the app is made)."""
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    with otlp_receiver() as (url, received):
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "proxy-under-test")
        yield url, received


def chat(proxy_url: str, model: str, **extra_body: object) -> None:
    """A chat completion asked through the proxy with the client's own `traceparent`."""
    with openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="k", max_retries=0) as client:
        client.chat.completions.create(
            model=model,
            messages=PROMPT,
            extra_headers={"traceparent": TRACEPARENT},
            extra_body=extra_body,
        )


def by_kind(spans: list[Received], kind: str) -> list[Received]:
    return [span for span in spans if span.kind == kind]


def test_a_request_is_a_server_span_under_the_clients_and_a_client_span_under_it(
    fake: FakeOpenRouter,
    fake_url: str,
    start_proxy: ProxyFactory,
    receiver: tuple[str, Receiver],
    capfd: pytest.CaptureFixture[str],
) -> None:
    _, received = receiver
    with start_proxy() as proxy_url:
        chat(proxy_url, model=FLUX, modalities=["image", "text"])
    # The proxy has stopped: its lifespan exported every span still waiting.
    spans = [span for span in received.spans if span.trace_id == CLIENT_TRACE]
    (server,) = by_kind(spans, "server")
    (call,) = by_kind(spans, "client")
    assert received.paths == ["/v1/traces"] * len(received.paths)
    assert server.name == "POST /v1/chat/completions"
    assert server.parent_span_id == CLIENT_SPAN
    assert server.resource["service.name"] == "proxy-under-test"
    expected = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": FLUX,
        "http.request.method": "POST",
        "http.route": "/v1/chat/completions",
        "http.response.status_code": 200,
        "modality_proxy.decision": "rewritten",
        "modality_proxy.modalities.requested": "image,text",
        "modality_proxy.modalities.sent": "image",
        "modality_proxy.route": "chat",
    }
    assert expected.items() <= server.attributes.items()
    assert call.name == f"chat {FLUX}"
    assert call.parent_span_id == server.span_id
    port = int(fake_url.rsplit(":", 1)[1])
    (sent,) = sent_to(fake, "chat/completions")
    (usage,) = fake.usage.sent
    answered = {
        "gen_ai.response.model": FLUX,
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": usage.usage["prompt_tokens"],
        "gen_ai.usage.output_tokens": usage.usage["completion_tokens"],
    }
    assert str(call.attributes.pop("gen_ai.response.id")).startswith("gen-")
    assert call.attributes == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openrouter",
        "gen_ai.request.model": FLUX,
        "modality_proxy.modalities.sent": "image",
        "modality_proxy.attempt": 0,
        "server.address": "127.0.0.1",
        "server.port": port,
        "http.response.status_code": 200,
        **answered,
    }
    assert answered.items() <= server.attributes.items()
    assert sent.headers["traceparent"] == f"00-{CLIENT_TRACE}-{call.span_id}-01"
    assert "trace" not in orjson.loads(sent.body)  # PROXY_TRACE_BODY_FIELD is off
    lines = [orjson.loads(line) for line in capfd.readouterr().err.splitlines() if "{" in line]
    (logged,) = [line for line in lines if line.get("route") == "chat"]
    assert logged["trace_id"] == CLIENT_TRACE


def test_each_fallback_model_is_a_span_of_its_own_each_sent_its_own_traceparent(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, receiver: tuple[str, Receiver]
) -> None:
    _, received = receiver
    fake.down_models.add(GEMINI)
    with start_proxy() as proxy_url:
        chat(proxy_url, model=GEMINI, models=[FLUX], modalities=["image"])
    spans = [span for span in received.spans if span.trace_id == CLIENT_TRACE]
    (server,) = by_kind(spans, "server")
    calls = sorted(by_kind(spans, "client"), key=lambda call: str(call.attributes[ATTEMPT]))
    assert [call.name for call in calls] == [f"chat {GEMINI}", f"chat {FLUX}"]
    assert {call.parent_span_id for call in calls} == {server.span_id}
    facts = [
        (
            call.attributes["modality_proxy.fallback.position"],
            call.attributes["http.response.status_code"],
            call.attributes.get("error.type"),
            call.attributes.get("modality_proxy.retried"),
            call.error,
        )
        for call in calls
    ]
    assert facts == [(0, 503, "503", None, True), (1, 200, None, "fallback", False)]
    sent = [request.headers["traceparent"] for request in sent_to(fake, "chat/completions")]
    assert sent == [f"00-{CLIENT_TRACE}-{call.span_id}-01" for call in calls]
    assert server.attributes["modality_proxy.retried"] == "fallback"


def test_the_trace_body_field_when_turned_on_names_the_call_unless_the_client_set_one(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, receiver: tuple[str, Receiver]
) -> None:
    _, received = receiver
    own = {"trace_id": "mine", "trace_name": "the client's"}
    with start_proxy(proxy_trace_body_field=True) as proxy_url:
        chat(proxy_url, model=FLUX, modalities=["image"])
        chat(proxy_url, model=FLUX, modalities=["image"], trace=own)
    calls = by_kind([span for span in received.spans if span.trace_id == CLIENT_TRACE], "client")
    first, second = (orjson.loads(r.body)["trace"] for r in sent_to(fake, "chat/completions"))
    filled = {"trace_id": CLIENT_TRACE, "parent_span_id": first["parent_span_id"]}
    assert first == filled
    assert first["parent_span_id"] in {call.span_id for call in calls}
    assert second == own


@pytest.mark.parametrize(
    "switch", [{}, {"OTEL_SDK_DISABLED": "true"}, {"OTEL_TRACES_EXPORTER": "none"}]
)
def test_tracing_off_exports_nothing_and_passes_the_clients_traceparent_on_as_it_came(
    fake: FakeOpenRouter,
    start_proxy: ProxyFactory,
    receiver: tuple[str, Receiver],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    switch: dict[str, str],
) -> None:
    _, received = receiver
    if not switch:
        monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT")
    for name, value in switch.items():
        monkeypatch.setenv(name, value)
    with start_proxy() as proxy_url:
        chat(proxy_url, model=FLUX, modalities=["image"])
    assert received.spans == []
    assert received.paths == []
    (sent,) = sent_to(fake, "chat/completions")
    assert sent.headers["traceparent"] == TRACEPARENT
    lines = [orjson.loads(line) for line in capfd.readouterr().err.splitlines() if "{" in line]
    (logged,) = [line for line in lines if line.get("route") == "chat"]
    assert "trace_id" not in logged


def test_the_genai_metrics_go_by_otlp_only_when_asked_for(
    fake_url: str,
    start_proxy: ProxyFactory,
    receiver: tuple[str, Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, received = receiver
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "otlp")
    with start_proxy() as proxy_url:
        chat(proxy_url, FLUX, modalities=["image"])
        chat(proxy_url, FLUX, modalities=["image"])
    (duration,) = [p for p in received.points if p.metric == "gen_ai.client.operation.duration"]
    assert (duration.unit, duration.count) == ("s", 2)
    called = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openrouter",
        "gen_ai.request.model": FLUX,
        "gen_ai.response.model": FLUX,
        "server.address": "127.0.0.1",
        "server.port": int(fake_url.rsplit(":", 1)[1]),
    }
    assert duration.attributes == called
    tokens = [p for p in received.points if p.metric == "gen_ai.client.token.usage"]
    assert {p.attributes["gen_ai.token.type"]: (p.unit, p.count) for p in tokens} == {
        "input": ("{token}", 2),
        "output": ("{token}", 2),
    }
    assert all(called.items() <= p.attributes.items() for p in tokens)


def test_a_self_heal_retry_is_a_span_of_its_own_named_for_why_it_was_sent(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, receiver: tuple[str, Receiver]
) -> None:
    _, received = receiver
    painter = "hidden/painter"  # not in any list: the proxy learns its outputs from a refusal
    fake.add_model({"id": painter, "architecture": {"output_modalities": ["image"]}}, listed=False)
    with start_proxy() as proxy_url:
        chat(proxy_url, painter, modalities=["image", "text"])
    spans = [span for span in received.spans if span.trace_id == CLIENT_TRACE]
    (server,) = by_kind(spans, "server")
    calls = sorted(by_kind(spans, "client"), key=lambda call: str(call.attributes[ATTEMPT]))
    facts = [
        (
            call.name,
            call.parent_span_id == server.span_id,
            call.attributes["http.response.status_code"],
            call.attributes.get("modality_proxy.retried"),
        )
        for call in calls
    ]
    assert facts == [
        (f"chat {painter}", True, 404, None),
        (f"chat {painter}", True, 200, "modalities"),
    ]
    sent = [request.headers["traceparent"] for request in sent_to(fake, "chat/completions")]
    assert sent == [f"00-{CLIENT_TRACE}-{call.span_id}-01" for call in calls]
