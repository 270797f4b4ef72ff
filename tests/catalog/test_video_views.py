"""The video models for people: the table's cells and the explanation's size line, by what a
model publishes."""

import pytest

from app.catalog.video_models import VideoModel
from app.catalog.video_views import explain_video, video_table

MANY_SIZES = tuple(f"{width}x720" for width in range(100, 700, 100))


@pytest.mark.parametrize(
    ("model", "row"),
    [
        (
            VideoModel(
                "a/full",
                durations=(8, 4),
                resolutions=("720p",),
                aspect_ratios=("16:9",),
                sizes=("1280x720",),
                frame_images=("first_frame",),
                generate_audio=True,
            ),
            ("a/full", "4,8", "720p", "16:9", "1280x720", "first_frame", "yes", "no"),
        ),
        (VideoModel("a/none"), ("a/none", "-", "-", "-", "-", "-", "no", "no")),
        (
            VideoModel("a/empty", durations=(), frame_images=(), sizes=MANY_SIZES, seed=True),
            ("a/empty", "none", "-", "-", "6 sizes", "none", "no", "yes"),
        ),
    ],
)
def test_table_rows(model: VideoModel, row: tuple[str, ...]) -> None:
    header, found = video_table([model])
    assert header[0] == "id"
    assert found == row


@pytest.mark.parametrize(
    ("model", "line"),
    [
        (VideoModel("a/x"), "size -> size, not checked (the model lists none)"),
        (VideoModel("a/x", sizes=("1x1",)), "size -> size, among 1x1"),
        (
            VideoModel("a/x", aspect_ratios=("1:1",)),
            "size -> aspect_ratio, the nearest within 5% among 1:1",
        ),
        (
            VideoModel("a/x", sizes=("1x1",), aspect_ratios=("1:1",), resolutions=("480p",)),
            "size -> size, among 1x1; else aspect_ratio, the nearest within 5% among 1:1, and "
            "the smallest resolution covering it among 480p",
        ),
    ],
)
def test_the_size_line_follows_the_translation(model: VideoModel, line: str) -> None:
    assert f"  {line}\n" in explain_video(model)
