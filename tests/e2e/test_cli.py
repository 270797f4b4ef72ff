"""The console script and `python -m app` start a real proxy, with one worker or several."""

import concurrent.futures
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx2
import orjson
import pytest
from click.testing import CliRunner
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.cli import main
from app.dev.emulator import FakeOpenRouter
from app.dev.local_server import free_port, serve
from tests.conftest import wait_for
from tests.data import DATA_DIR
from tests.e2e.conftest import CommandLineProxy, command_line_proxy


def loaded_its_catalog(proxy: CommandLineProxy) -> bool:
    return any(b"catalog loaded" in line for line in proxy.log)


@pytest.mark.parametrize("workers", [1, 2])
def test_python_dash_m_app_serves_with_each_worker_loading_the_catalog_once(
    fake: FakeOpenRouter, fake_url: str, workers: int
) -> None:
    def loads() -> int:
        return sum(1 for r in fake.requests if r.query == "output_modalities=all")

    log: list[bytes] = []

    def loaded() -> int:
        return sum(b"catalog loaded: 549 models" in line for line in log)

    with command_line_proxy(fake_url, "--workers", str(workers)) as proxy:
        log = proxy.log
        wait_for(f"{workers} workers to load the catalog", lambda: loaded() == workers)
        assert httpx2.get(f"{proxy.url}/healthz").json() == {"status": "ok"}
        assert httpx2.get(f"{proxy.url}/readyz").json()["models"] == 549
    assert loads() == workers  # one load per worker, none more
    assert loaded() == workers


@pytest.mark.parametrize("arguments", [["--help"], ["serve", "--help"]])
def test_help_lists_the_options(arguments: list[str]) -> None:
    result = CliRunner().invoke(main, arguments)
    assert result.exit_code == 0
    for option in ("--host", "--port", "--workers"):
        assert option in result.output


SNAPSHOT = str(DATA_DIR / "models-all-2026-08-19.json")


