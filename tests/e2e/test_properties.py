"""Property-based: whatever body or headers a client sends to the chat route, the proxy answers
with a well-formed response, and what is not a JSON object never reaches upstream."""

from collections.abc import Iterator

import httpx2
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import serve, wait_until_ready
from app.main import SERVER_OPTIONS, create_app
from tests.conftest import proxy_settings

Servers = tuple[FakeOpenRouter, httpx2.Client]
RUNS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
chat_bodies = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["black-forest-labs/flux.2-pro", "openai/gpt-5", "a/b"])
        | json_values,
        "modalities": st.lists(st.sampled_from(["text", "image", "audio", "video"])) | json_values,
        "messages": json_values,
    },
)
header_names = st.from_regex(r"\A[a-z][a-z0-9-]{0,20}\Z").filter(
    lambda name: name not in {"content-length", "transfer-encoding", "host", "connection"}
)
header_values = st.from_regex(r"\A[ -~]{0,40}\Z").map(str.strip)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    fake = FakeOpenRouter()
    with (
        serve(fake.app) as fake_url,
        serve(create_app(proxy_settings(fake_url)), **SERVER_OPTIONS) as proxy_url,
        httpx2.Client(base_url=proxy_url) as client,
    ):
        wait_until_ready(proxy_url)
        yield fake, client


def chat(
    client: httpx2.Client, body: bytes, headers: dict[str, str] | None = None
) -> httpx2.Response:
    return client.post("/v1/chat/completions", content=body, headers=headers)


def chats(fake: FakeOpenRouter) -> list[object]:
    return [r for r in fake.requests if r.path.endswith("/chat/completions")]


def assert_openai_error(response: httpx2.Response) -> None:
    error = response.json()["error"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert "code" in error


@RUNS
@given(body=st.binary(max_size=300))
def test_any_bytes_that_are_not_a_json_object_get_a_400_and_stay_here(
    servers: Servers, body: bytes
) -> None:
    fake, client = servers
    try:
        is_object = isinstance(orjson.loads(body), dict)
    except orjson.JSONDecodeError:
        is_object = False
    before = len(chats(fake))
    response = chat(client, body)
    if not is_object:
        assert response.status_code == 400
        assert_openai_error(response)
        assert len(chats(fake)) == before


@RUNS
@given(payload=chat_bodies)
def test_any_json_object_gets_a_well_formed_answer(
    servers: Servers, payload: dict[str, object]
) -> None:
    fake, client = servers
    before = len(chats(fake))
    response = chat(client, orjson.dumps(payload), {"Authorization": "Bearer k"})
    assert 200 <= response.status_code < 600
    assert "x-modalities" in response.headers
    forwarded = len(chats(fake)) - before
    if response.status_code == 200:
        assert response.json()["choices"]
        assert forwarded == 1
    else:
        assert_openai_error(response)
        # The proxy's own refusals carry string codes and call nothing; upstream's carry its
        # numeric code and came from one forwarded request.
        local = isinstance(response.json()["error"]["code"], str)
        assert forwarded == (0 if local else 1)


@RUNS
@given(headers=st.dictionaries(header_names, header_values, max_size=6))
def test_any_headers_get_a_well_formed_answer(servers: Servers, headers: dict[str, str]) -> None:
    _, client = servers
    body = orjson.dumps({"model": "black-forest-labs/flux.2-pro", "modalities": ["image", "text"]})
    response = chat(client, body, headers)
    assert 200 <= response.status_code < 600
    if response.status_code != 200:
        assert_openai_error(response)
