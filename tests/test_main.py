"""The app factory: resources in the lifespan, OpenAI-format answers for every failure."""

import httpx2
import pytest

from app.cli import SERVER_OPTIONS
from app.main import create_app
from app.settings import Settings
from tests.servers import serve


def failing_transport(request: httpx2.Request) -> httpx2.Response:
    raise RuntimeError("a bug, not a network failure")


def test_an_unexpected_error_is_a_500_in_openai_format(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(
        Settings(openrouter_base_url="http://upstream.test/api/v1"),
        transport=httpx2.MockTransport(failing_transport),
    )
    with serve(app, **SERVER_OPTIONS) as url:
        response = httpx2.get(f"{url}/v1/credits", headers={"Authorization": "Bearer sk-secret"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "RuntimeError" not in response.text
    assert "sk-secret" not in caplog.text
