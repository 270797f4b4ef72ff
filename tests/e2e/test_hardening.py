"""What a hostile client could do to the proxy, and what it gets instead (issue 18's findings),
end to end: the proxy under uvicorn in front of the fake OpenRouter."""

import httpx2
import orjson

from app.dev.emulator import FakeOpenRouter
from tests.conftest import ProxyFactory

AUTH = {"Authorization": "Bearer k"}
CHAT = {"model": "openai/gpt-5", "messages": [{"role": "user", "content": "hi"}]}


def upstream_calls(fake: FakeOpenRouter) -> list[str]:
    return [r.path for r in fake.requests if r.path != "/api/v1/models"]


def test_a_body_of_too_many_json_values_is_a_413_and_never_forwarded(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    body = orjson.dumps({**CHAT, "bulk": [{}] * 500})
    with start_proxy(proxy_max_json_items=400) as url:
        answer = httpx2.post(f"{url}/v1/chat/completions", content=body, headers=AUTH)
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_many_json_values"
    assert upstream_calls(fake) == []
