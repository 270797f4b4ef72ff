"""OpenRouter's own video requests checked per model: a value not taken is a local 400;
`generate_audio` and `seed` are dropped, and named, for a model without them."""

from typing import Any

import pytest

from app.catalog.video_models import VideoModel
from app.errors import ProxyError
from app.translate.video_native import checked_native
from tests.translate.video_fixtures import SEEDANCE, SORA, UNPUBLISHED, VEO


@pytest.mark.parametrize(
    ("model", "body", "dropped"),
    [
        (VEO, {"duration": 8, "resolution": "1080p", "generate_audio": True, "seed": 1}, ()),
        (SORA, {"duration": 4, "size": "1280x720", "generate_audio": True}, ("generate_audio",)),
        (SORA, {"seed": 3, "generate_audio": False}, ("generate_audio", "seed")),
        (
            SEEDANCE,
            {"aspect_ratio": "21:9", "generate_audio": True, "seed": 9},
            ("generate_audio",),
        ),
        (UNPUBLISHED, {"duration": 99, "size": "3x4", "provider": {"options": {}}}, ()),
        (VEO, {"frame_images": [{"frame_type": "last_frame"}], "input_references": []}, ()),
    ],
)
def test_taken_values_go_and_flags_are_dropped(
    model: VideoModel, body: dict[str, Any], dropped: tuple[str, ...]
) -> None:
    full = {"model": model.id, "prompt": "A fox", **body}
    checked = checked_native(full, model)
    assert checked.dropped == dropped
    assert checked.payload == {name: value for name, value in full.items() if name not in dropped}


@pytest.mark.parametrize(
    ("model", "body", "code", "said"),
    [
        (VEO, {"duration": 5}, "unsupported_duration", "among 4, 6, 8, not 5"),
        (VEO, {"duration": True}, "unsupported_duration", "among 4, 6, 8"),
        (VEO, {"resolution": "4K"}, "unsupported_resolution", "720p, 1080p"),
        (VEO, {"aspect_ratio": "1:1"}, "unsupported_aspect_ratio", "16:9, 9:16"),
        (SORA, {"size": "1920x1080"}, "unsupported_size", "720x1280"),
        (
            SORA,
            {"frame_images": [{"frame_type": "last_frame"}]},
            "unsupported_frame_images",
            "first_frame",
        ),
        (VEO, {"frame_images": "x"}, "unsupported_frame_images", "a list"),
        (VEO, {"frame_images": ["x"]}, "unsupported_frame_images", "not None"),
    ],
)
def test_values_not_taken_are_refused(
    model: VideoModel, body: dict[str, Any], code: str, said: str
) -> None:
    with pytest.raises(ProxyError) as refusal:
        checked_native({"model": model.id, **body}, model)
    assert (refusal.value.status, refusal.value.code) == (400, code)
    assert said in refusal.value.message
