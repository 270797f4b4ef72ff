"""What the proxy reads whole from upstream is bounded: error answers it looks into, catalog and
model-list downloads (which also never follow a redirect)."""

import gzip
from collections.abc import Iterator

import httpx2
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from yarl import URL

from app.dev.local_server import serve
from app.errors import UpstreamUnavailable
from app.upstream import errors as upstream_errors
from app.upstream.client import Upstream
from tests.conftest import proxy_settings, running_proxy

MiB = 1024 * 1024
MODALITY_404 = orjson.dumps(
    {"error": {"message": upstream_errors.MODALITY_MESSAGE + " (image)", "code": 404}}
)


async def huge_404(request: Request) -> Response:
    return Response(b"x" * (8 * MiB), 404, media_type="application/json")


async def models(request: Request) -> Response:
    return Response(b'{"data": []}' + b" " * (2 * MiB), media_type="application/json")


async def small(request: Request) -> Response:
    return Response(b'{"data": []}', media_type="application/json")


async def redirected(request: Request) -> Response:
    return RedirectResponse(str(request.url_for("small")), 302)


@pytest.fixture
def hostile_url() -> Iterator[str]:
    """An upstream with an 8 MiB error answer, a 2 MiB model list, and a redirect to a small
    one."""
    app = Starlette(
        routes=[
            Route("/api/v1/chat/completions", huge_404, methods=["POST"]),
            Route("/api/v1/models", models),
            Route("/api/v1/small", small, name="small"),
            Route("/api/v1/elsewhere", redirected),
        ]
    )
    with serve(app) as url:
        yield url


def test_an_error_answer_larger_than_the_limit_is_a_502(hostile_url: str) -> None:
    settings = proxy_settings(hostile_url, proxy_unknown_model_wait_seconds=0)
    body = {"model": "a/b", "messages": [{"role": "user", "content": "hi"}]}
    with running_proxy(settings, ready=False) as url:
        answer = httpx2.post(
            f"{url}/v1/chat/completions", json=body, headers={"Authorization": "k"}
        )
    assert answer.status_code == 502
    assert answer.json()["error"]["code"] == "upstream_bad_answer"


def test_a_small_gzip_error_that_inflates_past_the_limit_is_not_inflated() -> None:
    bomb = gzip.compress(MODALITY_404 + b" " * (64 * MiB))
    assert len(bomb) < MiB
    assert upstream_errors.error_of(bomb, "gzip", MiB) == {}
    fits = gzip.compress(MODALITY_404)
    assert upstream_errors.error_of(fits, "gzip", MiB)["code"] == 404


@pytest.mark.anyio
@pytest.mark.parametrize("path", ["models", "elsewhere"])
async def test_downloads_are_bounded_and_never_redirected(hostile_url: str, path: str) -> None:
    settings = proxy_settings(hostile_url, proxy_max_catalog_bytes=MiB)
    async with Upstream(settings) as upstream:
        with pytest.raises(UpstreamUnavailable):
            await upstream.download(URL(f"{settings.openrouter_base_url}/{path}"))
