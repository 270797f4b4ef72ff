"""Metrics at /metrics and one JSON log line per request, seen from outside."""

from collections import Counter
from collections.abc import Iterator

import httpx2
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app.dev import raw_http
from app.dev.emulator import FakeOpenRouter
from tests.conftest import forged_id, metric, wait_for
from tests.e2e.conftest import command_line_proxy

AUTH = {"Authorization": "Bearer sk-or-client-secret"}
FLUX = {"model": "black-forest-labs/flux.2-pro", "modalities": ["image", "text"]}


@pytest.mark.fresh_proxy  # it counts what the proxy did, from nothing
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


@pytest.mark.fresh_proxy  # it counts what the proxy did, from nothing
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
        url = f"{proxy.url}/v1/videos/{forged_id('forged/' + 'm' * 700)}/content?variant=x"
        httpx2.get(url, headers={"X-Request-Id": "trace-43"})

        def logged(request_id: str) -> list[dict[str, object]]:
            lines = [orjson.loads(line) for line in proxy.log]
            return [line for line in lines if line.get("request_id") == request_id]

        wait_for("the requests' log lines", lambda: bool(logged("trace-42") and logged("trace-43")))
    [line] = logged("trace-42")
    [forged_line] = logged("trace-43")
    assert forged_line["model"] == "forged/" + "m" * 193  # cut short, a label of none
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


# Of each kind: distinct video ids, model names and paths. A label taken from any of them would
# add a series per value: a thousand as surely as ten thousand.
FORGED = 1_000


def forged_requests(count: int, start: int = 0) -> Iterator[bytes]:
    """Requests that name a model or path no catalog has, each a new one, answered by the proxy
    itself (none goes upstream): a video id's model, a chat model with malformed `modalities`,
    a path of no route and one under a video route."""
    for n in range(start, start + count):
        yield get(f"/v1/videos/{forged_id(f'forged/video-{n}')}/content?variant=x")
        chat = orjson.dumps({"model": f"forged/chat-{n}", "modalities": 7, "messages": []})
        yield post("/v1/chat/completions", chat)
        yield get(f"/forged/{n}")
        yield get(f"/v1/videos/characters/forged-{n}")


def get(target: str) -> bytes:
    return f"GET {target} HTTP/1.1\r\nHost: proxy\r\n\r\n".encode()


def post(target: str, body: bytes) -> bytes:
    head = f"POST {target} HTTP/1.1\r\nHost: proxy\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def series(proxy_url: str) -> int:
    """How many series the proxy's /metrics exposes (one per sample of its exposition)."""
    text = httpx2.get(f"{proxy_url}/metrics").text
    return sum(len(family.samples) for family in text_string_to_metric_families(text))


def test_forged_ids_models_and_paths_add_no_series(proxy_url: str) -> None:
    # One of each kind first: what a series of each kind costs is in the count from then on.
    assert Counter(raw_http.pipelined(proxy_url, forged_requests(1))) == {400: 3, 404: 1}
    before = series(proxy_url)
    answered = Counter(raw_http.pipelined(proxy_url, forged_requests(FORGED, start=1)))
    assert answered == {400: 3 * FORGED, 404: FORGED}
    assert series(proxy_url) == before
