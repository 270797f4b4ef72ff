"""Parsing pages in the child process gives what parsing in-process gives, errors included."""

import asyncio

import pytest

from app.catalog.parse_worker import ParseWorker
from app.catalog.records import CatalogError, parse_page
from tests.data import DATA_DIR

pytestmark = pytest.mark.anyio


async def test_child_parses_like_the_parent_answering_each_model_once() -> None:
    every = (DATA_DIR / "models-all-2026-08-19.json").read_bytes()
    images = (DATA_DIR / "models-image-2026-08-19.DERIVED.json").read_bytes()
    async with ParseWorker() as worker:
        first, second = await worker.parse(images), await worker.parse(every)
        again = await worker.parse(every)
    assert first == parse_page(images)
    image_ids = {model.id for model in first.models}
    assert second.models == [m for m in parse_page(every).models if m.id not in image_ids]
    assert again.models == []


async def test_a_bad_page_raises_and_the_child_goes_on() -> None:
    async with ParseWorker() as worker:
        with pytest.raises(CatalogError, match="not JSON"):
            await worker.parse(b"<html>")
        page = await worker.parse(b'{"data": [{"id": "a/b"}]}')
    assert [m.id for m in page.models] == ["a/b"]


async def test_a_dead_child_is_a_catalog_error() -> None:
    async with ParseWorker() as worker:
        worker._process.kill()  # type: ignore[union-attr]
        with pytest.raises(CatalogError, match="worker failed"):
            await worker.parse(b'{"data": []}')


async def test_a_worker_left_mid_answer_ends_with_its_pipe_read_to_the_end() -> None:
    # Left paused on unread bytes, the pipe from a killed child stays open: asyncio's `wait`
    # never returns, and uvloop fails to close its loop when the server stops.
    every = (DATA_DIR / "models-all-2026-08-19.json").read_bytes()
    worker = ParseWorker()
    process = (await worker.__aenter__())._process
    assert process is not None
    assert process.stdin is not None
    process.stdin.write(len(every).to_bytes(4, "big") + every)  # an answer nobody reads
    await process.stdin.drain()
    await asyncio.sleep(0.5)  # the child parses, then blocks writing its answer
    left = RuntimeError("left mid-exchange")
    await asyncio.wait_for(worker.__aexit__(RuntimeError, left, None), timeout=10)
    assert process.returncode is not None
    assert process.stdout is not None
    assert process.stdout.at_eof()
