"""`client.videos` through the proxy, end to end: the real `openai` SDK -> the proxy under uvicorn
-> the fake OpenRouter's video API; and OpenRouter's own video API through the proxy."""

import base64
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import openai
import orjson
import pytest

from app.api import video_forms
from app.dev.emulator import FakeOpenRouter, ReceivedRequest
from app.dev.emulator.answers import PNG_B64
from app.dev.emulator.videos import video_bytes
from tests.conftest import ProxyFactory, wait_for

PNG = base64.b64decode(PNG_B64)
PNG_URL = f"data:image/png;base64,{PNG_B64}"
KEY = "sk-or-test"
AUTH = {"Authorization": f"Bearer {KEY}"}
POLL = 1  # ms between polls: the fake's jobs finish on their second poll

# The SDK marks every video method deprecated (OpenAI's Sora API shut down): that is the point.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def creates(fake: FakeOpenRouter) -> list[ReceivedRequest]:
    return [r for r in fake.requests if r.method == "POST" and r.path == "/api/v1/videos"]


def sent_body(fake: FakeOpenRouter) -> dict[str, Any]:
    [created] = creates(fake)
    body: dict[str, Any] = orjson.loads(created.body)
    return body


def completed(client: openai.OpenAI) -> openai.types.Video:
    return client.videos.create_and_poll(
        model="google/veo-3.1", prompt="A fox", poll_interval_ms=POLL
    )


def job_of(fake: FakeOpenRouter) -> str:
    [job_id] = fake.videos.jobs
    return job_id


@pytest.mark.parametrize(
    ("model", "seconds", "size", "upstream"),
    [
        ("google/veo-3.1", "8", "1280x720", {"aspect_ratio": "16:9", "resolution": "720p"}),
        ("openai/sora-2-pro", "12", "1792x1024", {"size": "1792x1024"}),
        ("bytedance/seedance-2.5", "5", "720x1280", {"aspect_ratio": "9:16", "resolution": "720p"}),
    ],
)
def test_create_and_poll_then_download_for_three_families(
    fake: FakeOpenRouter,
    client: openai.OpenAI,
    model: str,
    seconds: Any,
    size: Any,
    upstream: dict[str, Any],
) -> None:
    video = client.videos.create_and_poll(
        model=model, prompt="A red fox", seconds=seconds, size=size, poll_interval_ms=POLL
    )
    assert (video.status, video.progress, video.model) == ("completed", 100, model)
    assert (video.seconds, video.size, video.prompt) == (seconds, size, "A red fox")
    assert video.completed_at is not None
    assert video.error is None
    expected = {"model": model, "prompt": "A red fox", "duration": int(seconds), **upstream}
    assert sent_body(fake) == expected
    content = client.videos.download_content(video.id)
    assert content.content == video_bytes(job_of(fake), fake.videos.video_bytes)
    [download] = [r for r in fake.requests if r.path.endswith("/content")]
    assert (download.query, download.headers["authorization"]) == ("index=0", "Bearer sk-or-test")


