"""The refresher against the fake OpenRouter app, in-process through httpx's ASGI transport."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.catalog.memory import list_bytes, refresh_bytes
from app.catalog.records import CatalogError
from app.catalog.refresh import CatalogRefresher
from app.catalog.relearn import LEARNED_MODELS
from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.routing import outputs
from app.dev.local_server import serve
from app.errors import Busy
from app.ops.reservations import BytePool
from app.settings import Settings
from tests.catalog.conftest import MakeRefresher
from tests.data import DATA_DIR
from tests.fake_upstream import FakeUpstream

pytestmark = pytest.mark.anyio

FLUX = "black-forest-labs/flux.2-pro"


def model_queries(fake: FakeOpenRouter) -> list[str]:
    return [r.query for r in fake.requests if r.path == "/api/v1/models"]


async def test_refresh_merges_every_listing(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher(openrouter_api_key="sk-test")
    catalog = await refresher.refresh()
    assert refresher.current is catalog
    assert len(catalog.models) == 549
    assert catalog.lookup(FLUX) is not None
    queries = model_queries(fake)
    assert queries[:2] == ["output_modalities=all", ""]
    assert {"output_modalities=image", "output_modalities=embeddings"} <= set(queries)
    assert {r.headers["authorization"] for r in fake.requests} == {"Bearer sk-test"}


async def test_a_failed_query_does_not_lose_models(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    fake.fail_models_queries = {"all", ""}
    catalog = await (await make_refresher()).refresh()
    # With no modality seen yet, text, image and audio are queried, one by one.
    expected = {m["id"] for m in fake.models if {"text", "image", "audio"} & set(outputs(m))}
    assert {m.id for m in catalog.models} == expected


async def test_a_partial_refresh_keeps_the_previous_models(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher()
    await refresher.refresh()
    fake.models[:] = [m for m in fake.models if m["id"] != FLUX]
    fake.fail_models_queries = {"text"}
    assert (await refresher.refresh()).lookup(FLUX) is not None
    fake.fail_models_queries = set()
    assert (await refresher.refresh()).lookup(FLUX) is None  # a full refresh may remove models


async def test_when_every_query_fails_the_last_good_catalog_stays(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher()
    good = await refresher.refresh()
    fake.catalog_down = True
    with pytest.raises(CatalogError, match="every catalog query failed"):
        await refresher.refresh()
    assert refresher.current is good


async def test_a_refresh_holds_its_worst_case_and_gives_it_back(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    pool = BytePool("memory", 200 * 2**20)
    held: list[int] = []

    @contextlib.asynccontextmanager
    async def hold(size: int) -> AsyncIterator[None]:
        async with pool.held(size, 0.05):
            held.append(pool.capacity - pool.free)
            yield

    refresher = await make_refresher(hold=hold)
    await refresher.refresh()
    await refresher.relearn(FLUX)
    cap = Settings().proxy_max_catalog_bytes
    assert held == [refresh_bytes(cap), list_bytes(cap)]
    assert pool.free == pool.capacity


async def test_a_refresh_that_gets_no_room_fails_and_the_last_good_catalog_stays(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    pool = BytePool("memory", 200 * 2**20)
    refresher = await make_refresher(hold=lambda size: pool.held(size, 0.05))
    good = await refresher.refresh()
    await pool.take(pool.capacity, first=False, seconds=0)  # the requests hold it all
    requests = len(fake.requests)
    with pytest.raises(Busy):
        await refresher.refresh()
    assert await refresher.relearn(FLUX) is None
    assert refresher.current is good
    assert len(fake.requests) == requests  # nothing downloaded without room


async def test_pagination_follows_links_next(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    fake.page_size = 100
    catalog = await (await make_refresher()).refresh()
    assert len(catalog.models) == 549
    assert "output_modalities=all&offset=500&limit=100" in model_queries(fake)


async def test_links_next_to_another_host_is_refused(make_refresher: MakeRefresher) -> None:
    hosts: list[str] = []

    async def models(request: Request) -> Response:
        hosts.append(request.url.hostname or "")
        links = {"next": "http://elsewhere.test/api/v1/models?offset=1"}
        return JSONResponse({"data": [], "links": links})

    with serve(Starlette(routes=[Route("/api/v1/models", models)])) as url:
        refresher = await make_refresher(url)
        with pytest.raises(CatalogError):
            await refresher.refresh()
    assert set(hosts) == {"127.0.0.1"}


async def test_concurrent_refreshes_share_one_load(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher()
    first, second = await asyncio.gather(refresher.refresh(), refresher.refresh())
    assert first is second
    assert model_queries(fake).count("output_modalities=all") == 1


async def test_find_before_the_first_load_answers_at_once(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    assert await (await make_refresher()).find(FLUX) is None
    assert fake.requests == []


async def test_an_unknown_model_triggers_one_refresh_per_window(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher()
    await refresher.refresh()
    loads = model_queries(fake).count("output_modalities=all")
    misses = await asyncio.gather(*(refresher.find(f"new/model-{i % 2}") for i in range(10)))
    assert misses == [None] * 10
    assert model_queries(fake).count("output_modalities=all") == loads + 1
    fake.add_model({"id": "new/model-2", "architecture": {"output_modalities": ["image"]}})
    assert await refresher.find("new/model-2") is None  # the window of 30 s has not passed


async def test_a_model_added_upstream_is_found_by_the_refresh_it_triggers(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher(proxy_unknown_model_refresh_seconds=0)
    await refresher.refresh()
    fake.add_model({"id": "new/model", "architecture": {"output_modalities": ["image"]}})
    found = await refresher.find("new/model:free")
    assert found is not None
    assert found.output_modalities == ("image",)


async def test_run_loads_then_keeps_refreshing(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher(proxy_catalog_refresh_seconds=0.01)
    refresher.start()
    with anyio.fail_after(10):
        # The fake only records requests; polling them is the one way to see the loop advance.
        while model_queries(fake).count("output_modalities=all") < 3:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    assert refresher.current is not None


@pytest.mark.parametrize(("failures", "delay"), [(0, 300), (1, 1), (2, 2), (5, 16), (20, 300)])
async def test_retry_backs_off_up_to_the_interval(
    make_refresher: MakeRefresher, failures: int, delay: float
) -> None:
    assert (await make_refresher())._delay_after(failures) == delay


async def test_a_snapshot_that_cannot_be_written_does_not_fail_the_refresh(
    make_refresher: MakeRefresher, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    refresher = await make_refresher(proxy_catalog_snapshot=tmp_path / "missing" / "c.json")
    catalog = await refresher.refresh()
    assert refresher.current is catalog
    assert "could not write the catalog snapshot" in caplog.text


async def test_a_snapshot_is_loaded_before_the_first_refresh(
    fake: FakeOpenRouter, make_refresher: MakeRefresher, tmp_path: Path
) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes((DATA_DIR / "models-image-2026-08-19.DERIVED.json").read_bytes())
    refresher = await make_refresher(proxy_catalog_snapshot=path)
    await refresher.load_snapshot()
    assert refresher.current is not None
    assert (refresher.current.source, len(refresher.current.models)) == ("snapshot", 45)
    assert fake.requests == []
    assert len((await refresher.refresh()).models) == 549  # then the live catalog replaces it


def model_lookups(fake: FakeOpenRouter) -> list[str]:
    return [r.path for r in fake.requests if r.path.startswith("/api/v1/model/")]


async def test_relearn_swaps_upstreams_record_in_once_a_window(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher()
    await refresher.refresh()
    hidden = {"id": "hidden/painter", "architecture": {"output_modalities": ["image"]}}
    fake.add_model(hidden, listed=False)
    assert await refresher.find("hidden/painter") is None  # and now a cached miss
    learned, shared = await asyncio.gather(
        refresher.relearn("hidden/painter"), refresher.relearn("hidden/painter")
    )
    assert learned is not None
    assert learned.output_modalities == ("image",)
    assert shared == learned  # one lookup for both callers
    assert await refresher.find("hidden/painter") == learned  # in the catalog, miss forgotten
    assert await refresher.relearn("hidden/painter") is None  # asked already this window
    assert model_lookups(fake) == ["/api/v1/model/hidden/painter"]


async def test_relearn_of_a_model_upstream_does_not_know_is_none(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher(proxy_relearn_model_seconds=0)
    await refresher.refresh()
    assert await refresher.relearn("nobody/nothing") is None
    assert await refresher.relearn("nobody/nothing") is None  # no window: asked again
    assert len(model_lookups(fake)) == 2


@pytest.mark.parametrize(
    "model_id",
    [
        "../../../x",
        "a/../../key",
        "a/%2e%2e/%2e%2e/credits",
        "a/b?injected=1#frag",
        "a/b/c",
        "a\\..\\key",
        "./a",
        "a/..",
    ],
)
async def test_relearn_never_builds_a_path_from_a_hostile_model_id(
    fake: FakeOpenRouter, make_refresher: MakeRefresher, model_id: str
) -> None:
    refresher = await make_refresher(openrouter_api_key="sk-or-server")
    assert await refresher.relearn(model_id) is None
    assert fake.requests == []


async def test_models_that_want_their_exact_outputs_are_remembered_bounded_and_forgotten() -> None:
    settings = Settings(openrouter_base_url=FakeUpstream.base)
    refresher = CatalogRefresher(FakeUpstream(downloads={}), settings)
    for number in range(LEARNED_MODELS + 1):
        refresher.remember_exact_modalities(f"a/model-{number}")
    assert refresher.exact_modalities_models == LEARNED_MODELS  # the oldest went first
    assert not refresher.wants_exact_modalities("a/model-0")
    assert refresher.wants_exact_modalities(f"a/model-{LEARNED_MODELS}")
    at_once = Settings(openrouter_base_url=FakeUpstream.base, proxy_exact_modalities_seconds=0)
    forgetful = CatalogRefresher(FakeUpstream(downloads={}), at_once)
    forgetful.remember_exact_modalities("a/model")
    assert not forgetful.wants_exact_modalities("a/model")
    assert forgetful.exact_modalities_models == 0


async def test_a_failed_run_says_why_without_the_password_until_a_refresh_succeeds(
    fake: FakeOpenRouter, fake_url: str, make_refresher: MakeRefresher
) -> None:
    fake.catalog_down = True
    with_password = fake_url.replace("http://", "http://user:hunter2@")
    refresher = await make_refresher(with_password)
    refresher.start()
    with anyio.fail_after(10):
        while refresher.last_failure is None:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    reason = refresher.last_failure.reason
    assert reason.startswith(f"every catalog query failed, the first with: GET {fake_url}/api/v1/")
    assert "hunter2" not in reason
    fake.catalog_down = False
    await refresher.refresh()
    assert refresher.last_failure is None
