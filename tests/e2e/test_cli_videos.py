"""`modality-proxy models --output video` and `explain` show what each video model takes, from
the video API's own list (loaded live, as the proxy loads it)."""

import orjson
import pytest
from click.testing import CliRunner, Result

from app.cli import main
from tests.data import DATA_DIR

SNAPSHOT = str(DATA_DIR / "models-all-2026-08-19.json")


def run(fake_url: str, *arguments: str) -> Result:
    environment = {"OPENROUTER_BASE_URL": f"{fake_url}/api/v1"}
    result = CliRunner().invoke(main, list(arguments), env=environment)
    assert result.exit_code == 0, result.output
    return result


def test_models_output_video_is_a_table_of_what_each_takes(fake_url: str) -> None:
    result = run(fake_url, "models", "--output", "video")
    header, *rows = result.stdout.splitlines()
    assert [cell for cell in header.split("  ") if cell][:3] == ["id", "seconds", "resolutions"]
    assert len(rows) == 23
    cells = {row.split()[0]: row.split() for row in rows}
    assert cells["google/veo-3.1"][1:] == [
        "4,6,8",
        "720p,1080p",
        "16:9,9:16",
        "-",
        "first_frame,last_frame",
        "yes",
        "yes",
    ]
    assert cells["openai/sora-2-pro"][1:4] == ["4,8,12", "-", "-"]
    assert cells["runway/aleph-2"][1:6] == ["-", "-", "-", "-", "-"]  # publishes no lists
    assert "23 video models" in result.stderr


def test_models_output_video_as_json_is_the_video_apis_shape(fake_url: str) -> None:
    result = run(fake_url, "models", "--output", "video", "--q", "veo", "--json")
    listing = orjson.loads(result.stdout)
    assert {row["id"] for row in listing["data"]} == {
        "google/veo-3.1",
        "google/veo-3.1-fast",
        "google/veo-3.1-lite",
    }
    assert next(r for r in listing["data"] if r["id"] == "google/veo-3.1-lite")[
        "supported_durations"
    ] == [8, 4, 6]


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (
            "google/veo-3.1",
            [
                "google/veo-3.1 is a video model",
                "seconds -> duration, among 4,6,8",
                "size -> aspect_ratio, the nearest within 5% among 16:9,9:16, and the smallest "
                "resolution covering it among 720p,1080p",
                "input_reference -> frame_images first_frame, among first_frame,last_frame",
                "takes generate_audio, seed",
            ],
        ),
        (
            "openai/sora-2-pro",
            [
                "size -> size, among 720x1280,1280x720,1024x1792,1792x1024\n",
                "generate_audio, seed: refused (POST /api/v1/videos: dropped)",
            ],
        ),
        ("runway/aleph-2", ["seconds -> duration, not checked", "size -> size, not checked"]),
    ],
)
def test_explain_says_what_a_video_request_becomes(
    fake_url: str, model: str, says: list[str]
) -> None:
    output = run(fake_url, "explain", model).stdout
    for words in says:
        assert words in output
    assert "X-Modalities" not in output  # chat's decision: only when --modalities asks for it


def test_without_a_video_list_the_usual_table_shows_the_video_models(fake_url: str) -> None:
    result = run(fake_url, "models", "--output", "video", "--catalog", SNAPSHOT)
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["id", "outputs", "inputs", "context", "price"]
    assert len(rows) == 23
    assert (
        "is a video model"
        not in run(fake_url, "explain", "google/veo-3.1", "--catalog", SNAPSHOT).stdout
    )
