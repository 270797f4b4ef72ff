"""The app factory: resources in the lifespan, OpenAI-format answers for every failure."""

from pathlib import Path

import httpx2
import pytest

from app.upstream.client import Upstream
from tests.conftest import ProxyFactory, proxy_settings, running_proxy


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


# uvicorn ends its thread with SystemExit when the app's start-up fails.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_gateway_whose_keys_file_holds_no_key_does_not_start(
    fake_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    empty = tmp_path / "keys"
    empty.write_text("\n \n")
    settings = proxy_settings(
        fake_url, openrouter_api_key="sk-or-server", proxy_api_keys_file=empty
    )
    with pytest.raises(RuntimeError, match="exited during startup"), running_proxy(settings):
        raise AssertionError("the proxy started with no usable key")
    assert "no usable key" in caplog.text
