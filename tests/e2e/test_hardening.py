"""What a hostile client could do to the proxy, and what it gets instead (issue 18's findings),
end to end: the proxy under uvicorn in front of the fake OpenRouter."""

from collections.abc import Iterator

import httpx2
import orjson
import pytest

from app.api.bodies import MAX_JSON_DEPTH
from app.dev import raw_http
from app.dev.emulator import FakeOpenRouter
from tests.conftest import ProxyFactory
from tests.error_codes import proxy_code

AUTH = {"Authorization": "Bearer k"}
CHAT = {"model": "openai/gpt-5", "messages": [{"role": "user", "content": "hi"}]}


def upstream_calls(fake: FakeOpenRouter) -> list[str]:
    """What reached the fake besides the catalogs' model lists."""
    return [r.path for r in fake.requests if not r.path.endswith("/models")]


def test_a_body_of_too_many_json_values_is_a_413_and_never_forwarded(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    body = orjson.dumps({**CHAT, "bulk": [{}] * 500})
    with start_proxy(proxy_max_json_items=400) as url:
        answer = httpx2.post(f"{url}/v1/chat/completions", content=body, headers=AUTH)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_many_json_values"
    assert upstream_calls(fake) == []


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain;charset=UTF-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ],
)
def test_a_json_route_refuses_what_a_page_may_send_without_a_preflight(
    fake: FakeOpenRouter, proxy_url: str, content_type: str
) -> None:
    """Relay mode, no Authorization: the proxy would send its own key."""
    body = orjson.dumps(CHAT)
    answer = httpx2.post(
        f"{proxy_url}/v1/chat/completions", content=body, headers={"Content-Type": content_type}
    )
    assert answer.status_code == 415
    assert answer.json()["error"]["code"] == "unsupported_media_type"
    assert upstream_calls(fake) == []


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/vnd.api+json"],
)
def test_a_json_route_takes_json(proxy_url: str, content_type: str) -> None:
    body = orjson.dumps(CHAT)
    headers = {**AUTH, "Content-Type": content_type}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", content=body, headers=headers)
    assert answer.status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/chat/completions"),
        ("GET", "/v1/models"),
        ("POST", "/v1/credits"),
        ("GET", "/metrics"),
    ],
)
def test_a_request_from_a_web_page_is_refused(
    fake: FakeOpenRouter, proxy_url: str, method: str, path: str
) -> None:
    headers = {"Origin": "https://evil.example", "Content-Type": "application/json"}
    answer = httpx2.request(
        method, f"{proxy_url}{path}", content=orjson.dumps(CHAT), headers=headers
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "origin_not_allowed"
    assert upstream_calls(fake) == []


def test_an_allowed_origin_gets_cors(start_proxy: ProxyFactory) -> None:
    page = "http://localhost:3000"
    with start_proxy(proxy_cors_origins=f"{page}, https://app.example") as url:
        preflight = httpx2.options(
            f"{url}/v1/chat/completions",
            headers={"Origin": page, "Access-Control-Request-Method": "POST"},
        )
        answer = httpx2.post(
            f"{url}/v1/chat/completions", json=CHAT, headers={**AUTH, "Origin": page}
        )
        other = httpx2.post(
            f"{url}/v1/chat/completions", json=CHAT, headers={**AUTH, "Origin": "https://x.example"}
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == page
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == page
    assert "x-modalities" in answer.headers["access-control-expose-headers"].lower()
    assert other.status_code == 403


@pytest.fixture
def gateway_url(start_proxy: ProxyFactory) -> Iterator[str]:
    with start_proxy(openrouter_api_key="sk-or-server", proxy_api_keys="client-one") as url:
        yield url


GATEWAY_AUTH = {"Authorization": "Bearer client-one"}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/key"),
        ("GET", "/v1/credits"),
        ("GET", "/v1/generation?id=x"),
        ("DELETE", "/v1/keys/x"),
        ("GET", "/v1/completions"),
    ],
)
def test_gateway_mode_forwards_only_its_allowlist(
    fake: FakeOpenRouter, gateway_url: str, method: str, path: str
) -> None:
    answer = httpx2.request(method, f"{gateway_url}{path}", headers=GATEWAY_AUTH)
    assert answer.status_code == 404
    assert upstream_calls(fake) == []