def test_the_create_answer_is_queued_and_polls_go_through_in_progress(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    created = client.videos.create(model="google/veo-3.1", prompt="A fox")
    assert (created.status, created.progress, created.object) == ("queued", 0, "video")
    unasked: tuple[object, object] = (created.seconds, created.size)
    assert unasked == (None, None)  # not asked: upstream's defaults apply
    assert sent_body(fake) == {"model": "google/veo-3.1", "prompt": "A fox"}
    statuses = [client.videos.retrieve(created.id).status for _ in range(2)]
    assert statuses == ["in_progress", "completed"]


@pytest.mark.parametrize(
    "upload",
    [
        {"input_reference": ("frame.png", PNG, "image/png")},
        {"input_reference": PNG},  # bytes without a name or type: the proxy tells a PNG
        # openai-python 3.57 refuses to send the `image_url` form itself (it expects a file at
        # `input_reference`); through `extra_body` it goes as the form field it would be.
        {"extra_body": {"input_reference": {"image_url": PNG_URL}}},
    ],
    ids=["file", "bytes", "image_url"],
)
def test_input_reference_is_the_first_frame(
    fake: FakeOpenRouter, client: openai.OpenAI, upload: dict[str, Any]
) -> None:
    video = client.videos.create_and_poll(
        model="google/veo-3.1", prompt="A fox", poll_interval_ms=POLL, **upload
    )
    assert video.status == "completed"
    first = {"type": "image_url", "image_url": {"url": PNG_URL}, "frame_type": "first_frame"}
    assert sent_body(fake)["frame_images"] == [first]


@pytest.mark.parametrize(
    ("model", "fields", "said"),
    [
        ("google/veo-3.1", {"seconds": "5"}, "google/veo-3.1 makes videos of 4, 6, 8 seconds"),
        ("openai/sora-2-pro", {"size": "1920x1080"}, "720x1280, 1280x720, 1024x1792"),
        (
            "openai/gpt-5",
            {},
            "does not make video (it outputs text; use POST /v1/chat/completions for it)",
        ),
        ("nobody/no-video", {}, "is not among OpenRouter's video models"),
    ],
)
def test_what_a_model_does_not_take_is_refused_locally(
    fake: FakeOpenRouter, client: openai.OpenAI, model: str, fields: dict[str, Any], said: str
) -> None:
    with pytest.raises(openai.BadRequestError) as refusal:
        client.videos.create(model=model, prompt="A fox", **fields)
    assert said in refusal.value.message
    assert "GET /v1/models?output_modalities=video" in refusal.value.message or fields
    assert creates(fake) == []


@pytest.mark.parametrize(
    ("prompt", "code", "message"),
    [
        ("A fox [fail]", "failed", "The provider could not generate this video"),
        ("A fox [expire]", "expired", "OpenRouter reports the job expired"),
        ("A fox [cancel]", "cancelled", "OpenRouter reports the job cancelled"),
    ],
)
def test_failed_and_expired_jobs_end_as_failed(
    client: openai.OpenAI, prompt: str, code: str, message: str
) -> None:
    video = client.videos.create_and_poll(
        model="google/veo-3.1", prompt=prompt, poll_interval_ms=POLL
    )
    assert video.status == "failed"
    assert video.error is not None
    assert (video.error.code, video.error.message) == (code, message)
    with pytest.raises(openai.BadRequestError):  # upstream's own answer: not ready, ever
        client.videos.download_content(video.id)


def test_a_proxy_restarted_between_create_and_retrieve_still_answers(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    with start_proxy() as first, openai.OpenAI(base_url=f"{first}/v1", api_key="sk-or-test") as sdk:
        created = sdk.videos.create(model="openai/sora-2-pro", prompt="A fox", seconds="8")
    with (
        start_proxy() as second,
        openai.OpenAI(base_url=f"{second}/v1", api_key="sk-or-test") as sdk,
    ):
        video = sdk.videos.poll(created.id, poll_interval_ms=POLL)
        content = sdk.videos.download_content(created.id).content
    assert (video.id, video.status, video.seconds, video.prompt) == (
        created.id,
        "completed",
        "8",
        "A fox",
    )
    assert content == video_bytes(job_of(fake), fake.videos.video_bytes)


def test_openai_endpoints_openrouter_lacks_are_refused_saying_so(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    video_id = client.videos.create(model="google/veo-3.1", prompt="A fox").id
    calls: list[tuple[str, Callable[[], object]]] = [
        ("keeps no list", lambda: client.videos.list()),
        ("cannot be deleted", lambda: client.videos.delete(video_id)),
        ("cannot remix", lambda: client.videos.remix(video_id, prompt="Bluer")),
        ("no video edits", lambda: client.videos.edit(prompt="Bluer", video=PNG)),
        ("cannot extend", lambda: client.videos.extend(prompt="More", seconds="4", video=PNG)),
        ("no video characters", lambda: client.videos.create_character(name="Fox", video=PNG)),
        ("no video characters", lambda: client.videos.get_character("char_1")),
    ]
    before = len(fake.requests)
    for said, call in calls:
        with pytest.raises(openai.BadRequestError) as refusal:
            call()
        assert said in refusal.value.message
        assert refusal.value.code == "unsupported_endpoint"
    assert len(fake.requests) == before


@pytest.mark.parametrize("variant", ["thumbnail", "spritesheet"])
def test_thumbnails_and_spritesheets_are_a_clear_400(
    fake: FakeOpenRouter, client: openai.OpenAI, variant: Any
) -> None:
    video = client.videos.create_and_poll(
        model="google/veo-3.1", prompt="A fox", poll_interval_ms=POLL
    )
    with pytest.raises(openai.BadRequestError, match=f"no '{variant}'"):
        client.videos.download_content(video.id, variant=variant)


@pytest.mark.parametrize("video_id", ["job-123", "video_abc", "video_" + "A" * 2000])
def test_ids_the_proxy_did_not_give_are_not_found(
    fake: FakeOpenRouter, client: openai.OpenAI, video_id: str
) -> None:
    with pytest.raises(openai.NotFoundError, match="not an id that this proxy gave out"):
        client.videos.retrieve(video_id)
    assert not [r for r in fake.requests if r.path.startswith("/api/v1/videos/job")]


def test_json_create_works_too(fake: FakeOpenRouter, proxy_url: str) -> None:
    body = {"model": "google/veo-3.1", "prompt": "A fox", "seconds": 4, "size": "1024x1792"}
    answer = httpx2.post(f"{proxy_url}/v1/videos", json=body, headers=AUTH)
    assert (answer.status_code, answer.json()["status"]) == (200, "queued")
    assert sent_body(fake) == {
        "model": "google/veo-3.1",
        "prompt": "A fox",
        "duration": 4,
        "aspect_ratio": "9:16",
        "resolution": "1080p",
    }


def test_the_server_key_fetches_content_when_the_client_sends_none(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    fake.videos.polls_to_finish = 1
    with start_proxy(openrouter_api_key="sk-or-server") as url:
        body = {"model": "google/veo-3.1", "prompt": "A fox"}
        video_id = httpx2.post(f"{url}/v1/videos", json=body).json()["id"]
        assert httpx2.get(f"{url}/v1/videos/{video_id}").json()["status"] == "completed"
        content = httpx2.get(f"{url}/v1/videos/{video_id}/content")
    assert content.headers["content-type"] == "video/mp4"
    assert content.content == video_bytes(job_of(fake), fake.videos.video_bytes)
    assert {r.headers["authorization"] for r in fake.requests if "videos" in r.path} == {
        "Bearer sk-or-server"
    }


def test_a_large_video_streams_through(fake: FakeOpenRouter, client: openai.OpenAI) -> None:
    fake.videos.video_bytes = 8 * 1024 * 1024 + 7
    video = client.videos.create_and_poll(
        model="google/veo-3.1", prompt="A fox", poll_interval_ms=POLL
    )
    with client.videos.with_streaming_response.download_content(video.id) as answer:
        received = b"".join(answer.iter_bytes())
    assert received == video_bytes(job_of(fake), fake.videos.video_bytes)


def test_native_requests_drop_what_the_model_lacks_and_say_so(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    body = {"model": "openai/sora-2-pro", "prompt": "A fox", "duration": 8, "generate_audio": True}
    answer = httpx2.post(f"{proxy_url}/api/v1/videos", json={**body, "seed": 3}, headers=AUTH)
    assert answer.status_code == 202
    assert answer.headers["x-dropped-parameters"] == "generate_audio,seed"
    assert sent_body(fake) == {"model": "openai/sora-2-pro", "prompt": "A fox", "duration": 8}
    polled = httpx2.get(f"{proxy_url}/api/v1/videos/{answer.json()['id']}", headers=AUTH)
    assert polled.json()["status"] == "in_progress"  # polling forwarded as it is


def test_native_requests_a_model_takes_go_byte_for_byte(
    fake: FakeOpenRouter, proxy_url: str
) -> None:
    raw = b'{"model": "google/veo-3.1", "prompt": "A fox", "seed": 3,  "generate_audio": true}'
    headers = {**AUTH, "Content-Type": "application/json"}
    answer = httpx2.post(f"{proxy_url}/api/v1/videos", content=raw, headers=headers)
    assert answer.status_code == 202
    assert "x-dropped-parameters" not in answer.headers
    [created] = creates(fake)
    assert created.body == raw


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"model": "google/veo-3.1", "duration": 5}, "takes `duration` among 4, 6, 8"),
        ({"model": "openai/gpt-5"}, "does not make video"),
    ],
)
def test_native_values_not_taken_are_refused_locally(
    fake: FakeOpenRouter, proxy_url: str, body: dict[str, Any], said: str
) -> None:
    answer = httpx2.post(f"{proxy_url}/api/v1/videos", json=body, headers=AUTH)
    assert answer.status_code == 400
    assert said in answer.json()["error"]["message"]
    assert creates(fake) == []


def test_a_proxy_started_from_its_snapshot_knows_the_video_models(
    fake: FakeOpenRouter, start_proxy: ProxyFactory, tmp_path: Path
) -> None:
    saved = tmp_path / "catalog.json"
    with start_proxy(proxy_catalog_snapshot=saved):
        wait_for("the snapshot", saved.exists)  # written once the catalog loaded
    fake.catalog_down = fake.videos.models_down = True  # neither list can be had now
    with (
        start_proxy(proxy_catalog_snapshot=saved) as url,
        openai.OpenAI(base_url=f"{url}/v1", api_key=KEY, max_retries=0) as sdk,
    ):
        untaken: Any = "5"  # not among the SDK's seconds: the proxy's list says so
        with pytest.raises(openai.BadRequestError, match="4, 6, 8 seconds"):
            sdk.videos.create(model="google/veo-3.1", prompt="A fox", seconds=untaken)
        video = sdk.videos.create_and_poll(
            model="google/veo-3.1", prompt="A fox", poll_interval_ms=1
        )
    assert video.status == "completed"


def test_an_input_reference_over_the_bound_is_413(
    fake: FakeOpenRouter, client: openai.OpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(video_forms, "MAX_REFERENCE_BYTES", len(PNG) - 1)
    with pytest.raises(openai.APIStatusError) as refusal:
        client.videos.create(model="google/veo-3.1", prompt="A fox", input_reference=PNG)
    assert (refusal.value.status_code, refusal.value.code) == (413, "reference_too_large")
    assert creates(fake) == []


@pytest.mark.parametrize(
    ("request_options", "code"),
    [
        (
            {"content": b"model=google/veo-3.1", "headers": {**AUTH, "Content-Type": "text/plain"}},
            "invalid_form",
        ),
        (
            {"content": b"[1]", "headers": {**AUTH, "Content-Type": "application/json"}},
            "invalid_json",
        ),
        (
            {
                "data": {"model": "google/veo-3.1", "prompt": "A fox"},
                "files": [("input_reference", PNG), ("input_reference", PNG)],
            },
            "invalid_form",
        ),
        (
            {"data": {"model": "google/veo-3.1", "prompt": "A fox"}, "files": {"video": PNG}},
            "invalid_form",
        ),
        (
            {
                "data": {"model": "google/veo-3.1", "prompt": "A"},
                "files": {"input_reference": b"text"},
            },
            "unsupported_input_reference",
        ),
    ],
)
def test_bodies_that_are_not_a_create_are_400(
    fake: FakeOpenRouter, proxy_url: str, request_options: dict[str, Any], code: str
) -> None:
    answer = httpx2.post(f"{proxy_url}/v1/videos", **{"headers": AUTH, **request_options})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, code)
    assert creates(fake) == []


def test_the_video_model_list_is_forwarded_under_v1_too(proxy_url: str) -> None:
    listing = httpx2.get(f"{proxy_url}/v1/videos/models").json()
    assert "google/veo-3.1" in {row["id"] for row in listing["data"]}
