"""Faults end to end: upstream breaking off answers, stalling, serving garbage, going away and
coming back. The proxy answers clear errors, never hangs, and recovers by itself."""

import httpx2
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import free_port, serve
from tests.conftest import ProxyFactory, metric, proxy_settings, running_proxy, wait_for

PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hi"}]
AUTH = {"Authorization": "Bearer k"}


def client(proxy_url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="sk-or-test", max_retries=0)


def streamed_text_then_error(proxy_url: str, model: str) -> tuple[str, openai.APIError]:
    """Stream `model` with the SDK; the text that came before the error it raised."""
    pieces: list[str] = []

    def read_all() -> None:
        for chunk in sdk.chat.completions.create(model=model, messages=PROMPT, stream=True):
            pieces.append(chunk.choices[0].delta.content or "")

    with client(proxy_url) as sdk, pytest.raises(openai.APIError) as raised:
        read_all()
    return "".join(pieces), raised.value


@pytest.mark.fresh_proxy  # it counts what the proxy did, from nothing
def test_a_stream_that_upstream_breaks_off_ends_with_an_error_event(proxy_url: str) -> None:
    text, error = streamed_text_then_error(proxy_url, "test/stream-reset")
    assert text == "Hello from"
    assert "broke off the stream" in error.message
    metrics = httpx2.get(f"{proxy_url}/metrics").text
    cut = {"route": "chat", "failure": "upstream_unavailable"}
    assert metric(metrics, "modality_proxy_answers_cut_short_total", **cut) == 1


def test_a_stream_that_stalls_ends_with_a_timeout_event_and_frees_upstream(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    with start_proxy(proxy_read_timeout_seconds=0.3) as url:
        text, error = streamed_text_then_error(url, "test/stream-stall")
    assert text == "Hello"
    assert "timed out" in error.message
    assert fake.stream_cancelled.wait(5)


def test_a_stream_of_keep_alives_outlives_its_read_timeout(start_proxy: ProxyFactory) -> None:
    # Comments every 50 ms for three read timeouts: each gap is short, so nothing is cut. The
    # watch counts what aiohttp received (`StreamReader.total_bytes`): this fails if that stops.
    body = {"model": "test/stream-forever", "messages": PROMPT, "stream": True}
    with start_proxy(proxy_read_timeout_seconds=0.3) as url:
        url = f"{url}/v1/chat/completions"
        with httpx2.stream("POST", url, json=body, headers=AUTH, timeout=5) as answer:
            keep_alives = 0
            for line in answer.iter_lines():
                keep_alives += line == ": OPENROUTER PROCESSING"
                assert "error" not in line
                if keep_alives == 18:  # 0.9 s
                    break
    assert keep_alives == 18


def test_an_answer_that_upstream_cuts_short_is_cut_short_for_the_client(proxy_url: str) -> None:
    # A truncated JSON body must not look complete: the client sees the connection cut.
    with pytest.raises(httpx2.RemoteProtocolError):
        httpx2.post(f"{proxy_url}/v1/chat/completions", json={"model": "test/reset"}, headers=AUTH)
    with client(proxy_url) as sdk:
        with pytest.raises(openai.APIConnectionError):
            sdk.chat.completions.create(model="test/reset", messages=PROMPT)
        # ...and the proxy serves on.
        answer = sdk.chat.completions.create(model="openai/gpt-5", messages=PROMPT)
    assert answer.choices[0].message.content == "Hello from openai/gpt-5"


@pytest.mark.fresh_proxy  # it counts what the proxy did, from nothing
def test_audio_that_upstream_breaks_off_before_it_is_assembled_is_a_502(proxy_url: str) -> None:
    body = {"model": "test/audio-reset", "modalities": ["text", "audio"], "messages": PROMPT}
    response = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=AUTH)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert "broke off the stream" in response.json()["error"]["message"]
    metrics = httpx2.get(f"{proxy_url}/metrics").text
    cut = {"route": "chat", "failure": "upstream_unavailable"}
    assert metric(metrics, "modality_proxy_answers_cut_short_total", **cut) == 1


GARBAGE = [
    pytest.param(b"<html>Bad gateway</html>", id="html"),
    pytest.param(b'{"data": [{"id": "a/b", "archi', id="truncated"),
    pytest.param(b'{"data": 5}', id="wrong-shape"),
    pytest.param(b"", id="empty"),
]


@pytest.mark.parametrize("garbage", GARBAGE)
def test_garbage_on_models_keeps_the_last_good_catalog_until_upstream_is_sane(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, garbage: bytes
) -> None:
    with start_proxy(proxy_catalog_refresh_seconds=0.1) as url:
        fake.catalog_garbage = garbage

        def failures() -> float:
            text = httpx2.get(f"{url}/metrics").text
            return metric(text, "modality_proxy_catalog_refresh_failures_total")

        wait_for("two failed refreshes", lambda: failures() >= 2)
        assert httpx2.get(f"{url}/readyz").status_code == 200
        assert len(httpx2.get(f"{url}/v1/models").json()["data"]) == 549

        fake.catalog_garbage = None
        fake.add_model({"id": "new/model", "architecture": {"output_modalities": ["image"]}})
        wait_for("recovery", lambda: httpx2.get(f"{url}/v1/models/new/model").status_code == 200)


def test_the_proxy_recovers_by_itself_when_upstream_comes_back(fake: FakeOpenRouter) -> None:
    port = free_port()
    settings = proxy_settings(f"http://127.0.0.1:{port}", proxy_catalog_refresh_seconds=0.2)
    flux = {"model": "black-forest-labs/flux.2-pro", "modalities": ["image", "text"]}
    with running_proxy(settings, ready=False) as url:
        down = httpx2.post(f"{url}/v1/chat/completions", json=flux, headers=AUTH)
        assert down.status_code == 502
        assert httpx2.get(f"{url}/readyz").status_code == 503
        with serve(fake.app, port=port):
            wait_for("a live catalog", lambda: httpx2.get(f"{url}/readyz").status_code == 200)
            up = httpx2.post(f"{url}/v1/chat/completions", json=flux, headers=AUTH)
    assert up.status_code == 200
    assert up.headers["x-modalities"] == "image"
