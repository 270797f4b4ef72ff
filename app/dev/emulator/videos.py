"""The fake's video API (`/videos`, `/videos/{id}`, `/videos/{id}/content`, `/videos/models`),
from docs/openrouter.md.

`POST /videos` checks the body against the model's row as OpenRouter does (a value outside the
model's lists is a 400, and so are `generate_audio` or `seed` for a model without them) and answers
202 with a `pending` job. Each `GET /videos/{id}` is one poll: a job is `in_progress` until its
`polls_to_finish`-th poll, which finds it `completed` with its `unsigned_urls`, or, when its prompt
says `[fail]`, `[cancel]` or `[expire]`, `failed` (with an `error` string), `cancelled` or
`expired`. Every call needs a bearer key (401 without), the content download included.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from app.dev.emulator.routing import error
from app.dev.emulator.video_models import video_row

ENDINGS = {"[fail]": "failed", "[cancel]": "cancelled", "[expire]": "expired"}
FAILURE = "The provider could not generate this video"
LISTED = {
    "duration": "supported_durations",
    "resolution": "supported_resolutions",
    "aspect_ratio": "supported_aspect_ratios",
    "size": "supported_sizes",
}
MP4_START = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
CHUNK = 64 * 1024
Recorded = Callable[[Callable[[Request], Any]], Any]


@dataclass
class Job:
    id: str
    model: str
    ending: str  # "completed", or the failure its prompt asks for
    polls: int = 0


class FakeVideosApi:
    """The video API over the catalog's video models. Tests may read `jobs` and set
    `polls_to_finish`, `video_bytes` (the size of every video) and `models_down` (GET
    /videos/models answers 500)."""

    def __init__(self, models: list[dict[str, Any]]) -> None:
        self.rows = {
            model["id"]: video_row(model)
            for model in models
            if "video" in model["architecture"]["output_modalities"]
        }
        self.jobs: dict[str, Job] = {}
        self.polls_to_finish = 2
        self.video_bytes = 4096
        self.models_down = False

    def routes(self, recorded: Recorded) -> list[Route]:
        """Its routes under /api/v1, each handler wrapped by `recorded`."""
        return [
            Route("/api/v1/videos/models", recorded(self.list_models), methods=["GET"]),
            Route("/api/v1/videos", recorded(self.create), methods=["POST"]),
            Route("/api/v1/videos/{job}", recorded(self.status), methods=["GET"]),
            Route("/api/v1/videos/{job}/content", recorded(self.content), methods=["GET"]),
        ]

    async def list_models(self, request: Request) -> Response:
        if self.models_down:
            return error(500, "Internal Server Error")
        return JSONResponse({"data": list(self.rows.values())})

    async def create(self, request: Request) -> Response:
        if not _authorized(request):
            return error(401, "No auth credentials found")
        try:
            body = json.loads(await request.body())
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return error(400, "Request body must be a JSON object with a string 'model'")
        row = self.rows.get(body["model"])
        if row is None:
            return error(400, f"{body['model']} is not a valid video model ID")
        refusal = _refusal(row, body)
        if refusal:
            return error(400, refusal)
        prompt = str(body.get("prompt", ""))
        ending = next((end for mark, end in ENDINGS.items() if mark in prompt), "completed")
        job = Job(f"job-{uuid.uuid4().hex[:16]}", row["id"], ending)
        self.jobs[job.id] = job
        return JSONResponse(self._answer(request, job, "pending"), 202)

    async def status(self, request: Request) -> Response:
        if not _authorized(request):
            return error(401, "No auth credentials found")
        job = self.jobs.get(request.path_params["job"])
        if job is None:
            return error(404, "Video generation job not found")
        job.polls += 1
        status = job.ending if job.polls >= self.polls_to_finish else "in_progress"
        return JSONResponse(self._answer(request, job, status))

    def _answer(self, request: Request, job: Job, status: str) -> dict[str, Any]:
        base = str(request.base_url).rstrip("/")
        answer: dict[str, Any] = {
            "id": job.id,
            "polling_url": f"{base}/api/v1/videos/{job.id}",  # absolute, as the guides show
            "status": status,
            "generation_id": f"gen-{job.id}",
        }
        if status == "pending":
            return answer
        answer["error"] = FAILURE if status == "failed" else None
        done = status == "completed"
        answer["unsigned_urls"] = [f"{base}/api/v1/videos/{job.id}/content?index=0"] if done else []
        answer["usage"] = {"cost": 0.8, "is_byok": False} if done else None
        return answer

    async def content(self, request: Request) -> Response:
        if not _authorized(request):
            return error(401, "No auth credentials found")
        job = self.jobs.get(request.path_params["job"])
        if job is None or request.query_params.get("index", "0") != "0":
            return error(404, "Video not found")
        if job.ending != "completed" or job.polls < self.polls_to_finish:
            return error(400, "The video is not ready")
        headers = {"Content-Length": str(self.video_bytes)}
        return StreamingResponse(self._video(job), headers=headers, media_type="video/mp4")

    async def _video(self, job: Job) -> AsyncGenerator[bytes, None]:
        """`video_bytes` bytes: an MP4 start, the job id, then zeros, in 64 KiB pieces."""
        whole = video_bytes(job.id, self.video_bytes)
        for start in range(0, self.video_bytes, CHUNK):
            yield whole[start : start + CHUNK]


def video_bytes(job_id: str, size: int) -> bytes:
    """The bytes the fake serves for `job_id` at `size`: for tests to compare with."""
    return (MP4_START + job_id.encode()).ljust(size, b"\x00")


def _authorized(request: Request) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and bool(token.strip())


def _refusal(row: dict[str, Any], body: dict[str, Any]) -> str | None:
    """OpenRouter's reason to refuse `body` for the model of `row`, if any."""
    for name, listed in LISTED.items():
        taken = row[listed]
        if name in body and taken is not None and body[name] not in taken:
            return f"{name} {body[name]!r} is not supported by {row['id']}: {taken}"
    for flag in ("generate_audio", "seed"):
        if flag in body and row[flag] is not True:
            return f"{row['id']} does not support '{flag}'"
    frames = row["supported_frame_images"]
    for frame in body.get("frame_images") or []:
        if frames is not None and frame.get("frame_type") not in frames:
            return f"frame_type {frame.get('frame_type')!r} is not supported by {row['id']}"
    return None