def run_cli(*arguments: str, upstream: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m app *arguments`, as a user runs it; upstream sets OPENROUTER_BASE_URL."""
    environment = dict(os.environ)
    if upstream is not None:
        environment["OPENROUTER_BASE_URL"] = f"{upstream}/api/v1"
    command = [sys.executable, "-m", "app", *arguments]
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)


def test_models_lists_the_image_and_text_models_as_a_table() -> None:
    done = run_cli("models", "--output", "image,text", "--match", "exact", "--catalog", SNAPSHOT)
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split() == ["id", "outputs", "inputs", "context", "price"]
    assert len(rows) == 11
    gemini = next(row for row in rows if row.startswith("google/gemini-2.5-flash-image "))
    assert gemini.split()[1:4] == ["image,text", "image,text", "32,768"]
    assert "$0.3 in / $2.5 out per M; image out $30 per M" in gemini
    assert "11 models" in done.stderr


def test_models_as_json_from_the_live_catalog(fake_url: str) -> None:
    done = run_cli("models", "--q", "FLUX.2", "--json", upstream=fake_url)
    assert done.returncode == 0, done.stderr
    listing = orjson.loads(done.stdout)
    assert listing["total_count"] == 4
    assert {model["id"] for model in listing["data"]} == {
        "black-forest-labs/flux.2-pro",
        "black-forest-labs/flux.2-max",
        "black-forest-labs/flux.2-flex",
        "black-forest-labs/flux.2-klein-4b",
    }


@pytest.mark.parametrize(
    ("model", "modalities", "says"),
    [
        (
            "black-forest-labs/flux.2-pro",
            "image,text",
            ["rewritten", "set to ['image']", "X-Modalities: image"],
        ),
        ("openai/gpt-5", "image", ["rejected", "answers 400", "output_modalities=image"]),
        ("openai/gpt-5", "image,text", ["dropped", "X-Modalities: none"]),
        ("nobody/new-model", "image", ["not in the catalog", "unchanged"]),
        ("openai/gpt-5", "text", ["Route: POST /v1/chat/completions."]),
        (
            "openai/text-embedding-3-small",
            "text",
            ["Route: POST /v1/embeddings, not chat", "answers 400 itself", "outputs embeddings"],
        ),
    ],
)
def test_explain_says_what_would_be_sent_and_why(
    model: str, modalities: str, says: list[str]
) -> None:
    done = run_cli("explain", model, "--modalities", modalities, "--catalog", SNAPSHOT)
    assert done.returncode == 0, done.stderr
    for words in says:
        assert words in done.stdout


def test_explain_reads_the_live_catalog(fake_url: str) -> None:
    done = run_cli(
        "explain", "google/gemini-2.5-flash-image:free", "--modalities", "image", upstream=fake_url
    )
    assert done.returncode == 0, done.stderr
    assert "is google/gemini-2.5-flash-image in the catalog" in done.stdout
    assert "goes as asked, ['image']" in done.stdout  # a part of its outputs
    assert "the proxy sends ['image', 'text'] at once instead" in done.stdout  # if refused


def test_explain_says_what_a_proxy_that_learned_the_model_wants_its_exact_set_sends() -> None:
    model = "google/gemini-2.5-flash-image"
    done = run_cli(
        "explain", model, "--modalities", "image", "--wants-exact", "--catalog", SNAPSHOT
    )
    assert done.returncode == 0, done.stderr
    assert "set to ['image', 'text']" in done.stdout
    assert f"Learned: upstream refused {model} a part of its outputs" in done.stdout


def test_an_unusable_catalog_file_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "catalog.json"
    broken.write_text("<html>")
    done = run_cli("models", "--catalog", str(broken))
    assert done.returncode == 1
    assert "could not load the catalog: models page is not JSON" in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_shows_the_failures_and_the_fixes() -> None:
    done = run_cli("demo")
    assert done.returncode == 0, done.stderr
    header, *rows = done.stdout.splitlines()
    assert header.split()[:2] == ["model", "asked"]
    expected = {
        "black-forest-labs/flux.2-pro": ("200, 1 image", "image"),
        # A part of its outputs goes as asked; the emulator, as the seed saw, refuses it.
        "google/gemini-2.5-flash-image": ("200, 1 image", "image then image,text"),
        "openai/gpt-5": ("200, text", "none (dropped)"),
    }
    assert len(rows) == len(expected)
    for row in rows:
        through, sent = expected[row.split()[0]]
        assert "404: No endpoints found that support" in row  # straight to OpenRouter
        assert through in row
        assert row.rstrip().endswith(sent)
    # The table alone: no access lines of the proxy's on the terminal between its lines.
    assert "request_id" not in done.stderr, done.stderr


def test_sigterm_lets_requests_in_flight_finish_then_exits_0(
    fake: FakeOpenRouter, fake_url: str
) -> None:
    def slow_request_arrived() -> bool:
        return any(r.path.endswith("/chat/completions") for r in fake.requests)

    with command_line_proxy(fake_url) as proxy:
        wait_for("the catalog to load", lambda: loaded_its_catalog(proxy))
        with concurrent.futures.ThreadPoolExecutor() as pool:
            answer = pool.submit(
                httpx2.post,
                f"{proxy.url}/v1/chat/completions",
                json={"model": "test/slow"},
                headers={"Authorization": "Bearer k", "X-Request-Id": "the-last-request"},
                timeout=10,
            )
            wait_for("the slow request to reach upstream", slow_request_arrived)
            proxy.process.send_signal(signal.SIGTERM)
            assert answer.result().status_code == 200  # finished, not cut
            assert proxy.process.wait(timeout=10) == 0
    # Every line, uvicorn's own from start to shutdown included, is one JSON object, without
    # ANSI escapes (uvicorn's color_message), raw or as JSON writes them.
    assert not [line for line in proxy.log if b"\x1b[" in line or b"\\u001b[" in line]
    lines = [orjson.loads(line) for line in proxy.log]
    server_lines = [line["message"] for line in lines if line.get("logger") == "uvicorn.error"]
    assert {"Application startup complete.", "Shutting down"} <= set(server_lines)
    assert all(line.get("level") or line.get("request_id") for line in lines)
    # The request that ended during the shutdown is logged before the process's last line.
    assert "the-last-request" in [line.get("request_id") for line in lines]
    assert lines[-1].get("message", "").startswith("Finished server process"), lines[-1]


async def unauthorized(request: Request) -> Response:
    return JSONResponse({"error": {"message": "No auth credentials found", "code": 401}}, 401)


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """An upstream that answers every request 401, as OpenRouter does a request without a key."""
    with serve(Starlette(routes=[Route("/{path:path}", unauthorized)])) as url:
        yield url


@pytest.mark.parametrize(
    ("arguments", "upstream"),
    [(["models"], "nothing listening"), (["explain", "openai/gpt-5"], "refusing")],
)
def test_a_catalog_that_cannot_be_fetched_says_how_to_do_without_it(
    refusing_url: str, arguments: list[str], upstream: str
) -> None:
    url = refusing_url if upstream == "refusing" else f"http://127.0.0.1:{free_port()}"
    done = run_cli(*arguments, upstream=url)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()  # one line, no traceback
    assert line.startswith(f"Error: could not load the catalog from {url}/api/v1: ")
    assert "--catalog FILE" in line
    assert "python -m app.dev.emulator" in line
    assert "OPENROUTER_BASE_URL=http://127.0.0.1:8081/api/v1" in line


def test_start_up_says_the_upstream_the_mode_and_that_a_server_key_is_set(
    fake_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-server-secret")
    monkeypatch.setenv("PROXY_API_KEYS", "sk-client-secret")
    with command_line_proxy(fake_url) as proxy:
        wait_for("the catalog to load", lambda: loaded_its_catalog(proxy))
    said = [orjson.loads(line)["message"] for line in proxy.log if b'"app.main"' in line]
    assert said == [
        f"upstream {fake_url}/api/v1, gateway mode (clients present a key of PROXY_API_KEYS, "
        "upstream sees the server key), server key (OPENROUTER_API_KEY) set: yes"
    ]
    assert not [line for line in proxy.log if b"secret" in line]
