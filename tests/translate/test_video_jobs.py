"""Stateless video ids and OpenRouter's job status as OpenAI's `Video`: tables."""

import base64

import orjson
import pytest

from app.errors import ProxyError, UpstreamBadAnswer
from app.translate.video_jobs import (
    MAX_ID_LENGTH,
    JobAnswer,
    VideoRef,
    decode_id,
    encode_id,
    job_id_of,
    video_object,
)

REF = VideoRef("job-abc123", "google/veo-3.1", "8", "1280x720", "A red fox", 1_790_000_000)


@pytest.mark.parametrize(
    "ref",
    [
        REF,
        VideoRef("job:1.2_3-4", "openai/sora-2-pro", None, None, "", 0),
        VideoRef("j" * 200, "m" * 200, "16384", "16384x16384", "é" * 5000, 99_999_999_999),
    ],
)
def test_an_id_carries_its_video_back(ref: VideoRef) -> None:
    video_id = encode_id(ref)
    assert video_id.startswith("video_")
    assert len(video_id) <= MAX_ID_LENGTH
    assert decode_id(video_id).job_id == ref.job_id
    assert decode_id(video_id).model == ref.model
    assert decode_id(video_id).created_at == ref.created_at


@pytest.mark.parametrize(
    "prompt",
    ["a" * 1000, "é" * 1000, "\x00" * 1000, '"' * 1000, "🦊" * 1000],
)
def test_a_long_prompt_is_cut_to_fit_and_marked(prompt: str) -> None:
    ref = VideoRef("j" * 200, "m" * 200, "16384", "16384x16384", prompt, 99_999_999_999)
    video_id = encode_id(ref)
    assert len(video_id) <= MAX_ID_LENGTH
    carried = decode_id(video_id).prompt
    assert carried.endswith("…")
    assert prompt.startswith(carried[:-1])
    assert len(carried) > 10


def test_a_short_prompt_is_carried_whole() -> None:
    assert decode_id(encode_id(REF)) == REF


@pytest.mark.parametrize(
    "job_id", ["", "../x", "a/b", "job?x=1", "job#1", ".hidden", "j" * 201, "job 1", "é"]
)
def test_job_ids_that_are_not_one_path_segment_are_not_encoded(job_id: str) -> None:
    with pytest.raises(ValueError, match="job id"):
        encode_id(VideoRef(job_id, "m/x", None, None, "", 0))


def _packed(fields: object) -> str:
    return "video_" + base64.urlsafe_b64encode(orjson.dumps(fields)).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "video_id",
    [
        "",
        "job-abc123",  # OpenRouter's own job id
        "video_",
        "video_!!!",
        "video_" + "A" * MAX_ID_LENGTH,
        encode_id(REF) + "x",
        _packed([2, "job", "m", None, None, 0, ""]),  # another version
        _packed([1, "../job", "m", None, None, 0, ""]),  # a path escape
        _packed([1, "job", "m", 8, None, 0, ""]),  # seconds not a string
        _packed([1, "job", "m", None, None, "0", ""]),
        _packed([1, "job", "m", None, None, True, ""]),
        _packed([1, "job", "m", None, None, 0]),
        _packed({"id": "job"}),
    ],
)
def test_other_ids_are_not_found(video_id: str) -> None:
    with pytest.raises(ProxyError) as refusal:
        decode_id(video_id)
    assert (refusal.value.status, refusal.value.code) == (404, "video_not_found")


@pytest.mark.parametrize(
    ("upstream", "status", "error"),
    [
        ({"status": "pending"}, "queued", None),
        ({"status": "in_progress"}, "in_progress", None),
        ({"status": "completed", "unsigned_urls": ["u"]}, "completed", None),
        (
            {"status": "failed", "error": "Content policy"},
            "failed",
            {"code": "failed", "message": "Content policy"},
        ),
        (
            {"status": "cancelled"},
            "failed",
            {"code": "cancelled", "message": "OpenRouter reports the job cancelled"},
        ),
        (
            {"status": "expired", "error": None},
            "failed",
            {"code": "expired", "message": "OpenRouter reports the job expired"},
        ),
        (
            {"status": "dead"},
            "failed",
            {"code": "dead", "message": "OpenRouter reports the job dead"},
        ),
        (
            {"status": "paused"},
            "failed",
            {
                "code": "unknown_status",
                "message": "OpenRouter reports the job 'paused', a status the proxy does not know",
            },
        ),
    ],
)
def test_statuses_map_to_openais_four(
    upstream: dict[str, object], status: str, error: object
) -> None:
    video = orjson.loads(video_object(REF, orjson.dumps({"id": "job-abc123", **upstream}), 1234))
    done = status == "completed"
    assert video == {
        "id": encode_id(REF),
        "object": "video",
        "model": "google/veo-3.1",
        "status": status,
        "progress": 100 if done else 0,
        "created_at": REF.created_at,
        "completed_at": 1234 if done else None,
        "expires_at": None,
        "error": error,
        "prompt": "A red fox",
        "remixed_from_video_id": None,
        "seconds": "8",
        "size": "1280x720",
    }


