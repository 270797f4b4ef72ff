"""End to end: the real `openai` SDK and raw HTTP -> the proxy under uvicorn -> the fake OpenRouter.

Every server here is real and on 127.0.0.1. The first tests are the cases that started the project:
each fails straight against the fake and works through the proxy.
"""

import contextlib
import os
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionMessageParam

from app.dev.emulator import FakeOpenRouter, ReceivedRequest
from app.upstream.sent_body import UNJOINED_BODY_BYTES
from tests.conftest import ProxyFactory, Sdk, images_of, proxy_settings, running_proxy
from tests.data import DATA_DIR
from tests.error_codes import proxy_code

FIXED_BY_THE_PROXY = [
    ("black-forest-labs/flux.2-pro", ["image", "text"], "image"),
    ("black-forest-labs/flux.2-max", ["image", "text"], "image"),
    ("black-forest-labs/flux.2-klein-4b", ["image", "text"], "image"),
    ("google/gemini-2.5-flash-image", ["image"], "image,text"),
    ("google/gemini-3.1-flash-image-preview", ["image"], "image,text"),
]
AUTH = {"Authorization": "Bearer k"}
PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]


def chat_requests(fake: FakeOpenRouter) -> list[ReceivedRequest]:
    return [r for r in fake.requests if r.path == "/api/v1/chat/completions"]


@contextlib.contextmanager
def stream_chat(proxy_url: str, body: dict[str, Any]) -> Iterator[httpx2.Response]:
    """A chat request to the proxy whose answer is read as it comes."""
    url = f"{proxy_url}/v1/chat/completions"
    with httpx2.stream("POST", url, json=body, headers=AUTH) as response:
        yield response


def raw_get(base_url: str, target: str, host: str = "x") -> tuple[int, bytes]:
    """GET `target` (a path, or an absolute URL) exactly as written, with `host` as the Host
    header, over a plain socket; the status and body of the answer."""
    url = httpx2.URL(base_url)
    request = f"GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    with socket.create_connection((url.host, url.port or 80), timeout=5) as connection:
        connection.sendall(request.encode())
        answer = b"".join(iter(lambda: connection.recv(65536), b""))
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(("model", "modalities", "sent"), FIXED_BY_THE_PROXY)
def test_image_models_fail_directly_and_work_through_the_proxy(
    fake: FakeOpenRouter,
    fake_url: str,
    proxy_url: str,
    model: str,
    modalities: list[str],
    sent: str,
    sdk: Sdk,
) -> None:
    extra = {"modalities": modalities}
    with pytest.raises(openai.NotFoundError, match="No endpoints found that support"):
        sdk(f"{fake_url}/api/v1").chat.completions.create(
            model=model, messages=PROMPT, extra_body=extra
        )

    raw = sdk(f"{proxy_url}/v1").chat.completions.with_raw_response.create(
        model=model, messages=PROMPT, extra_body=extra
    )
    assert raw.headers["x-modalities"] == sent
    [image] = images_of(raw.parse().choices[0].message.model_extra)
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert orjson.loads(chat_requests(fake)[-1].body)["modalities"] == sent.split(",")


@pytest.mark.parametrize(("model", "modalities", "sent"), FIXED_BY_THE_PROXY[::2])
def test_image_models_stream_through_the_proxy(
    proxy_url: str,
    model: str,
    modalities: list[str],
    sent: str,
    sdk: Sdk,
) -> None:
    stream = sdk(f"{proxy_url}/v1").chat.completions.create(
        model=model, messages=PROMPT, stream=True, extra_body={"modalities": modalities}
    )
    chunks = list(stream)
    images = [image for c in chunks for image in images_of(c.choices[0].delta.model_extra)]
    assert len(images) == 1
    assert chunks[-1].usage is not None


def test_a_text_model_asked_for_images_and_text_answers_text(
    fake: FakeOpenRouter,
    proxy_url: str,
    sdk: Sdk,
) -> None:
    raw = sdk(f"{proxy_url}/v1").chat.completions.with_raw_response.create(
        model="openai/gpt-5", messages=PROMPT, extra_body={"modalities": ["image", "text"]}
    )
    assert raw.headers["x-modalities"] == "none"
    assert raw.parse().choices[0].message.content == "Hello from openai/gpt-5"
    assert "modalities" not in orjson.loads(chat_requests(fake)[-1].body)


