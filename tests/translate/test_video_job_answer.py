"""A job answer collected and translated whole, within its bound."""

import orjson
import pytest

from app.errors import UpstreamBadAnswer
from app.translate import video_jobs
from app.translate.video_jobs import JobAnswer


def upper(body: bytes) -> bytes:
    return orjson.dumps({"status": orjson.loads(body)["status"].upper()})


def collected(*pieces: bytes) -> bytes:
    answer = JobAnswer(upper)
    for piece in pieces:
        answer.feed(piece)
    return answer.result()


def test_the_whole_answer_is_translated() -> None:
    assert collected(b'{"status": ', b'"pending"}') == b'{"status":"PENDING"}'


@pytest.mark.parametrize("pieces", [[b"nope"], [b"{}"]])
def test_another_shape_is_a_502(pieces: list[bytes]) -> None:
    with pytest.raises(UpstreamBadAnswer) as raised:
        collected(*pieces)
    assert (raised.value.status, raised.value.code) == (502, "upstream_bad_answer")


def test_past_the_bound_nothing_more_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video_jobs, "MAX_JOB_ANSWER", 20)
    answer = JobAnswer(upper)
    answer.feed(b'{"status": ')
    answer.feed(b"x" * 1000)
    assert answer._pieces == [b'{"status": ']  # what is held: not the 1000 bytes
    with pytest.raises(UpstreamBadAnswer, match="larger than 20 bytes") as raised:
        answer.result()
    assert raised.value.status == 502