def test_gateway_mode_forwards_the_allowlist_without_the_clients_credentials(
    fake: FakeOpenRouter, gateway_url: str
) -> None:
    headers = {**GATEWAY_AUTH, "Cookie": "session=secret", "X-Api-Key": "client-one"}
    answer = httpx2.post(
        f"{gateway_url}/v1/completions", json={"model": "a/b", "prompt": "hi"}, headers=headers
    )
    chat = httpx2.post(f"{gateway_url}/v1/chat/completions", json=CHAT, headers=headers)
    assert answer.status_code == 200
    assert chat.status_code == 200
    sent = [r.headers for r in fake.requests if not r.path.endswith("/models")]
    assert len(sent) == 2
    for headers_sent in sent:
        assert "cookie" not in headers_sent
        assert "x-api-key" not in headers_sent
        assert headers_sent["authorization"] == "Bearer sk-or-server"


def test_gateway_mode_metrics_need_a_client_key(gateway_url: str) -> None:
    assert httpx2.get(f"{gateway_url}/metrics").status_code == 401
    assert httpx2.get(f"{gateway_url}/metrics", headers=GATEWAY_AUTH).status_code == 200
    assert httpx2.get(f"{gateway_url}/healthz").status_code == 200
    assert httpx2.get(f"{gateway_url}/readyz").status_code == 200


@pytest.mark.parametrize(
    ("raw_path", "status"),
    [
        (b"/v1/..%2f..%2fsecret", 400),
        (b"/v1/..%5c..%5csecret", 400),
        (b"/v1/a/..%2F..%2F..%2Fkey", 400),
        (b"/%61pi/v1/key", 400),
        (b"/v1/chat/completions/", 404),
        (b"/v1/Chat/Completions", 404),
        (b"/api/v1/IMAGES/generations", 404),
    ],
)
def test_paths_that_would_escape_or_skip_the_policy_are_refused(
    fake: FakeOpenRouter, proxy_url: str, raw_path: bytes, status: int
) -> None:
    request = (
        b"POST "
        + raw_path
        + b" HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
    )
    answer = raw_http.exchange(proxy_url, request)
    assert raw_http.status_of(answer) == status
    assert orjson.loads(raw_http.body_of(answer))["error"]["code"]
    assert upstream_calls(fake) == []


@pytest.mark.parametrize("method", ["GET", "OPTIONS", "PUT", "DELETE"])
def test_another_method_on_a_policy_route_is_a_405(
    fake: FakeOpenRouter, proxy_url: str, method: str
) -> None:
    answer = httpx2.request(method, f"{proxy_url}/v1/chat/completions", headers=AUTH)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert upstream_calls(fake) == []


def test_no_redirect_is_built_from_the_clients_host(proxy_url: str) -> None:
    answer = httpx2.get(f"{proxy_url}/v1", headers={"Host": "evil.example"})
    assert answer.status_code == 404
    assert "location" not in answer.headers


