"""The caps on what the proxy holds of upstream's answers, each from its setting
(app/upstream/caps.py)."""

from collections.abc import Callable

import pytest

from app.settings import Settings
from app.upstream.caps import Caps, Held


@pytest.mark.parametrize(
    ("variable", "read"),
    [
        ("PROXY_MAX_UPSTREAM_ERROR_BYTES", lambda caps: caps.error),
        ("PROXY_MAX_SSE_EVENT_BYTES", lambda caps: caps.sse_event),
        ("PROXY_MAX_IMAGE_ANSWER_BYTES", lambda caps: caps.held(Held.IMAGES)),
        ("PROXY_MAX_AUDIO_ANSWER_BYTES", lambda caps: caps.held(Held.AUDIO)),
        ("PROXY_MAX_TRANSCRIPTION_ANSWER_BYTES", lambda caps: caps.held(Held.TRANSCRIPTION)),
    ],
)
def test_each_cap_is_its_setting(
    monkeypatch: pytest.MonkeyPatch, variable: str, read: Callable[[Caps], int]
) -> None:
    monkeypatch.setenv(variable, "123456")
    caps = Caps.of(Settings())
    assert read(caps) == 123456
    every = [caps.error, caps.sse_event, *(caps.held(kind) for kind in Held)]
    assert every.count(123456) == 1  # that one alone
