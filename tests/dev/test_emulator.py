"""Self-test of the fake OpenRouter, served by real uvicorn and called with a plain client."""

from __future__ import annotations

import base64
import gzip
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.catalog import CATALOG, load_catalog
from app.dev.local_server import free_port
from tests.data import DATA_DIR, load_snapshot

AUTH = {"Authorization": "Bearer sk-test"}
FLUX = "black-forest-labs/flux.2-pro"
GEMINI_IMAGE = "google/gemini-2.5-flash-image"
PNG_URL_PREFIX = "data:image/png;base64,iVBORw0KGgo"


@pytest.fixture(scope="module")
def catalog() -> list[dict[str, Any]]:
    return load_catalog()


@pytest.fixture
def fake(catalog: list[dict[str, Any]]) -> FakeOpenRouter:
    return FakeOpenRouter(catalog)


@pytest.fixture
def client(fake_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=fake_url, timeout=10) as http:
        yield http


def chat(client: httpx2.Client, model: str, **extra: Any) -> httpx2.Response:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], **extra}
    return client.post("/api/v1/chat/completions", json=body, headers=AUTH)


def test_the_catalog_it_ships_is_the_real_snapshot_gzipped() -> None:
    real = (DATA_DIR / "models-all-2026-08-19.json").read_bytes()
    assert gzip.decompress(CATALOG.read_bytes()) == real


@pytest.mark.parametrize(
    ("params", "snapshot", "flux_listed"),
    [
        ({}, "models-default-2026-08-19.json", False),
        ({"output_modalities": "all"}, "models-all-2026-08-19.json", True),
        ({"output_modalities": "image"}, "models-image-2026-08-19.DERIVED.json", True),
    ],
)
def test_models_filter_matches_real_snapshots(
    client: httpx2.Client, params: dict[str, str], snapshot: str, flux_listed: bool
) -> None:
    answer = client.get("/api/v1/models", params=params).json()
    ids = [m["id"] for m in answer["data"]]
    assert ids == [m["id"] for m in load_snapshot(snapshot)]
    assert answer["total_count"] == len(ids)
    assert answer["links"] == {"next": None}
    assert (FLUX in ids) is flux_listed


def test_models_pagination_follows_links_next(
    client: httpx2.Client, fake: FakeOpenRouter, catalog: list[dict[str, Any]]
) -> None:
    fake.page_size = 100
    url: str | None = "/api/v1/models?output_modalities=all"
    ids: list[str] = []
    while url is not None:
        page = client.get(url).json()
        assert len(page["data"]) <= 100
        assert page["total_count"] == 549
        ids += [m["id"] for m in page["data"]]
        url = page["links"]["next"]
        assert url is None or url.startswith(f"{str(client.base_url).rstrip('/')}/api/v1/models?")
    assert ids == [m["id"] for m in catalog]
    assert len(fake.requests) == 6


def test_models_failure_can_be_injected(client: httpx2.Client, fake: FakeOpenRouter) -> None:
    fake.fail_models_queries = {"image"}
    assert client.get("/api/v1/models", params={"output_modalities": "image"}).status_code == 500
    assert client.get("/api/v1/models").status_code == 200


@pytest.mark.parametrize(
    ("model", "modalities", "text", "image"),
    [
        (FLUX, ["image"], "", True),
        (FLUX, None, "", True),  # omitting modalities: no filter, still draws
        (GEMINI_IMAGE, ["image", "text"], f"Hello from {GEMINI_IMAGE}", True),
        (GEMINI_IMAGE, ["text", "image"], f"Hello from {GEMINI_IMAGE}", True),  # a set
        (GEMINI_IMAGE, None, f"Hello from {GEMINI_IMAGE}", False),
        ("~openai/gpt-latest", ["text"], "Hello from openai/gpt-5.6-sol", False),  # alias
        ("openai/gpt-5.6-sol:nitro", None, "Hello from openai/gpt-5.6-sol", False),  # variant
    ],
)
def test_chat_success(
    client: httpx2.Client, model: str, modalities: list[str] | None, text: str, image: bool
) -> None:
    extra = {} if modalities is None else {"modalities": modalities}
    response = chat(client, model, **extra)
    assert response.status_code == 200
    message = response.json()["choices"][0]["message"]
    assert message["content"] == text
    assert ("images" in message) is image
    if image:
        assert message["images"][0]["image_url"]["url"].startswith(PNG_URL_PREFIX)


