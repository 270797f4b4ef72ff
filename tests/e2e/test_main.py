"""The app factory: resources in the lifespan, OpenAI-format answers for every failure."""

import httpx2
import pytest

from app.upstream.client import Upstream
from tests.conftest import ProxyFactory


def failing_forward(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug, not a network failure")


def test_an_unexpected_error_is_a_500_in_openai_format(
    start_proxy: ProxyFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Upstream, "send", failing_forward)
    with start_proxy() as url:
        response = httpx2.get(f"{url}/v1/credits", headers={"Authorization": "Bearer sk-secret"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "RuntimeError" not in response.text
