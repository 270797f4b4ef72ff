"""Settings come from environment variables, with the documented defaults."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.settings import OnUnsupported, Settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENROUTER_BASE_URL", "OPENROUTER_API_KEY", "PROXY_HOST", "PROXY_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.openrouter_base_url == "https://openrouter.ai/api/v1"
    assert settings.openrouter_api_key is None
    assert (settings.proxy_host, settings.proxy_port) == ("127.0.0.1", 8080)
    assert settings.proxy_catalog_refresh_seconds == 300
    assert settings.proxy_on_unsupported is OnUnsupported.REJECT


def test_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://127.0.0.1:9000/api/v1/")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-secret")
    monkeypatch.setenv("PROXY_PORT", "9001")
    monkeypatch.setenv("PROXY_ON_UNSUPPORTED", "drop")
    settings = Settings()
    assert settings.openrouter_base_url == "http://127.0.0.1:9000/api/v1"
    assert settings.openrouter_api_key is not None
    assert settings.openrouter_api_key.get_secret_value() == "sk-or-secret"
    assert "sk-or-secret" not in repr(settings)
    assert settings.proxy_port == 9001
    assert settings.proxy_on_unsupported is OnUnsupported.DROP


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROXY_ON_UNSUPPORTED", "sometimes"),
        ("OPENROUTER_BASE_URL", "openrouter.ai/api/v1"),
        ("PROXY_PORT", "70000"),
        ("PROXY_CATALOG_REFRESH_SECONDS", "0"),
    ],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings()


def test_gateway_mode_needs_the_proxys_own_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENROUTER_API_KEY", raising=False)
    monkeypatch.setenv("PROXY_API_KEYS", "client-one")
    with pytest.raises(ValidationError, match="PROXY_API_KEYS needs OPENROUTER_API_KEY"):
        Settings()


def test_gateway_keys_come_from_the_variable_and_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    keys = tmp_path / "keys"
    keys.write_text(" two \n\nthree\n")
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-server")
    monkeypatch.setenv("PROXY_API_KEYS", "key-one,,")
    monkeypatch.setenv("PROXY_API_KEYS_FILE", str(keys))
    settings = Settings()
    assert settings.gateway_keys() == (b"key-one", b"two", b"three")
    assert "key-one" not in repr(settings)
    monkeypatch.delenv("PROXY_API_KEYS")
    monkeypatch.delenv("PROXY_API_KEYS_FILE")
    assert Settings().gateway_keys() == ()


@pytest.mark.parametrize("keys", [",", " , ,", ""])
def test_gateway_mode_without_a_usable_key_is_refused(
    monkeypatch: pytest.MonkeyPatch, keys: str
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-server")
    monkeypatch.setenv("PROXY_API_KEYS", keys)
    with pytest.raises(ValidationError, match="no usable key"):
        Settings()


@pytest.mark.parametrize("lines", ["", " \n\n  \n"])
def test_an_empty_keys_file_is_refused_when_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lines: str
) -> None:
    keys = tmp_path / "keys"
    keys.write_text(lines)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-server")
    monkeypatch.setenv("PROXY_API_KEYS_FILE", str(keys))
    with pytest.raises(ValueError, match="no usable key"):
        Settings().gateway_keys()


def test_a_blank_server_key_is_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "  ")
    assert Settings().openrouter_api_key is None
    monkeypatch.setenv("PROXY_API_KEYS", "client-one")
    with pytest.raises(ValidationError, match="needs OPENROUTER_API_KEY"):
        Settings()


@pytest.mark.parametrize(
    ("variables", "mode", "server_key"),
    [
        ({}, "relay mode (clients' own keys forwarded)", "no"),
        ({"OPENROUTER_API_KEY": "sk-or-server"}, "relay mode (clients' own keys forwarded)", "yes"),
        (
            {"OPENROUTER_API_KEY": "sk-or-server", "PROXY_API_KEYS": "sk-client"},
            "gateway mode (clients present a key of PROXY_API_KEYS, upstream sees the server key)",
            "yes",
        ),
    ],
)
def test_the_start_up_line_says_upstream_mode_and_server_key_but_never_a_secret(
    monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], mode: str, server_key: str
) -> None:
    for name in ("OPENROUTER_API_KEY", "PROXY_API_KEYS", "PROXY_API_KEYS_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OPENROUTER_BASE_URL", "https://user:password@upstream.test/api/v1")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    line = Settings().start_up_line()
    assert line == (
        f"upstream https://upstream.test/api/v1, {mode}, "
        f"server key (OPENROUTER_API_KEY) set: {server_key}"
    )
