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
        (VEO, {"seed": "X5"}, "unsupported_seed", "whole number"),
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


@pytest.mark.parametrize(
    ("resolution", "lines"),
    [
        ("480p", 480),
        ("720p", 720),
        ("768p", 768),
        ("1080p", 1080),
        ("1K", 1080),
        ("2K", 1440),
        ("4K", 2160),
    ],
)
def test_each_resolution_covers_its_lines_and_no_more(resolution: str, lines: int) -> None:
    model = VideoModel("x/square", resolutions=(resolution,), aspect_ratios=("1:1",))
    covered = video_request({"prompt": "A fox", "size": f"{lines}x{lines}"}, model)
    assert covered.payload["resolution"] == resolution
    with pytest.raises(ProxyError) as refusal:
        video_request({"prompt": "A fox", "size": f"{lines + 1}x{lines + 1}"}, model)
    assert refusal.value.message == (
        f"`size` {lines + 1}x{lines + 1} is larger than x/square makes: {resolution}"
    )


@pytest.mark.parametrize(
    ("fields", "sent"),
    [
        ({"model": "topaz/video-upscale"}, {}),  # OpenAI's own field, named by the caller
        ({"seconds": "1"}, {"duration": 1}),
        ({"seconds": "16384"}, {"duration": 16384}),
        ({"size": "1x1"}, {"size": "1x1"}),
        ({"size": "16384x16384"}, {"size": "16384x16384"}),  # 11 characters: the longest
        ({"size": "1x16384"}, {"size": "1x16384"}),
    ],
)
def test_the_bounds_of_seconds_and_size_are_taken(
    fields: dict[str, Any], sent: dict[str, Any]
) -> None:
    checked = video_request({"prompt": "A fox", **fields}, UNPUBLISHED)
    assert checked.payload == {"model": "topaz/video-upscale", "prompt": "A fox", **sent}


NOT_SECONDS = "`seconds` must be a whole number of seconds, not {!r}"
NOT_SIZE = "`size` must be WIDTHxHEIGHT, like 1280x720, not {!r}"
IMAGE_OR_URL = "`input_reference` must be an image file or {image_url: an http(s) or data: URL}"


@pytest.mark.parametrize(
    ("model", "fields", "message"),
    [
        (UNPUBLISHED, {"seconds": "16385"}, NOT_SECONDS.format("16385")),
        (UNPUBLISHED, {"seconds": ""}, "`seconds` must be a short string, like '8'"),
        (UNPUBLISHED, {"size": ""}, "`size` must be a short string, like '1280x720'"),
        (UNPUBLISHED, {"size": "016384x16384"}, "`size` must be a short string, like '1280x720'"),
        (UNPUBLISHED, {"size": "16385x1"}, NOT_SIZE.format("16385x1")),
        (UNPUBLISHED, {"size": "1x16385"}, NOT_SIZE.format("1x16385")),
        (UNPUBLISHED, {"size": "720x0"}, NOT_SIZE.format("720x0")),
        (UNPUBLISHED, {"size": "1280xbig"}, NOT_SIZE.format("1280xbig")),
        (UNPUBLISHED, {"size": "bigx720"}, NOT_SIZE.format("bigx720")),
        (
            VEO,
            {"quality": "hd"},
            "POST /v1/videos takes model, prompt, seconds, size, input_reference, generate_audio,"
            " seed, not `quality`; OpenRouter's own fields go to /api/v1/videos",
        ),
        (VEO, {"prompt": " "}, "`prompt` is required: the text that describes the video"),
        (
            VEO,
            {"size": "1024x1024"},
            "`size` 1024x1024 is near no aspect ratio google/veo-3.1 takes: 16:9, 9:16",
        ),
        (
            VEO,
            {"size": "3840x2160"},
            "`size` 3840x2160 is larger than google/veo-3.1 makes: 720p, 1080p",
        ),
        (
            VideoModel("x/none", durations=()),
            {"seconds": "4"},
            "x/none makes videos of none seconds, not 4",
        ),
        (VEO, {"input_reference": {"image_url": "file:///etc/passwd"}}, IMAGE_OR_URL),
        (
            VEO,
            {"input_reference": {"file_id": "file-1"}},
            IMAGE_OR_URL + "; OpenRouter has no Files API, so a file_id cannot be used",
        ),
    ],
)
def test_refusals_say_what_is_taken(
    model: VideoModel, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ProxyError) as refusal:
        video_request({"prompt": "A fox", **fields}, model)
    assert refusal.value.message == message


@pytest.mark.parametrize(
    ("model", "upload", "message"),
    [
        (
            VideoModel("x/no-frames", frame_images=()),
            PNG_URL,
            "x/no-frames takes no frame images: `input_reference` (a first frame) cannot be used",
        ),
        (VEO, PNG_URL, "Send one `input_reference`: a file or an image_url"),
    ],
)
def test_reference_refusals_say_why(model: VideoModel, upload: str, message: str) -> None:
    fields = {"prompt": "A fox", "input_reference": {"image_url": PNG_URL}}
    with pytest.raises(ProxyError) as refusal:
        video_request(fields if model is VEO else {"prompt": "A fox"}, model, upload)
    assert (refusal.value.code, refusal.value.message) == ("unsupported_input_reference", message)


WEB_FRAME = {"type": "image_url", "image_url": {"url": "http://example.com/a.png"}}


@pytest.mark.parametrize(
    ("fields", "sent"),
    [
        (
            {"input_reference": {"image_url": "http://example.com/a.png"}},
            {"frame_images": [{**WEB_FRAME, "frame_type": "first_frame"}]},
        ),
        ({"seed": "-5"}, {"seed": -5}),
        ({"generate_audio": "false"}, {"generate_audio": False}),
    ],
)
def test_the_spelled_out_values_are_taken(fields: dict[str, Any], sent: dict[str, Any]) -> None:
    checked = video_request({"prompt": "A fox", **fields}, VEO)
    assert checked.payload == {"model": "google/veo-3.1", "prompt": "A fox", **sent}
