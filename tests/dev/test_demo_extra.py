"""`modality-proxy demo` on a plain install, without the [demo] extra: a clear message with the
install hint, as Starlette's TestClient gives one without httpx."""

import sys

import pytest
from click.testing import CliRunner

import app.dev
from app.cli import main

HINT = "pip install 'modality-proxy[demo]'"


@pytest.fixture
def without_httpx2(monkeypatch: pytest.MonkeyPatch) -> None:
    """`import httpx2` raises ModuleNotFoundError, as on a plain install, and the modules that
    import it are imported anew (the originals are put back afterwards)."""
    monkeypatch.setitem(sys.modules, "httpx2", None)
    for module in ("demo", "local_server"):
        monkeypatch.delitem(sys.modules, f"app.dev.{module}", raising=False)
        # `from app.dev import demo` takes the package's attribute when there is one.
        monkeypatch.delattr(app.dev, module, raising=False)


@pytest.mark.usefixtures("without_httpx2")
def test_the_demo_without_its_extra_says_how_to_install_it() -> None:
    done = CliRunner().invoke(main, ["demo"])
    assert done.exit_code == 1, done.output
    assert HINT in done.output
    assert "httpx2" in done.output
    assert "Traceback" not in done.output


@pytest.mark.usefixtures("without_httpx2")
def test_the_loopback_server_without_the_extra_says_how_to_install_it() -> None:
    with pytest.raises(RuntimeError, match=r"httpx2.*pip install 'modality-proxy\[demo\]'"):
        import app.dev.local_server  # noqa: F401
