"""Property-based: whatever body or headers a client sends to the chat route, the answer is
upstream's as it came, or the proxy's own 4xx in OpenAI's error format, never a 5xx of the
proxy's; and what is not a JSON object never reaches upstream."""

from collections.abc import Iterator

import httpx2
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.dev.emulator import FakeOpenRouter
from tests.conftest import CurrentFake, ModuleProxy

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
def servers(fake_server: tuple[CurrentFake, str], module_proxy: ModuleProxy) -> Iterator[Servers]:
    """One fake for the module, behind the module's proxy: Hypothesis runs a test's examples in
    one call, so they would share even a fake of the test's own."""
    current, fake_url = fake_server
    current.fake = fake = FakeOpenRouter()
    with httpx2.Client(base_url=module_proxy.url(fake_url)) as client:
        yield fake, client


def chat(
    client: httpx2.Client, body: bytes, headers: dict[str, str] | None = None
) -> httpx2.Response:
    return client.post("/v1/chat/completions", content=body, headers=headers)


def chats(fake: FakeOpenRouter) -> int:
    return sum(r.path.endswith("/chat/completions") for r in fake.requests)


def assert_well_formed(response: httpx2.Response, forwarded: int) -> None:
    """`response` is upstream's, from the one request forwarded: a completion, or its error
    relayed as it came (OpenRouter's envelope, whose `code` is the status); or else the proxy's
    own refusal: a 4xx in OpenAI's error format, with nothing forwarded. Never a 5xx the proxy
    made: the fake answers none of these requests with one."""
    status, error = response.status_code, response.json().get("error")
    if forwarded:
        assert forwarded == 1
        if status == 200:
            assert response.json()["choices"]
        else:
            assert error["code"] == status
            assert isinstance(error["message"], str)
        return
    assert 400 <= status < 500, response.text
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["type"] == "invalid_request_error"
    assert isinstance(error["code"], str)


@RUNS
@given(body=st.binary(max_size=300))
def test_any_bytes_get_a_well_formed_answer_and_what_is_not_a_json_object_a_400_here(
    servers: Servers, body: bytes
) -> None:
    fake, client = servers
    try:
        is_object = isinstance(orjson.loads(body), dict)
    except orjson.JSONDecodeError:
        is_object = False
    before = chats(fake)
    response = chat(client, body)
    forwarded = chats(fake) - before
    assert_well_formed(response, forwarded)
    if not is_object:
        assert response.status_code == 400
        assert forwarded == 0


@RUNS
@given(payload=chat_bodies)
def test_any_json_object_gets_a_well_formed_answer(
    servers: Servers, payload: dict[str, object]
) -> None:
    fake, client = servers
    before = chats(fake)
    response = chat(client, orjson.dumps(payload), {"Authorization": "Bearer k"})
    assert "x-modalities" in response.headers
    assert_well_formed(response, chats(fake) - before)


@RUNS
@given(headers=st.dictionaries(header_names, header_values, max_size=6))
def test_any_headers_get_a_well_formed_answer(servers: Servers, headers: dict[str, str]) -> None:
    fake, client = servers
    body = orjson.dumps({"model": "black-forest-labs/flux.2-pro", "modalities": ["image", "text"]})
    before = chats(fake)
    response = chat(client, body, headers)
    assert "x-modalities" in response.headers
    assert_well_formed(response, chats(fake) - before)
