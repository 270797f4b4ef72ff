"""The Images API's model list: parsed, cached, and kept when a reload fails."""

from collections.abc import AsyncIterator

import orjson
import pytest

from app.catalog.image_models import ImageModel, ImageModels, parse_image_models
from app.dev.emulator import FakeOpenRouter
from app.errors import UpstreamUnavailable
from app.translate.images import images_request
from app.upstream.client import Upstream
from tests.conftest import proxy_settings

pytestmark = pytest.mark.anyio


def test_rows_become_image_models_and_odd_rows_are_skipped() -> None:
    rows = [
        {"id": "a/b", "supported_parameters": {"seed": {"type": "boolean"}, "x": 1}},
        {"id": "c/d", "supports_streaming": True, "supported_parameters": ["not", "a", "map"]},
        {"no": "id"},
        "not a row",
    ]
    assert parse_image_models(orjson.dumps({"data": rows})) == {
        "a/b": ImageModel("a/b", {"seed": {"type": "boolean"}}),
        "c/d": ImageModel("c/d", {}, streams=True),
    }


@pytest.mark.parametrize("body", [b"[]", b'{"data": 5}', b"<html>"])
def test_another_shape_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - orjson's error or ours, both ValueErrors
        parse_image_models(body)


@pytest.fixture
async def upstream(fake_url: str) -> AsyncIterator[Upstream]:
    async with Upstream(proxy_settings(fake_url)) as client:
        yield client


async def test_models_are_found_by_id_or_variant_and_loaded_once(
    fake: FakeOpenRouter, upstream: Upstream
) -> None:
    models = ImageModels(upstream, max_age_seconds=60)
    flux = await models.find("black-forest-labs/flux.2-pro")
    assert flux is not None
    assert "aspect_ratio" in flux.parameters
    assert await models.find("black-forest-labs/flux.2-pro:nitro") == flux
    assert await models.find("openai/gpt-5-image") is None  # chat only
    assert sum(r.path == "/api/v1/images/models" for r in fake.requests) == 1


async def test_a_failed_reload_keeps_the_last_list_and_a_first_failure_raises(
    fake: FakeOpenRouter, upstream: Upstream
) -> None:
    models = ImageModels(upstream, max_age_seconds=0)
    assert await models.find("qwen/qwen-image-3") is not None
    fake.images.models_down = True
    assert await models.find("qwen/qwen-image-3") is not None
    with pytest.raises(UpstreamUnavailable):
        await ImageModels(upstream, max_age_seconds=0).find("qwen/qwen-image-3")


@pytest.mark.parametrize(
    "descriptor",
    [
        {"type": "enum", "values": 5},
        {"type": "enum", "values": ["1:1", None]},
        {"type": "range", "min": "a", "max": 3},
        {"type": "range", "max": [1]},
    ],
)
def test_a_malformed_descriptor_checks_nothing(descriptor: dict[str, object]) -> None:
    rows = [{"id": "a/b", "supported_parameters": {"aspect_ratio": descriptor}}]
    model = parse_image_models(orjson.dumps({"data": rows}))["a/b"]
    assert model.parameters == {"aspect_ratio": {"type": "unchecked"}}
    body = {"model": "a/b", "prompt": "p", "size": "1024x1024"}
    assert images_request(body, model).payload["aspect_ratio"] == "1:1"


async def test_with_no_list_loaded_a_failed_load_is_not_repeated_by_every_request(
    fake: FakeOpenRouter, fake_url: str
) -> None:
    fake.images.models_down = True
    async with Upstream(proxy_settings(fake_url)) as client:
        models = ImageModels(client, max_age_seconds=300, retry_seconds=30)
        for _ in range(3):
            with pytest.raises(UpstreamUnavailable):
                await models.find("a/b")
    assert [r.path for r in fake.requests] == ["/api/v1/images/models"]
