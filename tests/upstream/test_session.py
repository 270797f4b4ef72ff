"""The egress proxy of the session (`app.upstream.session`): the environment's, read once."""

import pytest

from app.upstream.session import egress_proxy


@pytest.mark.parametrize(
    ("environment", "proxy"),
    [
        ({}, None),
        ({"HTTPS_PROXY": "http://egress:3128"}, "http://egress:3128"),
        ({"HTTPS_PROXY": "http://egress:3128", "NO_PROXY": "openrouter.ai"}, None),
        ({"HTTP_PROXY": "http://egress:3128"}, None),
    ],
)
def test_egress_proxy_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], proxy: str | None
) -> None:
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert egress_proxy("https://openrouter.ai/api/v1") == proxy