def test_an_impossible_request_is_rejected_without_calling_upstream(
    fake: FakeOpenRouter,
    proxy_url: str,
    sdk: Sdk,
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        sdk(f"{proxy_url}/v1").chat.completions.create(
            model="openai/gpt-5", messages=PROMPT, extra_body={"modalities": ["image"]}
        )
    error = caught.value
    assert error.code == "modalities_rejected"
    assert "openai/gpt-5 outputs text" in error.message
    assert "/v1/models?output_modalities=image" in error.message
    assert error.response.headers["x-modalities"] == "none"
    assert chat_requests(fake) == []


@pytest.mark.parametrize(
    ("model", "modalities"),
    [("black-forest-labs/flux.2-pro", ["image"]), ("nobody/unknown-model", ["image", "text"])],
)
def test_what_needs_no_rewrite_goes_upstream_byte_for_byte(
    fake: FakeOpenRouter, proxy_url: str, model: str, modalities: list[str]
) -> None:
    body = b'{ "model" : "%s",\n "modalities": %s, "messages": [], "x": 1.50 }' % (
        model.encode(),
        orjson.dumps(modalities),
    )
    response = httpx2.post(f"{proxy_url}/v1/chat/completions", content=body, headers=AUTH)
    assert response.headers["x-modalities"] == "unchanged"
    assert chat_requests(fake)[-1].body == body


def test_a_rewrite_changes_only_the_fields_it_fixes(fake: FakeOpenRouter, proxy_url: str) -> None:
    """Edited in its bytes (app/translate/json_patch.py): the client's spacing, escapes and an
    integer beyond 64 bits (which a parse and serialization would turn into a float) stay."""
    rest = b'"messages": [{"role": "user", "content": "caf\\u00e9 \\"x\\""}], "seed": %d }' % 2**70
    body = b'{ "model" : "black-forest-labs/flux.2-pro",\n "modalities": ["image", "text"], ' + rest
    response = httpx2.post(f"{proxy_url}/v1/chat/completions", content=body, headers=AUTH)
    assert response.headers["x-modalities"] == "image"
    sent = b'{ "model" : "black-forest-labs/flux.2-pro",\n "modalities": ["image"], ' + rest
    assert chat_requests(fake)[-1].body == sent


@pytest.mark.parametrize("modalities", [b'["image"]', b'["image", "text"]'])
def test_a_big_body_arrives_whole_with_its_length(
    fake: FakeOpenRouter, proxy_url: str, modalities: bytes
) -> None:
    """Bodies over `UNJOINED_BODY_BYTES` go to aiohttp in pieces (app/upstream/sent_body.py),
    as they came or edited."""
    image = b"A" * (UNJOINED_BODY_BYTES * 2 + 7)
    head = b'{"model": "black-forest-labs/flux.2-pro", "modalities": '
    tail = b', "messages": [{"role": "user", "content": "data:image/png;base64,%s"}]}' % image
    body = head + modalities + tail
    response = httpx2.post(f"{proxy_url}/v1/chat/completions", content=body, headers=AUTH)
    assert response.status_code == 200
    received = chat_requests(fake)[-1]
    assert received.body == head + b'["image"]' + tail
    assert received.headers["content-length"] == str(len(received.body))


@pytest.mark.parametrize("model", ["test/error-429", "test/error-402", "nobody/unknown-model"])
def test_upstream_errors_reach_the_client_unchanged(
    fake_url: str, proxy_url: str, model: str
) -> None:
    def ask(base: str) -> httpx2.Response:
        body = {"model": model, "messages": PROMPT}
        return httpx2.post(f"{base}/chat/completions", json=body, headers=AUTH)

    direct, proxied = ask(f"{fake_url}/api/v1"), ask(f"{proxy_url}/v1")
    assert proxied.status_code == direct.status_code >= 400
    assert proxied.headers.get("retry-after") == direct.headers.get("retry-after")
    assert orjson.loads(proxied.content)["error"] == orjson.loads(direct.content)["error"]


def test_sse_is_relayed_as_it_came_keep_alives_and_errors_included(
    proxy_url: str, sdk: Sdk
) -> None:
    body = {"model": "test/stream-error", "messages": PROMPT, "stream": True}
    with stream_chat(proxy_url, body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        text = response.read().decode()
    events = [event for event in text.split("\n\n") if event]
    error_chunk = orjson.loads(events[-2].removeprefix("data: "))
    # As recorded: finish_reason null and usage beside the error (code 400, no metadata).
    assert error_chunk["choices"][0]["finish_reason"] is None
    assert error_chunk["error"] == {"code": 400, "message": "Provider returned error"}
    assert "usage" in error_chunk
    assert events[-1] == "data: [DONE]"

    with pytest.raises(openai.APIError, match="Provider returned error"):
        list(sdk(f"{proxy_url}/v1").chat.completions.create(**body))  # type: ignore[call-overload]


def test_a_client_that_goes_away_closes_the_upstream_stream(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    body = {"model": "test/stream-forever", "messages": PROMPT, "stream": True}
    with stream_chat(proxy_url, body) as response:
        first = next(response.iter_raw())
        assert first.startswith(b"data: ")
    assert fake.stream_cancelled.wait(timeout=5)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "not valid JSON"),
        (b"{bad", "not valid JSON"),
        (b'{"model": "a/b", "x": "\xff\xfe"}', "not valid JSON"),
        (b"[1, 2]", "must be a JSON object"),
        (b'"text"', "must be a JSON object"),
        (b'{"model": 42}', "`model` must be a string"),
        (b'{"model": "openai/gpt-5", "modalities": "image"}', "list of strings"),
    ],
)
def test_bad_bodies_get_openai_errors_and_never_reach_upstream(
    fake: FakeOpenRouter, proxy_url: str, body: bytes, message: str
) -> None:
    response = httpx2.post(f"{proxy_url}/v1/chat/completions", content=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error["message"]
    assert error["type"] == "invalid_request_error"
    assert isinstance(error["code"], str)
    assert chat_requests(fake) == []


def test_models_lists_the_merged_catalog_image_only_models_included(
    proxy_url: str, sdk: Sdk
) -> None:
    models = {model.id for model in sdk(f"{proxy_url}/v1").models.list()}
    assert len(models) == 549
    assert {"black-forest-labs/flux.2-pro", "openai/gpt-5"} <= models


def test_openrouters_own_paths_work_under_api_v1(
    fake: FakeOpenRouter, proxy_url: str, sdk: Sdk
) -> None:
    client = sdk(f"{proxy_url}/api/v1")
    completion = client.chat.completions.create(
        model="black-forest-labs/flux.2-pro",
        messages=PROMPT,
        extra_body={"modalities": ["image", "text"]},
    )
    assert images_of(completion.choices[0].message.model_extra)
    assert len(client.models.list().data) == 549


def test_other_paths_are_forwarded_as_they_are(fake: FakeOpenRouter, proxy_url: str) -> None:
    response = httpx2.post(
        f"{proxy_url}/v1/generation/abc?id=1&x=%2F",
        content=b"payload",
        headers={
            "Authorization": "Bearer client",
            "Connection": "x-hop",
            "X-Hop": "1",
            "X-Keep": "2",
        },
    )
    assert response.json()["echo"] == {
        "method": "POST",
        "path": "/api/v1/generation/abc",
        "query": "id=1&x=%2F",
        "body": "payload",
    }
    received = fake.requests[-1].headers
    assert received["authorization"] == "Bearer client"
    assert received["x-keep"] == "2"
    assert "x-hop" not in received


@pytest.mark.parametrize("path", ["/v1/../models", "/v1/%2e%2e/secret", "/api/v1/a/%2E/b"])
def test_dot_segments_are_refused(fake: FakeOpenRouter, proxy_url: str, path: str) -> None:
    status, body = raw_get(proxy_url, path)  # an HTTP client would remove the dots itself
    assert status == 400
    assert proxy_code(orjson.loads(body)["error"]) == "invalid_path"
    assert [r for r in fake.requests if not r.path.endswith("/models")] == []  # catalog loads


def test_unknown_routes_answer_openai_errors(proxy_url: str) -> None:
    response = httpx2.get(f"{proxy_url}/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_server_key_is_used_when_the_client_sends_none(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    with start_proxy(openrouter_api_key="sk-or-server") as url:
        httpx2.post(
            f"{url}/v1/chat/completions", json={"model": "openai/gpt-5", "messages": PROMPT}
        )
        httpx2.post(
            f"{url}/v1/chat/completions",
            json={"model": "openai/gpt-5", "messages": PROMPT},
            headers={"Authorization": "Bearer sk-or-client"},
        )
    keys = [r.headers["authorization"] for r in chat_requests(fake)]
    assert keys == ["Bearer sk-or-server", "Bearer sk-or-client"]


def test_unreachable_upstream_is_a_502() -> None:
    with running_proxy(proxy_settings("http://127.0.0.1:9"), ready=False) as url:
        response = httpx2.post(
            f"{url}/v1/chat/completions", json={"model": "a/b", "modalities": []}
        )
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert response.headers["x-modalities"] == "none"


@pytest.mark.parametrize(
    ("timeouts", "status"),
    [
        ({"proxy_first_byte_timeout_seconds": 0.2}, 504),
        # The gap between pieces of an answer does not bound the wait for its start.
        ({"proxy_first_byte_timeout_seconds": 10, "proxy_read_timeout_seconds": 0.2}, 200),
    ],
)
def test_a_slow_upstream_is_a_504_after_the_first_byte_timeout(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, timeouts: dict[str, float], status: int
) -> None:
    fake.slow_seconds = 0.5
    with start_proxy(**timeouts) as url:
        response = httpx2.post(
            f"{url}/v1/chat/completions",
            json={"model": "test/slow"},
            headers=AUTH,
        )
    assert response.status_code == status
    if status == 504:
        assert response.json()["error"]["code"] == "upstream_timeout"


def test_requests_are_served_before_the_catalog_loads(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    fake.catalog_down = True
    with start_proxy(ready=False) as url:
        assert httpx2.get(f"{url}/readyz").status_code == 503
        response = httpx2.post(
            f"{url}/v1/chat/completions",
            json={"model": "black-forest-labs/flux.2-pro", "modalities": ["image", "text"]},
            headers=AUTH,
        )
    # Sent as it came; upstream's 404 then has the proxy look the model up alone and retry.
    sent = [orjson.loads(r.body)["modalities"] for r in chat_requests(fake)]
    assert sent == [["image", "text"], ["image"]]
    assert response.status_code == 200
    assert response.headers["x-modalities"] == "image"


def test_a_model_added_upstream_is_fixed_on_first_use(
    fake: FakeOpenRouter,
    start_proxy: ProxyFactory,
    sdk: Sdk,
) -> None:
    with start_proxy() as url:
        fake.add_model({"id": "new/painter", "architecture": {"output_modalities": ["image"]}})
        completion = sdk(f"{url}/v1").chat.completions.create(
            model="new/painter", messages=PROMPT, extra_body={"modalities": ["image", "text"]}
        )
    assert images_of(completion.choices[0].message.model_extra)


def test_models_answers_which_models_output_image_and_text(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    asked_upstream = len(fake.requests)
    response = httpx2.get(f"{proxy_url}/v1/models?output_modalities=image,text&match=exact")
    listing = response.json()
    assert listing["total_count"] == len(listing["data"]) == 11
    assert "google/gemini-2.5-flash-image" in {model["id"] for model in listing["data"]}
    assert listing["links"] == {"next": None}
    assert len(fake.requests) == asked_upstream  # answered from the catalog


def test_a_malformed_filter_is_a_400(proxy_url: str) -> None:
    response = httpx2.get(f"{proxy_url}/api/v1/models?match=sometimes")
    assert response.status_code == 400
    assert proxy_code(response.json()["error"]) == "invalid_filter"


@pytest.mark.parametrize(
    ("path", "model_id"),
    [
        ("black-forest-labs/flux.2-pro", "black-forest-labs/flux.2-pro"),
        ("google/gemini-2.5-flash-image:free", "google/gemini-2.5-flash-image"),
        ("~x-ai/grok-latest", "x-ai/grok-4.6"),
        ("%7Ex-ai/grok-latest", "x-ai/grok-4.6"),
    ],
)
def test_one_model_by_id_variant_or_alias(proxy_url: str, path: str, model_id: str) -> None:
    response = httpx2.get(f"{proxy_url}/v1/models/{path}")
    assert response.json()["id"] == model_id


def test_one_model_through_the_sdk_and_an_unknown_one(proxy_url: str, sdk: Sdk) -> None:
    client = sdk(f"{proxy_url}/v1")
    assert (
        client.models.retrieve("black-forest-labs/flux.2-max").id == "black-forest-labs/flux.2-max"
    )
    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("nobody/nothing")
    assert caught.value.code == "model_not_found"


def test_a_client_that_goes_away_before_the_answer_cancels_the_upstream_request(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    fake.slow_seconds = 5.0  # a slow generation; without the cancel the fake would finish it
    with pytest.raises(httpx2.ReadTimeout):
        httpx2.post(
            f"{proxy_url}/v1/chat/completions",
            json={"model": "test/slow", "messages": PROMPT},
            headers=AUTH,
            timeout=0.3,
        )
    assert fake.request_abandoned.wait(timeout=3)


def test_every_refresh_writes_a_snapshot_and_a_cold_start_uses_it(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.json"
    with start_proxy(proxy_catalog_snapshot=path) as url:
        assert httpx2.get(f"{url}/readyz").json()["source"] == "live"
    assert len(orjson.loads(path.read_bytes())["data"]) == 549

    fake.catalog_down = True  # OpenRouter's catalog is down
    with start_proxy(ready=False, proxy_catalog_snapshot=path) as url:
        ready = httpx2.get(f"{url}/readyz")
        response = httpx2.post(
            f"{url}/v1/chat/completions",
            json={"model": "black-forest-labs/flux.2-pro", "modalities": ["image", "text"]},
            headers=AUTH,
        )
    assert ready.status_code == 200
    assert ready.json()["source"] == "snapshot"
    assert response.status_code == 200
    assert response.headers["x-modalities"] == "image"


def test_a_catalog_older_than_the_limit_is_not_ready(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes((DATA_DIR / "models-all-2026-08-19.json").read_bytes())
    two_days_ago = time.time() - 2 * 86400
    os.utime(path, (two_days_ago, two_days_ago))
    fake.catalog_down = True
    with start_proxy(ready=False, proxy_catalog_snapshot=path) as url:
        ready = httpx2.get(f"{url}/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "catalog too old"
    assert ready.json()["age_seconds"] > 86400


def test_a_corrupt_snapshot_does_not_stop_the_proxy(
    start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes(b"{corrupt")
    with start_proxy(proxy_catalog_snapshot=path) as url:
        assert httpx2.get(f"{url}/readyz").json()["source"] == "live"
    assert len(orjson.loads(path.read_bytes())["data"]) == 549  # replaced by a good one


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/api/v1/rerank"])
@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_limit_is_a_413_and_never_forwarded(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, path: str, chunked: bool
) -> None:
    fits = orjson.dumps({"model": "openai/gpt-5", "messages": PROMPT})
    body = orjson.dumps({"model": "openai/gpt-5", "messages": PROMPT, "pad": "x" * 2000})

    def pieces() -> Iterator[bytes]:  # no Content-Length: the body arrives chunked
        yield from (body[i : i + 500] for i in range(0, len(body), 500))

    with start_proxy(proxy_max_body_bytes=1000) as url:
        response = httpx2.post(f"{url}{path}", content=pieces() if chunked else body, headers=AUTH)
        small = httpx2.post(f"{url}{path}", content=fits, headers=AUTH)
    assert response.status_code == 413
    assert proxy_code(response.json()["error"]) == "request_too_large"
    assert small.status_code == 200
    assert [r.body for r in fake.requests if r.method == "POST"] == [fits]


@pytest.mark.parametrize("keys_from", ["variable", "file"])
def test_gateway_mode_checks_client_keys_and_sends_only_its_own(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, tmp_path: Path, keys_from: str
) -> None:
    keys_file = tmp_path / "keys"
    keys_file.write_text("client-one\n\nclient-two\n")
    where = (
        {"proxy_api_keys": "client-one, client-two"}
        if keys_from == "variable"
        else {"proxy_api_keys_file": keys_file}
    )
    body = {"model": "openai/gpt-5", "messages": PROMPT}
    with start_proxy(openrouter_api_key="sk-or-server", **where) as url:
        refused = [
            httpx2.post(f"{url}/v1/chat/completions", json=body, headers=headers)
            for headers in (
                {},
                {"Authorization": "Bearer client-three"},
                {"Authorization": "client-two"},
            )
        ]
        listing = httpx2.get(f"{url}/api/v1/models")
        accepted = httpx2.post(
            f"{url}/v1/chat/completions", json=body, headers={"Authorization": "Bearer client-two"}
        )
        healthy = httpx2.get(f"{url}/healthz")
    assert [r.status_code for r in refused] == [401, 401, 401]
    assert refused[0].json()["error"]["code"] == "invalid_api_key"
    assert "client-" not in refused[1].text
    assert listing.status_code == 401
    assert accepted.status_code == 200
    assert healthy.status_code == 200
    assert [r.headers["authorization"] for r in chat_requests(fake)] == ["Bearer sk-or-server"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("trace-0af7:651916cd.43dd", True), (None, False), ("two words", False), ("x" * 129, False)],
)
def test_a_request_id_goes_upstream_and_back(
    fake: FakeOpenRouter, proxy_url: str, sent: str | None, kept: bool
) -> None:
    headers = {**AUTH, **({"X-Request-Id": sent} if sent else {})}
    body = {"model": "openai/gpt-5", "messages": PROMPT}
    response = httpx2.post(f"{proxy_url}/v1/chat/completions", json=body, headers=headers)
    request_id = response.headers["x-request-id"]
    assert request_id == sent if kept else re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert chat_requests(fake)[-1].headers["x-request-id"] == request_id


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/v1/chat/completions"), ("GET", "/nowhere")]
)
def test_local_errors_carry_the_request_id_too(proxy_url: str, method: str, path: str) -> None:
    response = httpx2.request(method, f"{proxy_url}{path}", headers={"X-Request-Id": "mine"})
    assert response.status_code >= 400
    assert response.headers["x-request-id"] == "mine"


@pytest.mark.parametrize(
    ("target", "host", "reaches"),
    [
        ("http://elsewhere.test/v1/credits", "elsewhere.test", "/api/v1/credits"),
        ("/v1/credits", "elsewhere.test:443", "/api/v1/credits"),
        ("/v1/http:/elsewhere.test/credits", "x", "/api/v1/http:/elsewhere.test/credits"),
        ("/v1/@elsewhere.test/credits", "x", "/api/v1/@elsewhere.test/credits"),
    ],
)
def test_no_path_or_host_header_leads_anywhere_but_the_upstream(
    fake: FakeOpenRouter, proxy_url: str, target: str, host: str, reaches: str
) -> None:
    status, body = raw_get(proxy_url, target, host)
    assert status == 200  # the fake's echo: another host would have been a 502
    assert orjson.loads(body)["echo"]["path"] == reaches
    assert fake.requests[-1].path == reaches


@pytest.mark.parametrize(
    "target", ["/v1/http://elsewhere.test/credits", "/v1/%2F%2Felsewhere.test/credits"]
)
def test_a_path_with_empty_segments_is_never_forwarded(
    fake: FakeOpenRouter, proxy_url: str, target: str
) -> None:
    status, body = raw_get(proxy_url, target)
    assert status == 400
    assert proxy_code(orjson.loads(body)["error"]) == "invalid_path"
    assert [r for r in fake.requests if not r.path.endswith("/models")] == []
