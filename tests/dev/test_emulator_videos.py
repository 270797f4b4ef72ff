"""The fake's video API, served by real uvicorn and called with a plain client: jobs advance
poll by poll, special prompts end them badly, content needs a key, models are checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.videos import video_bytes

AUTH = {"Authorization": "Bearer sk-test"}
VEO = "google/veo-3.1"


@pytest.fixture
def client(fake_url: str) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=fake_url, timeout=10) as http:
        yield http


def create(client: httpx2.Client, **body: Any) -> httpx2.Response:
    return client.post(
        "/api/v1/videos", json={"model": VEO, "prompt": "A fox", **body}, headers=AUTH
    )


def test_the_model_list_has_every_video_model_of_the_catalog(client: httpx2.Client) -> None:
    rows = {row["id"]: row for row in client.get("/api/v1/videos/models").json()["data"]}
    assert len(rows) == 23
    assert rows["google/veo-3.1-lite"]["supported_durations"] == [8, 4, 6]  # docs/openrouter.md
    assert rows["openai/sora-2-pro"]["seed"] is None
    assert rows["runway/aleph-2"]["supported_durations"] is None  # an edit model
    assert "openai/gpt-5" not in rows


def test_a_job_advances_poll_by_poll_to_completed(client: httpx2.Client) -> None:
    created = create(client, duration=8, resolution="1080p")
    assert created.status_code == 202
    job = created.json()
    assert job["status"] == "pending"
    assert job["polling_url"].endswith(f"/api/v1/videos/{job['id']}")
    first = client.get(f"/api/v1/videos/{job['id']}", headers=AUTH).json()
    second = client.get(f"/api/v1/videos/{job['id']}", headers=AUTH).json()
    assert (first["status"], second["status"]) == ("in_progress", "completed")
    assert second["unsigned_urls"] == [f"{job['polling_url']}/content?index=0"]
    content = client.get(f"/api/v1/videos/{job['id']}/content?index=0", headers=AUTH)
    assert content.headers["content-type"] == "video/mp4"
    assert content.content == video_bytes(job["id"], 4096)


@pytest.mark.parametrize(
    ("prompt", "status", "error"),
    [
        ("A fox [fail]", "failed", "The provider could not generate this video"),
        ("A fox [expire]", "expired", None),
        ("A fox [cancel]", "cancelled", None),
    ],
)
def test_special_prompts_end_badly(
    client: httpx2.Client, prompt: str, status: str, error: str | None
) -> None:
    job = create(client, prompt=prompt).json()
    for _ in range(2):
        answer = client.get(f"/api/v1/videos/{job['id']}", headers=AUTH).json()
    assert (answer["status"], answer["error"]) == (status, error)
    content = client.get(f"/api/v1/videos/{job['id']}/content", headers=AUTH)
    assert content.status_code == 400


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/videos", "POST"),
        ("/api/v1/videos/job-x", "GET"),
        ("/api/v1/videos/job-x/content", "GET"),
    ],
)
def test_every_call_needs_a_key(client: httpx2.Client, path: str, method: str) -> None:
    assert client.request(method, path, json={"model": VEO}).status_code == 401


def test_content_needs_a_key_even_for_a_finished_job(
    client: httpx2.Client, fake: FakeOpenRouter
) -> None:
    fake.videos.polls_to_finish = 1
    job = create(client).json()
    client.get(f"/api/v1/videos/{job['id']}", headers=AUTH)
    assert client.get(f"/api/v1/videos/{job['id']}/content").status_code == 401
    assert client.get(f"/api/v1/videos/{job['id']}/content", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"duration": 5}, "duration 5 is not supported"),
        ({"model": "openai/sora-2-pro", "seed": 1}, "does not support 'seed'"),
        ({"model": "openai/sora-2-pro", "generate_audio": True}, "'generate_audio'"),
        ({"aspect_ratio": "1:1"}, "aspect_ratio '1:1'"),
        (
            {"model": "openai/sora-2-pro", "frame_images": [{"frame_type": "last_frame"}]},
            "frame_type",
        ),
        ({"model": "openai/gpt-5"}, "not a valid video model"),
    ],
)
def test_values_a_model_does_not_take_are_400(
    client: httpx2.Client, body: dict[str, Any], said: str
) -> None:
    refused = create(client, **body)
    assert refused.status_code == 400
    assert said in refused.json()["error"]["message"]


def test_unknown_jobs_are_404(client: httpx2.Client) -> None:
    assert client.get("/api/v1/videos/job-nope", headers=AUTH).status_code == 404
