"""OpenRouter's video jobs as OpenAI's `Video` objects, and the stateless ids that carry them.

Pure, with no I/O. The proxy keeps nothing between calls: the id it gives a video holds what
OpenAI's `Video` reports and OpenRouter's job status lacks, so that any replica, or a proxy
restarted since, answers `retrieve` and `content` for it. An id is `video_` and the base64url
(unpadded) of the compact JSON array `[1, job id, model, seconds, size, created_at, prompt]` (1:
the format's version). The prompt is cut, at a character boundary and marked with "…", to keep
ids within `MAX_ID_LENGTH` characters; the create answer itself carries the whole prompt. Ids are
not signed: the job id inside is only ever used with the caller's own credentials (or the server
key that `/api/v1/videos/{job}` lets anyone use already), and is checked to be one path segment.
"""

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from app.errors import ClientError, UpstreamBadAnswer
from app.translate.whole import Mapped

PREFIX = "video_"
VERSION = 1
MAX_ID_LENGTH = 1024  # characters: fits in any URL and log line
MAX_NAME_LENGTH = 200  # characters of a job id or model id
PROMPT_BUDGET = 300  # bytes of the prompt's JSON in the id: with the rest, within MAX_ID_LENGTH
ELLIPSIS = "…"
JOB_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
STATUSES = {"pending": "queued", "in_progress": "in_progress", "completed": "completed"}
FAILED = frozenset({"failed", "cancelled", "expired", "dead"})
MAX_JOB_ANSWER = 1 << 20  # bytes of a job's JSON the proxy reads: real ones are under 1 KiB


@dataclass(frozen=True)
class VideoRef:
    """What a video's id carries: the upstream job, and what OpenAI's `Video` reports."""

    job_id: str
    model: str
    seconds: str | None
    size: str | None
    prompt: str
    created_at: int


def encode_id(ref: VideoRef) -> str:
    """Return the OpenAI id of `ref`, its prompt shortened to fit.

    Raises ValueError for a job id that is not one short path segment, or a model id, seconds or
    size too long to carry.
    """
    if not is_job_id(ref.job_id) or len(ref.model) > MAX_NAME_LENGTH:
        raise ValueError(f"an upstream job id or model id the proxy cannot carry: {ref.job_id!r}")
    fields = [VERSION, ref.job_id, ref.model, ref.seconds, ref.size, ref.created_at]
    packed = orjson.dumps([*fields, _shortened(ref.prompt)])
    video_id = PREFIX + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()
    if len(video_id) > MAX_ID_LENGTH:
        raise ValueError(f"a video id longer than {MAX_ID_LENGTH} characters")
    return video_id


def is_job_id(job_id: object) -> bool:
    """Return whether `job_id` can go into an upstream path as one segment."""
    return (
        isinstance(job_id, str)
        and len(job_id) <= MAX_NAME_LENGTH
        and JOB_ID.fullmatch(job_id) is not None
    )


def _shortened(prompt: str) -> str:
    """Return `prompt`, or its longest start whose JSON fits in PROMPT_BUDGET bytes, and "…"."""
    if len(orjson.dumps(prompt)) <= PROMPT_BUDGET:
        return prompt
    size, kept = len(orjson.dumps(ELLIPSIS)), []
    for char in prompt:
        size += len(orjson.dumps(char)) - 2  # the character as JSON, without its quotes
        if size > PROMPT_BUDGET:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def decode_id(video_id: str) -> VideoRef:
    """Return the `VideoRef` of an id that `encode_id` made; raise ClientError (404) for another."""
    try:
        return _decoded(video_id)
    except (ValueError, TypeError, binascii.Error):
        message = f"No video {video_id[:80]!r}: not an id that this proxy gave out"
        raise ClientError(message, "video_not_found", 404) from None


def _decoded(video_id: str) -> VideoRef:
    if len(video_id) > MAX_ID_LENGTH or not video_id.startswith(PREFIX):
        raise ValueError("not a proxy id")
    packed = video_id.removeprefix(PREFIX)
    if not re.fullmatch(r"[A-Za-z0-9_-]+", packed):
        raise ValueError("not base64url")
    fields = orjson.loads(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))
    version, job_id, model, seconds, size, created_at, prompt = fields
    if version != VERSION or not is_job_id(job_id) or not isinstance(model, str):
        raise ValueError("not a proxy id")
    if not all(isinstance(value, str | None) for value in (seconds, size)):
        raise TypeError("seconds and size are strings")
    if type(created_at) is not int or not isinstance(prompt, str):
        raise TypeError("created_at is a number, prompt a string")
    return VideoRef(job_id, model, seconds, size, prompt, created_at)


def job_id_of(answer: bytes) -> str:
    """Return the job id of OpenRouter's answer to `POST /videos`; ValueError for another shape."""
    job_id = orjson.loads(answer).get("id")
    if not is_job_id(job_id):
        raise ValueError(f"OpenRouter's video job id is missing or unusable: {job_id!r}")
    assert isinstance(job_id, str)
    return job_id


def video_object(ref: VideoRef, job: bytes, now: int, prompt: str | None = None) -> bytes:
    """Return OpenAI's `Video` for `ref` from OpenRouter's job answer, as of `now`.

    The answer is `POST /videos`'s or `GET /videos/{id}`'s; `prompt` overrides the id's (possibly
    shortened) one. Raises ValueError when the answer has no status.
    """
    answer = orjson.loads(job)
    status, error = _status(answer)
    video = {
        "id": encode_id(ref),
        "object": "video",
        "model": ref.model,
        "status": status,
        "progress": 100 if status == "completed" else 0,  # OpenRouter reports none between
        "created_at": ref.created_at,
        "completed_at": now if status == "completed" else None,
        "expires_at": None,
        "error": error,
        "prompt": ref.prompt if prompt is None else prompt,
        "remixed_from_video_id": None,
        "seconds": ref.seconds,
        "size": ref.size,
    }
    return orjson.dumps(video)


def _status(answer: Mapping[str, Any]) -> tuple[str, dict[str, str] | None]:
    """Return OpenAI's status (and error) for OpenRouter's.

    Never another than OpenAI's four, since the SDK's `poll` stops on a status it does not know.
    """
    status = answer.get("status")
    if not isinstance(status, str):
        raise ValueError("OpenRouter's video job answer has no status")
    if status in STATUSES:
        return STATUSES[status], None
    said = answer.get("error")
    if status in FAILED:
        message = said if isinstance(said, str) and said else f"OpenRouter reports the job {status}"
        return "failed", {"code": status, "message": message}
    message = f"OpenRouter reports the job {status!r}, a status the proxy does not know"
    return "failed", {"code": "unknown_status", "message": message}


class JobAnswer(Mapped):
    """A job answer collected and translated whole (see `app.translate.whole.Mapped`); past
    MAX_JOB_ANSWER bytes it keeps nothing more and raises `UpstreamBadAnswer` (502)."""

    def __init__(self, translate: Callable[[bytes], bytes]) -> None:
        super().__init__(translate)
        self._size = 0

    def feed(self, piece: bytes) -> None:
        self._size += len(piece)
        if self._size <= MAX_JOB_ANSWER:
            super().feed(piece)

    def answer(self, body: bytes) -> bytes:
        if self._size > MAX_JOB_ANSWER:
            message = f"OpenRouter's video job answer is larger than {MAX_JOB_ANSWER:,} bytes"
            raise UpstreamBadAnswer(message)
        return super().answer(body)
