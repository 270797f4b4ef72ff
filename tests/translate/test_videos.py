"""OpenAI's video create fields -> OpenRouter's `POST /videos` body, per model: tables."""

from typing import Any

import pytest

from app.catalog.video_models import VideoModel
from app.errors import ProxyError
from app.translate.videos import video_request
from tests.translate.video_fixtures import SEEDANCE, SORA, UNPUBLISHED, VEO

PNG_URL = "data:image/png;base64,iVBORw0KGgo="
FIRST = {"type": "image_url", "image_url": {"url": PNG_URL}, "frame_type": "first_frame"}


@pytest.mark.parametrize(
    ("model", "fields", "sent"),
    [
        (VEO, {}, {}),
        (VEO, {"seconds": "8"}, {"duration": 8}),
        (VEO, {"seconds": 6}, {"duration": 6}),  # JSON may carry a number
        (VEO, {"size": "1280x720"}, {"aspect_ratio": "16:9", "resolution": "720p"}),
        (VEO, {"size": "720x1280"}, {"aspect_ratio": "9:16", "resolution": "720p"}),
        (VEO, {"size": "1792x1024"}, {"aspect_ratio": "16:9", "resolution": "1080p"}),
        (VEO, {"size": "1024x1792"}, {"aspect_ratio": "9:16", "resolution": "1080p"}),
        (SORA, {"size": "1792x1024", "seconds": "12"}, {"size": "1792x1024", "duration": 12}),
        (SEEDANCE, {"size": "640x480"}, {"aspect_ratio": "4:3", "resolution": "480p"}),
        (SEEDANCE, {"size": "1080x1080"}, {"aspect_ratio": "1:1", "resolution": "1080p"}),
        (SEEDANCE, {"size": "2560x1080"}, {"aspect_ratio": "21:9", "resolution": "1080p"}),
        (UNPUBLISHED, {"size": "1000x10", "seconds": "3"}, {"size": "1000x10", "duration": 3}),
        (VEO, {"generate_audio": "true", "seed": "42"}, {"generate_audio": True, "seed": 42}),
        (VEO, {"generate_audio": False, "seed": -1}, {"generate_audio": False, "seed": -1}),
        (SEEDANCE, {"seed": 7}, {"seed": 7}),
    ],
)
def test_fields_go_as_the_model_takes_them(
    model: VideoModel, fields: dict[str, Any], sent: dict[str, Any]
) -> None:
    checked = video_request({"prompt": "A red fox", **fields}, model)
    assert checked.payload == {"model": model.id, "prompt": "A red fox", **sent}


def test_the_video_reports_what_the_client_asked() -> None:
    checked = video_request({"prompt": "A fox", "seconds": 8, "size": "1280x720"}, VEO)
    assert (checked.model, checked.prompt, checked.seconds, checked.size) == (
        "google/veo-3.1",
        "A fox",
        "8",
        "1280x720",
    )
    unasked = video_request({"prompt": "A fox"}, VEO)
    assert (unasked.seconds, unasked.size) == (None, None)  # upstream's defaults apply


@pytest.mark.parametrize(
    ("reference", "upload"),
    [(None, PNG_URL), ({"image_url": PNG_URL}, None)],
)
def test_input_reference_becomes_the_first_frame(
    reference: dict[str, str] | None, upload: str | None
) -> None:
    fields = {"prompt": "A fox", "input_reference": reference} if reference else {"prompt": "x"}
    checked = video_request(fields, VEO, upload)
    assert checked.payload["frame_images"] == [FIRST]


def test_an_image_url_reference_may_be_a_web_address() -> None:
    fields = {"prompt": "A fox", "input_reference": {"image_url": "https://example.com/a.png"}}
    [frame] = video_request(fields, SORA).payload["frame_images"]
    assert frame["image_url"] == {"url": "https://example.com/a.png"}


@pytest.mark.parametrize(
    ("model", "fields", "code", "said"),
    [
        (VEO, {"seconds": "5"}, "unsupported_seconds", "4, 6, 8 seconds, not 5"),
        (SORA, {"seconds": "6"}, "unsupported_seconds", "4, 8, 12 seconds"),
        (VEO, {"seconds": "eight"}, "unsupported_seconds", "whole number"),
        (VEO, {"seconds": "0"}, "unsupported_seconds", "whole number"),
        (VEO, {"seconds": True}, "unsupported_seconds", "short string"),
        (VEO, {"size": "1024x1024"}, "unsupported_size", "near no aspect ratio"),
        (VEO, {"size": "3840x2160"}, "unsupported_size", "larger than google/veo-3.1 makes"),
        (VEO, {"size": "big"}, "unsupported_size", "WIDTHxHEIGHT"),
        (VEO, {"size": "0x720"}, "unsupported_size", "WIDTHxHEIGHT"),
        (VEO, {"size": "000000001280x720"}, "unsupported_size", "short string"),
        (SORA, {"size": "1920x1080"}, "unsupported_size", "720x1280, 1280x720"),
        (SEEDANCE, {"size": "1000x3000"}, "unsupported_size", "1:1, 4:3"),
        (SORA, {"generate_audio": "true"}, "unsupported_generate_audio", "does not take"),
        (SORA, {"seed": "1"}, "unsupported_seed", "does not take"),
        (VEO, {"seed": "one"}, "unsupported_seed", "whole number"),
        (VEO, {"generate_audio": "yes"}, "unsupported_generate_audio", "true or false"),
        (VEO, {"quality": "hd"}, "unsupported_quality", "/api/v1/videos"),
        (VEO, {"prompt": ""}, "unsupported_prompt", "required"),
        (VEO, {"prompt": None}, "unsupported_prompt", "required"),
        (VEO, {"input_reference": {"file_id": "file-1"}}, "unsupported_input_reference", "Files"),
        (VEO, {"input_reference": "x"}, "unsupported_input_reference", "image file"),
        (
            VEO,
            {"input_reference": {"image_url": "file:///etc/passwd"}},
            "unsupported_input_reference",
            "http(s)",
        ),
    ],
)
def test_what_the_model_does_not_take_is_refused_by_name(
    model: VideoModel, fields: dict[str, Any], code: str, said: str
) -> None:
    with pytest.raises(ProxyError) as refusal:
        video_request({"prompt": "A fox", **fields}, model)
    assert (refusal.value.status, refusal.value.code) == (400, code)
    assert said in refusal.value.message


def test_a_first_frame_for_a_model_without_one_is_refused() -> None:
    no_frames = VideoModel("x/no-frames", frame_images=())
    last_only = VideoModel("x/last", frame_images=("last_frame",))
    for model in (no_frames, last_only):
        with pytest.raises(ProxyError, match="first frame") as refusal:
            video_request({"prompt": "A fox"}, model, PNG_URL)
        assert refusal.value.code == "unsupported_input_reference"


def test_an_upload_and_an_image_url_together_are_refused() -> None:
    fields = {"prompt": "A fox", "input_reference": {"image_url": PNG_URL}}
    with pytest.raises(ProxyError, match="one `input_reference`"):
        video_request(fields, VEO, PNG_URL)
