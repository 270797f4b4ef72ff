"""Cookies that upstream sets are the client's to keep: the pooled client, shared by every
client of the proxy, keeps none (OpenRouter's Cloudflare sets `__cf_bm` on its answers)."""

from collections.abc import Iterator

import httpx2
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.dev.local_server import serve
from tests.conftest import proxy_settings, running_proxy


@pytest.fixture
def cookies_seen() -> list[str | None]:
    return []


@pytest.fixture
def cookie_setter_url(cookies_seen: list[str | None]) -> Iterator[str]:
    async def credits(request: Request) -> Response:
        cookies_seen.append(request.headers.get("cookie"))
        answer = Response(b'{"data": {}}', media_type="application/json")
        answer.set_cookie("__cf_bm", "for-whoever-asked", httponly=True)
        return answer

    with serve(Starlette(routes=[Route("/api/v1/credits", credits)])) as url:
        # By a name, not an address: a cookie jar keeps no cookie of a bare IP address.
        yield url.replace("127.0.0.1", "localhost")


def test_a_cookie_upstream_sets_goes_to_its_client_and_never_upstream_again(
    cookie_setter_url: str, cookies_seen: list[str | None]
) -> None:
    with running_proxy(proxy_settings(cookie_setter_url), ready=False) as url:
        first = httpx2.get(f"{url}/v1/credits", headers={"Authorization": "Bearer one"})
        second = httpx2.get(f"{url}/v1/credits", headers={"Authorization": "Bearer two"})
    assert "__cf_bm=for-whoever-asked" in first.headers["set-cookie"]
    assert second.status_code == 200
    assert cookies_seen == [None, None]  # the second client does not send the first's cookie