@pytest.mark.parametrize(
    ("model", "modalities", "message"),
    [
        (FLUX, ["image", "text"], "requested output modalities: image, text"),
        (GEMINI_IMAGE, ["image"], "requested output modalities: image"),
        ("voyageai/voyage-4", None, "No endpoints found for voyageai/voyage-4."),
    ],
)
def test_chat_no_endpoints(
    client: httpx2.Client, model: str, modalities: list[str] | None, message: str
) -> None:
    response = chat(client, model, **({} if modalities is None else {"modalities": modalities}))
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == 404
    assert error["message"].endswith(message)
    if modalities is not None:
        assert error["metadata"]["failed_routing_step"] == "Filter by Model Output Modalities"


@pytest.mark.parametrize(
    ("model", "modalities", "status", "text", "image"),
    [
        (GEMINI_IMAGE, ["image"], 200, "", True),  # a subset: only what was asked
        (GEMINI_IMAGE, ["text"], 200, f"Hello from {GEMINI_IMAGE}", False),
        (GEMINI_IMAGE, ["text", "image"], 200, f"Hello from {GEMINI_IMAGE}", True),
        (FLUX, ["image", "text"], 404, None, False),  # more than it outputs: still refused
    ],
)
def test_chat_serves_subsets_when_switched_to_that_rule(
    client: httpx2.Client,
    fake: FakeOpenRouter,
    model: str,
    modalities: list[str],
    status: int,
    text: str | None,
    image: bool,
) -> None:
    fake.subsets_served = True
    response = chat(client, model, modalities=modalities)
    assert response.status_code == status
    if status == 200:
        message = response.json()["choices"][0]["message"]
        assert (message["content"], "images" in message) == (text, image)
    body = {"model": model, "input": "hi", "modalities": modalities}
    answer = client.post("/api/v1/responses", json=body, headers=AUTH)  # the same rule there
    assert answer.status_code == status


@pytest.mark.parametrize(
    ("headers", "body", "status", "availability_code"),
    [
        (AUTH, {"model": "nobody/nothing"}, 400, "model_not_found"),
        ({}, {"model": FLUX}, 401, None),
        (AUTH, {"messages": []}, 400, None),
        (AUTH, {"model": "test/error-402"}, 402, None),
        (AUTH, {"model": "test/error-429"}, 429, None),
    ],
)
def test_chat_errors(
    client: httpx2.Client,
    headers: dict[str, str],
    body: dict[str, Any],
    status: int,
    availability_code: str | None,
) -> None:
    response = client.post("/api/v1/chat/completions", json=body, headers=headers)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status
    assert error.get("availability", {}).get("code") == availability_code
    if status == 429:  # as recorded: no Retry-After, the provider's words in metadata.raw
        assert "retry-after" not in response.headers
        assert isinstance(error["metadata"]["raw"], str)
        assert response.json()["user_id"]


def sse_events(response: httpx2.Response) -> list[str]:
    return [event for event in response.text.split("\n\n") if event]