def test_a_huge_number_in_a_form_is_a_400(fake: FakeOpenRouter, proxy_url: str) -> None:
    files = {"image": ("square.png", b"\x89PNG\r\n", "image/png")}
    data = {"model": "google/gemini-2.5-flash-image", "prompt": "Blue", "n": "9" * 5000}
    answer = httpx2.post(f"{proxy_url}/v1/images/edits", data=data, files=files, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unsupported_n"
    assert upstream_calls(fake) == []


def test_a_client_that_hangs_up_mid_body_is_no_error(
    proxy_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    head = b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n"
    with raw_http.connect(proxy_url) as sock:
        sock.sendall(head + b'{"model": "op')
    assert httpx2.get(f"{proxy_url}/healthz").status_code == 200
    httpx2.get(f"{proxy_url}/metrics")  # a request after, so the one before has ended
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == []


def test_expect_100_continue_is_answered_by_the_proxy_not_forwarded(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    body = orjson.dumps(CHAT)
    headers = {**AUTH, "Expect": "100-continue", "Content-Type": "application/json"}
    answer = httpx2.post(f"{proxy_url}/v1/chat/completions", content=body, headers=headers)
    assert answer.status_code == 200
    assert all("expect" not in r.headers for r in fake.requests)


def test_header_bytes_go_upstream_as_they_came(fake: FakeOpenRouter, proxy_url: str) -> None:
    body = orjson.dumps(CHAT)
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer k\r\n"
        b"Content-Type: application/json\r\nConnection: close\r\n"
        b"Content-Length: %d\r\nX-Title: caf\xc3\xa9 \xe2\x98\x95\r\n\r\n" % len(body)
    )
    answer = raw_http.exchange(proxy_url, head + body)
    not_utf8 = raw_http.exchange(proxy_url, head.replace(b"\xc3\xa9", b"\xe9") + body)
    assert raw_http.status_of(answer) == 200
    assert raw_http.status_of(not_utf8) == 400
    titles = [
        r.headers["x-title"].encode("latin-1") for r in fake.requests if "x-title" in r.headers
    ]
    assert titles == [b"caf\xc3\xa9 \xe2\x98\x95"]


# A body of each JSON route that the proxy sends on (rewritten where it rewrites: the chat and
# Responses bodies gain their image model's modalities).
JSON_ROUTES = [
    (
        "/v1/chat/completions",
        {**CHAT, "model": "google/gemini-2.5-flash-image", "modalities": ["image"]},
    ),
    (
        "/v1/responses",
        {"model": "google/gemini-2.5-flash-image", "input": "hi", "modalities": ["image"]},
    ),
    ("/v1/embeddings", {"model": "openai/text-embedding-3-small", "input": "hi"}),
    ("/v1/audio/speech", {"model": "hexgrad/kokoro-82m", "input": "hi", "voice": "af_alloy"}),
    (
        "/v1/audio/transcriptions",
        {"model": "openai/whisper-1", "input_audio": {"data": "AAAA", "format": "wav"}},
    ),
    ("/v1/images/generations", {"model": "black-forest-labs/flux.2-pro", "prompt": "a cat"}),
    ("/v1/videos", {"model": "google/veo-3.1", "prompt": "a fox"}),
    ("/api/v1/videos", {"model": "google/veo-3.1", "prompt": "a fox"}),
]


JSON_AUTH = {**AUTH, "Content-Type": "application/json"}


def nested_in(body: dict[str, object], depth: int) -> bytes:
    """`body` with a member `deep` that makes it nested `depth` levels (the body is the first)."""
    deep = b"[" * (depth - 1) + b"]" * (depth - 1)
    return orjson.dumps(body)[:-1] + b',"deep":' + deep + b"}"


@pytest.mark.parametrize(("path", "body"), JSON_ROUTES, ids=[path for path, _ in JSON_ROUTES])
def test_a_body_nested_deeper_than_the_proxy_writes_is_a_400_on_every_json_route(
    fake: FakeOpenRouter, proxy_url: str, path: str, body: dict[str, object]
) -> None:
    for depth in (MAX_JSON_DEPTH + 1, 600, 1023):
        content = nested_in(body, depth)
        answer = httpx2.post(f"{proxy_url}{path}", content=content, headers=JSON_AUTH)
        assert answer.status_code == 400, depth
        assert proxy_code(answer.json()["error"]) == "json_too_deep"
    assert upstream_calls(fake) == []
    deepest = httpx2.post(
        f"{proxy_url}{path}", content=nested_in(body, MAX_JSON_DEPTH), headers=JSON_AUTH
    )
    assert deepest.status_code < 500, deepest.text
