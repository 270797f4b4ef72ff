"""The video model list, loaded with the catalog refresh: the same single flight, the last good
list kept when it cannot be had, and kept in the snapshot."""

import asyncio
import logging
import os
from pathlib import Path

import orjson
import pytest

from app.catalog import snapshot
from app.catalog.records import Catalog, Model, parse_page
from app.catalog.video_models import VideoModel, VideoModels, parse_video_models
from app.dev.emulator import FakeOpenRouter
from tests.catalog.conftest import MakeRefresher
from tests.data import DATA_DIR

VEO = "google/veo-3.1"


def video_list_loads(fake: FakeOpenRouter) -> int:
    return sum(r.path == "/api/v1/videos/models" for r in fake.requests)


@pytest.mark.anyio
async def test_a_refresh_loads_the_video_models_once(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    refresher = await make_refresher()
    first, second = await asyncio.gather(refresher.refresh(), refresher.refresh())
    assert first is second
    assert video_list_loads(fake) == 1  # one flight for both callers
    assert first.videos is not None
    assert len(first.videos.models) == 23
    veo = first.videos.lookup(VEO)
    assert veo is not None
    assert (veo.durations, veo.resolutions, veo.generate_audio) == (
        (4, 6, 8),
        ("720p", "1080p"),
        True,
    )


@pytest.mark.anyio
async def test_a_failed_video_list_keeps_the_last_good_one(
    fake: FakeOpenRouter, make_refresher: MakeRefresher, caplog: pytest.LogCaptureFixture
) -> None:
    refresher = await make_refresher()
    good = (await refresher.refresh()).videos
    fake.videos.models_down = True
    with caplog.at_level(logging.WARNING):
        again = await refresher.refresh()
    assert again.videos is good
    assert len(again.models) == 549  # the catalog itself refreshed
    assert "keeping the last video model list" in caplog.text


@pytest.mark.anyio
async def test_without_a_video_list_the_catalog_still_loads(
    fake: FakeOpenRouter, make_refresher: MakeRefresher
) -> None:
    fake.videos.models_down = True
    catalog = await (await make_refresher()).refresh()
    assert (len(catalog.models), catalog.videos) == (549, None)


def test_a_model_learned_again_keeps_the_video_list() -> None:
    videos = VideoModels((VideoModel(VEO),))
    catalog = Catalog((Model("a/b", ("text",)),), videos=videos)
    assert catalog.with_model(Model("c/d", ("video",))).videos is videos


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    body = (DATA_DIR / "models-all-2026-08-19.json").read_bytes()
    rows = [{"id": VEO, "supported_durations": [4, 6, 8]}, {"id": "openai/sora-2-pro"}]
    listed = orjson.dumps({"data": rows})
    return Catalog(tuple(parse_page(body).models), videos=VideoModels(parse_video_models(listed)))


def test_the_snapshot_keeps_the_video_models(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "catalog.json"
    snapshot.save(path, catalog)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    loaded = snapshot.load(path)
    assert loaded is not None
    assert loaded.videos is not None
    assert catalog.videos is not None
    assert loaded.videos.models == catalog.videos.models
    assert loaded.models == catalog.models
    assert tuple(parse_page(path.read_bytes()).models) == catalog.models  # still GET /models


def test_a_snapshot_without_video_models_loads_without_them(tmp_path: Path) -> None:
    path = tmp_path / "catalog.json"
    path.write_bytes((DATA_DIR / "models-all-2026-08-19.json").read_bytes())
    loaded = snapshot.load(path)
    assert loaded is not None
    assert (len(loaded.models), loaded.videos) == (549, None)


def test_a_bad_video_list_in_a_snapshot_costs_only_itself(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "catalog.json"
    listing = orjson.loads((DATA_DIR / "models-all-2026-08-19.json").read_bytes())
    path.write_bytes(orjson.dumps({**listing, "video_models": {"data": "nope"}}))
    loaded = snapshot.load(path)
    assert loaded is not None
    assert (len(loaded.models), loaded.videos) == (549, None)
    assert "ignoring the video models" in caplog.text