def test_chat_stream_with_image(client: httpx2.Client) -> None:
    """As recorded: comments before and between data chunks, the image and the finish in one
    chunk, usage in its own chunk after it, compact JSON, SSE headers without a charset."""
    response = chat(client, GEMINI_IMAGE, modalities=["image", "text"], stream=True)
    assert response.headers["content-type"] == "text/event-stream"
    assert response.headers["cache-control"] == "no-cache"
    events = sse_events(response)
    assert events[0] == ": OPENROUTER PROCESSING"
    assert events[-1] == "data: [DONE]"
    assert events.count(": OPENROUTER PROCESSING") == 3
    data = [event.removeprefix("data: ") for event in events[1:-1] if event.startswith("data: ")]
    assert all(", " not in datum and '": ' not in datum for datum in data)
    chunks = [json.loads(datum) for datum in data]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert all(delta["role"] == "assistant" for delta in deltas)
    assert "".join(d.get("content", "") for d in deltas) == f"Hello from {GEMINI_IMAGE}"
    (with_image,) = [c["choices"][0] for c in chunks if "images" in c["choices"][0]["delta"]]
    assert with_image["finish_reason"] == "stop"
    assert "usage" not in chunks[-2]
    assert chunks[-1]["usage"]["total_tokens"] == 15
    assert response.headers["x-generation-id"] == chunks[0]["id"]
    assert re.fullmatch(r"gen-\d+-[A-Za-z0-9]{20}", chunks[0]["id"])


def test_chat_stream_error_midway(client: httpx2.Client) -> None:
    """As recorded: code 400, no metadata, finish_reason null, usage, then [DONE]."""
    response = chat(client, "test/stream-error", stream=True)
    assert response.status_code == 200
    events = sse_events(response)
    assert events[-1] == "data: [DONE]"
    last = json.loads(events[-2].removeprefix("data: "))
    assert last["error"] == {"code": 400, "message": "Provider returned error"}
    assert last["choices"][0]["finish_reason"] is None
    assert last["usage"]["total_tokens"] == 15


def test_stream_cancelled_when_client_leaves(client: httpx2.Client, fake: FakeOpenRouter) -> None:
    body = {"model": "test/stream-forever", "stream": True}
    with client.stream("POST", "/api/v1/chat/completions", json=body, headers=AUTH) as response:
        first = next(response.iter_text())
        assert first.startswith("data: ")
    assert fake.stream_cancelled.wait(5)


def test_other_paths_echo(client: httpx2.Client, fake: FakeOpenRouter) -> None:
    response = client.post("/api/v1/rerank?x=1", content=b'{"input": "hi"}', headers=AUTH)
    echo = {"method": "POST", "path": "/api/v1/rerank", "query": "x=1"}
    assert response.json() == {"echo": {**echo, "body": '{"input": "hi"}'}}
    received = fake.requests[-1]
    assert (received.path, received.query, received.body) == (
        echo["path"],
        "x=1",
        b'{"input": "hi"}',
    )
    assert received.headers["authorization"] == "Bearer sk-test"


def test_python_dash_m_app_emulator_serves_the_fake_with_images_of_the_size_asked() -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "app.dev.emulator",
        "--port",
        str(port),
        "--image-bytes",
        "3000",
        "--subsets-served",
    ]
    url = f"http://127.0.0.1:{port}/api/v1"
    with subprocess.Popen(command, stderr=subprocess.DEVNULL) as process:
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    models = httpx2.get(f"{url}/models?output_modalities=image")
                    break
                except httpx2.TransportError:
                    assert time.monotonic() < deadline, "python -m app.dev.emulator did not start"
                    time.sleep(0.05)
            assert "black-forest-labs/flux.2-pro" in models.text
            body = {"model": "black-forest-labs/flux.2-pro", "prompt": "A red square"}
            answer = httpx2.post(f"{url}/images", json=body, headers={"Authorization": "Bearer k"})
            assert base64.b64decode(answer.json()["data"][0]["b64_json"]) == bytes(3000)
            asked = {"model": GEMINI_IMAGE, "modalities": ["image"], "messages": []}
            subset = httpx2.post(f"{url}/chat/completions", json=asked, headers=AUTH)
            assert subset.status_code == 200
        finally:
            process.terminate()
