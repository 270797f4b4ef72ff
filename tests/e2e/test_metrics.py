"""Metrics at /metrics and one JSON log line per request, seen from outside."""

import re

import httpx2
import orjson
import pytest

from app.dev.emulator import FakeOpenRouter
from tests.e2e.test_cli import command_line_proxy, wait_for

AUTH = {"Authorization": "Bearer sk-or-client-secret"}
FLUX = {"model": "black-forest-labs/flux.2-pro", "modalities": ["image", "text"]}


def metric(text: str, name: str, **labels: str) -> float:
    """The value of the sample `name{labels}` in a Prometheus text exposition."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}(?:\{{{re.escape(wanted)}\}})? (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    assert found, f"no {name} {labels} in the metrics"
    return float(found.group(1))


def test_requests_decisions_latency_and_catalog_are_counted(proxy_url: str) -> None:
    httpx2.post(f"{proxy_url}/v1/chat/completions", json=FLUX, headers=AUTH)
    httpx2.post(
        f"{proxy_url}/v1/chat/completions", json={"model": "openai/gpt-5", "modalities": ["image"]}
    )
    text = httpx2.get(f"{proxy_url}/metrics").text
    labels = {"route": "chat", "model": "black-forest-labs/flux.2-pro", "status": "200"}
    assert metric(text, "modality_proxy_requests_total", decision="rewritten", **labels) == 1
    rejected = {"route": "chat", "model": "openai/gpt-5", "status": "400", "decision": "rejected"}
    assert metric(text, "modality_proxy_requests_total", **rejected) == 1
    assert metric(text, "modality_proxy_upstream_seconds_count", route="chat") == 1
    assert metric(text, "modality_proxy_catalog_models") == 549
    assert 0 <= metric(text, "modality_proxy_catalog_age_seconds") < 60
    assert metric(text, "modality_proxy_catalog_refresh_failures_total") == 0
    assert "sk-or-client-secret" not in text


def test_streams_in_flight_and_their_first_byte(fake: FakeOpenRouter, proxy_url: str) -> None:
    body = {"model": "test/stream-forever", "messages": [], "stream": True}
    url = f"{proxy_url}/v1/chat/completions"
    with httpx2.stream("POST", url, json=body, headers=AUTH) as response:
        chunks = response.iter_raw()  # held: a dropped iterator would close the stream
        next(chunks)
        during = httpx2.get(f"{proxy_url}/metrics").text
    assert metric(during, "modality_proxy_streams_in_flight") == 1
    assert fake.stream_cancelled.wait(timeout=5)

    def ended() -> bool:
        return (
            metric(httpx2.get(f"{proxy_url}/metrics").text, "modality_proxy_streams_in_flight") == 0
        )

    wait_for("the stream to be counted out", ended)
    after = httpx2.get(f"{proxy_url}/metrics").text
    assert metric(after, "modality_proxy_stream_first_byte_seconds_count") == 1


def test_one_json_line_per_request_without_secrets(fake_url: str) -> None:
    with command_line_proxy(fake_url) as proxy:
        wait_for(
            "the catalog to load", lambda: any(b"catalog loaded" in line for line in proxy.log)
        )
        headers = {**AUTH, "X-Request-Id": "trace-42"}
        flux_with_tools = {**FLUX, "tools": []}
        url = f"{proxy.url}/v1/chat/completions?key=q-secret"
        httpx2.post(url, json=flux_with_tools, headers=headers)

        def logged() -> list[dict[str, object]]:
            lines = [orjson.loads(line) for line in proxy.log]
            return [line for line in lines if line.get("request_id") == "trace-42"]

        wait_for("the request's log line", lambda: bool(logged()))
    [line] = logged()
    keys = ("route", "model", "decision", "dropped", "assembled", "status", "method", "path")
    assert {key: line[key] for key in keys} == {
        "route": "chat",
        "model": "black-forest-labs/flux.2-pro",
        "decision": "rewritten",
        "dropped": "tools",
        "assembled": False,
        "status": 200,
        "method": "POST",
        "path": "/v1/chat/completions",
    }
    assert isinstance(line["bytes_out"], int)
    assert line["bytes_out"] > 0
    assert isinstance(line["seconds"], float)
    assert isinstance(line["upstream_seconds"], float)
    everything = b"".join(proxy.log)
    assert b"sk-or-client-secret" not in everything
    assert b"q-secret" not in everything


def test_probes_are_counted_but_not_logged_unless_asked(
    fake_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def logged_paths() -> list[object]:
        with command_line_proxy(fake_url) as proxy:
            wait_for("the catalog", lambda: any(b"catalog loaded" in line for line in proxy.log))
            for path in ("/healthz", "/readyz", "/metrics"):
                metrics = httpx2.get(f"{proxy.url}{path}").text
            wait_for("the /metrics line", lambda: b'"/metrics"' in b"".join(proxy.log))
        assert 'route="other",status="200"' in metrics  # the probes before it were counted
        return [orjson.loads(line)["path"] for line in proxy.log if b'"request_id"' in line]

    assert logged_paths() == ["/metrics"]
    monkeypatch.setenv("PROXY_LOG_PROBES", "true")
    assert logged_paths() == ["/healthz", "/readyz", "/metrics"]
