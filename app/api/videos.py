"""OpenAI's Videos API (`client.videos`) at `/v1/videos`, served by OpenRouter's video API.

Create, retrieve and download are translated (`app.translate.videos`, `app.translate.video_jobs`);
the proxy keeps no state: a video's id carries its upstream job (see `video_jobs`), so any replica
answers for any video. What OpenRouter does not offer (listing, deleting, remixing, editing,
extending, characters) is refused by the proxy, saying so.
"""

import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.model_check import model_for
from app.api.outgoing import Outgoing
from app.api.services import exchange_for, note_of, services_of
from app.api.video_forms import read_create
from app.catalog.video_models import VideoModel
from app.errors import ClientError, NotReady
from app.policy.endpoints import VIDEO
from app.translate import video_jobs, videos
from app.translate.video_jobs import VideoRef
from app.upstream.reshape import Reshape

NOT_OFFERED = {
    "list": "OpenRouter keeps no list of videos: keep the ids that POST /v1/videos returns",
    "delete": "OpenRouter's videos cannot be deleted; they expire on their own",
    "remix": "OpenRouter cannot remix a video; create a new one with POST /v1/videos",
    "edits": "OpenRouter has no video edits endpoint; edit models take their input through "
    "POST /api/v1/videos (`input_references`)",
    "extensions": "OpenRouter cannot extend a video; create a new one with POST /v1/videos",
    "characters": "OpenRouter has no video characters",
}


async def create_video(request: Request) -> Response:
    """Answer `client.videos.create`: OpenAI's form (or JSON) checked against the model's list
    and sent as OpenRouter's `POST /videos`; the answer is OpenAI's `Video`."""
    services = services_of(request)
    fields, upload = await read_create(request, services.settings.proxy_max_body_bytes)
    model = await video_model(request, fields.get("model"))
    checked = videos.video_request(fields, model, upload)
    created_at = int(time.time())

    def answer(job: bytes) -> bytes:
        job_id = video_jobs.job_id_of(job)
        ref = VideoRef(job_id, model.id, checked.seconds, checked.size, checked.prompt, created_at)
        return video_jobs.video_object(ref, job, created_at, prompt=checked.prompt)

    return _translated(request, b"videos", orjson.dumps(checked.payload), answer)


async def retrieve_video(request: Request) -> Response:
    """`client.videos.retrieve` (and each poll of `create_and_poll`): the job's status upstream
    as OpenAI's `Video`."""
    ref = _ref(request)
    path = f"videos/{ref.job_id}".encode()
    return _translated(request, path, b"", lambda job: _video(ref, job))


def _video(ref: VideoRef, job: bytes) -> bytes:
    return video_jobs.video_object(ref, job, int(time.time()))


async def video_content(request: Request) -> Response:
    """`client.videos.download_content`: the video's bytes from OpenRouter, streamed with their
    content type. OpenRouter makes no thumbnail or spritesheet."""
    ref = _ref(request)
    variant = request.query_params.get("variant", "video")
    if variant != "video":
        message = f"OpenRouter makes no {variant!r} of a video: only variant=video is available"
        raise ClientError(message, "unsupported_variant")
    exchange = exchange_for(request)
    # OpenRouter's query, not the client's (`variant=video`).
    first = dataclasses.replace(exchange.incoming, query=b"index=0")
    return dataclasses.replace(exchange, incoming=first).forward(
        Outgoing(f"videos/{ref.job_id}/content".encode(), b"", [])
    )


def not_offered(what: str) -> Callable[[Request], Awaitable[Response]]:
    """The handler of an OpenAI video endpoint that OpenRouter has no counterpart for."""

    async def refuse(request: Request) -> Response:
        raise ClientError(NOT_OFFERED[what], "unsupported_endpoint")

    return refuse


async def video_model(request: Request, model_id: Any) -> VideoModel:
    """Return the video model `model_id` names (see `listed_video_model`).

    ClientError (400) also for a model that OpenRouter's video API does not list, NotReady
    before that list has loaded."""
    found = await listed_video_model(request, model_id)
    if found is not None:
        return found
    catalog = services_of(request).refresher.current
    if catalog is None or catalog.videos is None:
        message = "OpenRouter's list of video models has not loaded yet; try again in a minute"
        raise NotReady(message, "catalog_loading")
    message = f"{model_id} is not among OpenRouter's video models; pick one from {VIDEO.listing}"
    raise ClientError(message, "model_not_found")


async def listed_video_model(request: Request, model_id: Any) -> VideoModel | None:
    """Return the video list's record of `model_id`; None when the list (or the model in it)
    is missing.

    ClientError (400, upstream not called) for no model, or one that the catalog knows to make
    no video."""
    await model_for(request, model_id, VIDEO)
    catalog = services_of(request).refresher.current
    listed = catalog.videos if catalog else None
    return listed.lookup(model_id) if listed else None


def _ref(request: Request) -> VideoRef:
    ref = video_jobs.decode_id(request.path_params["video_id"])
    note_of(request).model = ref.model
    return ref


def _translated(
    request: Request, path: bytes, content: bytes, translate: Callable[[bytes], bytes]
) -> Response:
    """Send `content` to `{base}/{path}` and answer `translate` of a 2xx answer's body (502 when
    it has another shape); other answers go back as upstream sent them."""
    as_video = Reshape(collect=lambda: video_jobs.JobAnswer(translate))
    return exchange_for(request).forward(Outgoing(path, content, [], lambda _: as_video))
