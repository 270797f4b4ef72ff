"""The video API's model list: typed records from `GET /videos/models`, nulls kept as None."""

import orjson
import pytest

from app.catalog.video_models import (
    VideoModel,
    VideoModels,
    VideoModelsError,
    listing_of,
    parse_video_models,
)

VEO = {
    "id": "google/veo-3.1",
    "canonical_slug": "google/veo-3.1-20260101",
    "name": "Google: Veo 3.1",
    "supported_resolutions": ["720p", "1080p"],
    "supported_aspect_ratios": ["16:9", "9:16"],
    "supported_sizes": None,
    "supported_durations": [8, 4, 6],
    "supported_frame_images": ["first_frame", "last_frame"],
    "generate_audio": True,
    "seed": True,
}
UPSCALER = {
    "id": "topaz/upscale",
    "supported_durations": None,
    "generate_audio": None,
    "seed": None,
}


def parsed(*entries: object) -> tuple[VideoModel, ...]:
    return parse_video_models(orjson.dumps({"data": list(entries)}))


def test_a_model_with_every_list_is_typed() -> None:
    [veo] = parsed(VEO)
    assert veo == VideoModel(
        id="google/veo-3.1",
        name="Google: Veo 3.1",
        canonical_slug="google/veo-3.1-20260101",
        durations=(8, 4, 6),
        resolutions=("720p", "1080p"),
        aspect_ratios=("16:9", "9:16"),
        sizes=None,
        frame_images=("first_frame", "last_frame"),
        generate_audio=True,
        seed=True,
        raw=orjson.dumps(VEO),
    )


@pytest.mark.parametrize(
    ("listed", "expected"),
    [
        (None, None),  # not published: not checked
        ([], ()),  # published empty: takes none
        ([4, 8], (4, 8)),
        ([4, "8"], None),  # malformed: read as not published, never half a list
        ([True, 4], None),  # a boolean is no duration
        ("4,8", None),
    ],
)
def test_durations_null_empty_and_malformed(listed: object, expected: object) -> None:
    [model] = parsed({"id": "m/x", "supported_durations": listed})
    assert model.durations == expected


@pytest.mark.parametrize(("flag", "taken"), [(True, True), (False, False), (None, False)])
def test_generate_audio_and_seed_are_taken_only_when_true(flag: object, taken: bool) -> None:
    [model] = parsed({"id": "m/x", "generate_audio": flag, "seed": flag})
    assert (model.generate_audio, model.seed) == (taken, taken)


def test_a_model_publishing_nothing_has_every_list_none() -> None:
    [model] = parsed(UPSCALER)
    lists = (model.durations, model.resolutions, model.aspect_ratios, model.sizes)
    assert lists == (None, None, None, None)
    assert model.frame_images is None


def test_entries_without_an_id_are_skipped() -> None:
    models = parsed({"name": "no id"}, {"id": 7}, {"id": ""}, "text", VEO)
    assert [model.id for model in models] == ["google/veo-3.1"]


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"data": {}}', b"{}"])
def test_other_shapes_are_errors(body: bytes) -> None:
    with pytest.raises(VideoModelsError):
        parse_video_models(body)


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("google/veo-3.1", "google/veo-3.1"),
        ("google/veo-3.1-20260101", "google/veo-3.1"),  # canonical slug
        ("google/veo-3.1:free", "google/veo-3.1"),  # a variant suffix
        ("google/veo-2", None),
        ("openai/gpt-5", None),
    ],
)
def test_lookup(asked: str, found: str | None) -> None:
    models = VideoModels(parsed(VEO, UPSCALER))
    model = models.lookup(asked)
    assert (model.id if model else None) == found


def test_the_listing_gives_back_each_entry_as_it_came() -> None:
    models = VideoModels(parsed(VEO, UPSCALER))
    assert orjson.loads(models.listing) == {"data": [VEO, UPSCALER]}
    assert parse_video_models(listing_of(models.models)) == models.models