def test_the_create_answer_carries_the_whole_prompt() -> None:
    video = video_object(REF, b'{"status": "pending"}', 1, prompt="A red fox " * 100)
    assert orjson.loads(video)["prompt"] == "A red fox " * 100


@pytest.mark.parametrize("answer", [b"{}", b'{"status": 3}', b"[]", b"nope"])
def test_an_answer_without_a_status_is_an_error(answer: bytes) -> None:
    with pytest.raises((ValueError, AttributeError)):
        video_object(REF, answer, 1)


@pytest.mark.parametrize(
    ("answer", "job_id"),
    [(b'{"id": "job-1", "status": "pending"}', "job-1"), (b'{"id": "a/b"}', None), (b"{}", None)],
)
def test_the_job_id_of_a_create_answer(answer: bytes, job_id: str | None) -> None:
    if job_id is None:
        with pytest.raises(ValueError, match="job id"):
            job_id_of(answer)
    else:
        assert job_id_of(answer) == job_id


def test_an_id_is_at_most_1024_characters() -> None:
    longest = VideoRef("job-1", "m/x", "s" * 733, None, "", 0)  # seconds stretched to fit
    assert len(encode_id(longest)) == 1024
    assert decode_id(encode_id(longest)) == longest
    with pytest.raises(ValueError, match="longer than 1024 characters"):
        encode_id(VideoRef("job-1", "m/x", "s" * 734, None, "", 0))
    assert len(_packed([1, "job", "m", None, None, 0, "p" * 735])) == 1024
    assert decode_id(_packed([1, "job", "m", None, None, 0, "p" * 735])).prompt == "p" * 735
    with pytest.raises(ProxyError, match="not an id that this proxy gave out"):
        decode_id(_packed([1, "job", "m", None, None, 0, "p" * 736]))  # 1025 characters


@pytest.mark.parametrize(
    ("prompt", "carried"),
    [
        ("a" * 298, "a" * 298),  # 300 bytes of JSON: the budget, carried whole
        ("a" * 299, "a" * 295 + "…"),  # 295 bytes, the ellipsis's 3 and the quotes: 300
        ("a" * 1000, "a" * 295 + "…"),
        ("é" * 1000, "é" * 147 + "…"),  # 2 bytes each
        ('"' * 1000, '"' * 147 + "…"),  # escaped: 2 bytes each
    ],
)
def test_a_prompt_is_cut_at_300_bytes_of_json(prompt: str, carried: str) -> None:
    ref = VideoRef("job-1", "m/x", None, None, prompt, 0)
    assert decode_id(encode_id(ref)).prompt == carried


@pytest.mark.parametrize("video_id", [encode_id(REF)[6:], "xideo_" + encode_id(REF)[6:]])
def test_an_id_without_the_prefix_is_not_found(video_id: str) -> None:
    with pytest.raises(ProxyError, match="not an id that this proxy gave out"):
        decode_id(video_id)


@pytest.mark.parametrize("answer", [b"{}", b'{"status": 3}', b'{"status": null}'])
def test_an_answer_without_a_status_says_so(answer: bytes) -> None:
    with pytest.raises(ValueError, match=r"^OpenRouter's video job answer has no status$"):
        video_object(REF, answer, 1)


@pytest.mark.parametrize("said", ["", 5, ["Content policy"]])
def test_a_failure_without_a_message_gets_one(said: object) -> None:
    job = orjson.dumps({"status": "failed", "error": said})
    error = orjson.loads(video_object(REF, job, 1))["error"]
    assert error == {"code": "failed", "message": "OpenRouter reports the job failed"}


def _collected(*pieces: bytes) -> bytes:
    collector = JobAnswer(lambda body: str(len(body)).encode())  # what reached the mapping
    for piece in pieces:
        collector.feed(piece)
    return collector.result()


def test_a_job_answer_is_read_up_to_1_mib() -> None:
    assert _collected(b" " * (1 << 19), b" " * (1 << 19)) == b"1048576"
    with pytest.raises(UpstreamBadAnswer) as raised:
        _collected(b" " * (1 << 19), b" " * ((1 << 19) + 1))
    assert raised.value.status == 502
    assert orjson.loads(raised.value.response().body) == {
        "error": {
            "message": "OpenRouter's video job answer is larger than 1,048,576 bytes",
            "type": "upstream_error",
            "param": None,
            "code": "upstream_bad_answer",
        }
    }
