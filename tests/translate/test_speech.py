"""OpenAI's speech request in OpenRouter's terms, and the WAV header made for its PCM: tables."""

import io
import wave
from typing import Any

import pytest

from app.errors import ProxyError
from app.translate.speech import (
    SpeechRequest,
    pcm_answer,
    pcm_format,
    speech_request,
    wav_header,
)
from app.translate.transcode import WavWriter

KOKORO_VOICES = ("af_alloy", "af_bella")
BASE = {"model": "hexgrad/kokoro-82m", "input": "Hello", "voice": "af_alloy"}


@pytest.mark.parametrize("encodes", [False, True])
@pytest.mark.parametrize(
    ("asked", "sent", "made"),
    [
        ({}, "mp3", None),  # OpenAI's default, not OpenRouter's pcm
        ({"response_format": None}, "mp3", None),
        ({"response_format": "mp3"}, "mp3", None),
        ({"response_format": "pcm"}, "pcm", None),
        ({"response_format": "wav"}, "pcm", "wav"),
        ({"stream_format": "audio"}, "mp3", None),
    ],
)
def test_response_format_asked_of_upstream(
    asked: dict[str, Any], sent: str, made: str | None, encodes: bool
) -> None:
    checked = speech_request({**BASE, **asked}, KOKORO_VOICES, encodes)
    assert checked == SpeechRequest({**BASE, "response_format": sent}, made)


@pytest.mark.parametrize("format_", ["opus", "aac", "flac"])
def test_encoded_formats_are_made_of_pcm_with_the_extra(format_: str) -> None:
    checked = speech_request({**BASE, "response_format": format_}, (), encodes=True)
    assert checked == SpeechRequest({**BASE, "response_format": "pcm"}, format_)


@pytest.mark.parametrize("format_", ["opus", "aac", "flac", "ogg", 3])
def test_formats_no_one_makes_are_refused_naming_those_offered(format_: object) -> None:
    with pytest.raises(ProxyError) as refused:
        speech_request({**BASE, "response_format": format_}, ())
    assert refused.value.status == 400
    assert refused.value.code == "unsupported_response_format"
    assert f"{format_!r} cannot be made" in refused.value.message
    assert "one of mp3, pcm, wav (opus, aac, flac too with the" in refused.value.message


def test_with_the_extra_a_refusal_names_the_encoded_formats_too() -> None:
    with pytest.raises(ProxyError, match=r"one of mp3, pcm, wav, opus, aac, flac$"):
        speech_request({**BASE, "response_format": "ogg"}, (), encodes=True)


def test_a_voice_the_model_lacks_is_refused_naming_its_voices() -> None:
    with pytest.raises(ProxyError) as refused:
        speech_request({**BASE, "voice": "alloy"}, KOKORO_VOICES)
    assert refused.value.code == "unsupported_voice"
    message = refused.value.message
    assert message == "hexgrad/kokoro-82m has no voice 'alloy'; it has af_alloy, af_bella"


@pytest.mark.parametrize(("voice", "voices"), [("alloy", ()), (None, KOKORO_VOICES)])
def test_voices_go_unchecked_when_nothing_to_check(voice: str | None, voices: tuple[str]) -> None:
    body = {**BASE, "voice": voice}
    assert speech_request(body, voices).payload["voice"] == voice


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"model": "m", "voice": "v"}, "unsupported_input"),
        ({**BASE, "input": ""}, "unsupported_input"),
        ({**BASE, "input": ["a"]}, "unsupported_input"),
        ({**BASE, "stream_format": "sse"}, "unsupported_stream_format"),
    ],
)
def test_requests_that_cannot_go_are_refused(body: dict[str, Any], code: str) -> None:
    with pytest.raises(ProxyError) as refused:
        speech_request(body, ())
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "m", "voice": "v"}, "`input` is required: the text to speak"),
        (
            {**BASE, "stream_format": "sse"},
            "`stream_format` 'sse' is not offered: OpenRouter answers the audio itself",
        ),
    ],
)
def test_what_a_refusal_says(body: dict[str, Any], message: str) -> None:
    with pytest.raises(ProxyError) as refused:
        speech_request(body, ())
    assert refused.value.message == message


PCM = b"\x01\x00\xff\x7f" * 50  # 100 frames of 16-bit mono


def read_wav(data: bytes) -> tuple[int, int, int, bytes]:
    with wave.open(io.BytesIO(data)) as wav:
        frames = wav.readframes(len(data))
        return wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), frames


@pytest.mark.parametrize(
    ("content_type", "rate", "channels"),
    [
        ("audio/pcm;rate=24000;channels=1", 24000, 1),
        ("audio/pcm; rate=16000; channels=2", 16000, 2),
        ("audio/PCM", 24000, 1),
        ("application/octet-stream", 24000, 1),
        ('audio/pcm; rate="16000"', 16000, 1),
        ("audio/L16;rate=16000;channels=2", 16000, 2),
    ],
)
@pytest.mark.parametrize("length", [len(PCM), None])
def test_wav_reads_rate_and_channels_of_the_pcm(
    content_type: str, rate: int, channels: int, length: int | None
) -> None:
    assert pcm_format(content_type) == (rate, channels)
    media_type, make = pcm_answer("wav", content_type, length)
    assert media_type == b"audio/wav"
    assert make is not None
    writer = make()
    wav = writer.feed(PCM[:3]) + writer.feed(b"") + writer.feed(PCM[3:]) + writer.finish()
    assert read_wav(wav) == (rate, channels, 2, PCM)


@pytest.mark.parametrize(
    ("content_type", "rate", "channels"),
    [
        ("audio/pcm;rate=8000", 8000, 1),  # the least the proxy takes: telephony
        ("audio/pcm;rate=11025", 11025, 1),
        ("audio/pcm;rate=22050;channels=2", 22050, 2),
        ("audio/pcm;rate=44100", 44100, 1),
        ("audio/pcm;rate=48000;channels=2", 48000, 2),  # the most
        ("audio/pcm;channels=2", 24000, 2),
    ],
)
def test_pcm_parameters_within_bounds_are_taken(
    content_type: str, rate: int, channels: int
) -> None:
    assert pcm_format(content_type) == (rate, channels)


@pytest.mark.parametrize(
    "content_type",
    [
        "audio/pcm;rate=4294967296",  # past a WAV header's 32 bits
        "audio/pcm;rate=100000000000000000000",
        "audio/pcm;rate=1e20",
        "audio/pcm;rate=7999",
        "audio/pcm;rate=48001",
        "audio/pcm;rate=0",
        "audio/pcm;rate=-24000",
        "audio/pcm;rate=fast",
        "audio/pcm;rate=",
        "audio/pcm;rate=\u00b2",
        "audio/pcm;rate=24000;channels=0",
        "audio/pcm;rate=24000;channels=3",
        "audio/pcm;rate=24000;channels=70000",
        "audio/pcm;channels=two",
    ],
)
@pytest.mark.parametrize("made", ["wav", "opus", "aac", "flac", "mp3"])
def test_pcm_parameters_out_of_bounds_are_a_bad_answer(content_type: str, made: str) -> None:
    with pytest.raises(ValueError, match="OpenRouter's PCM"):
        pcm_answer(made, content_type, 1000)


@pytest.mark.parametrize(
    ("length", "said"), [(0xFFFFFFFF - 44, 0xFFFFFFFF - 44), (0xFFFFFFFF - 43, 0xFFFFFFFF)]
)
def test_a_length_a_wav_header_cannot_hold_is_said_unknown(length: int, said: int) -> None:
    assert int.from_bytes(wav_header(24000, 1, length)[40:44], "little") == said


def test_wav_header_of_unknown_length_says_the_largest() -> None:
    header = wav_header(24000, 1, None)
    assert len(header) == 44
    assert header[4:8] == header[40:44] == b"\xff\xff\xff\xff"
    exact = wav_header(24000, 1, 200)
    assert int.from_bytes(exact[40:44], "little") == 200
    assert int.from_bytes(exact[4:8], "little") == 236


def test_wav_of_no_pcm_is_still_a_header() -> None:
    assert WavWriter(b"RIFF").finish() == b"RIFF"


@pytest.mark.parametrize("content_type", ["audio/wav", "audio/x-wav;codec=1", "audio/wave"])
def test_wav_from_upstream_goes_as_it_is(content_type: str) -> None:
    assert pcm_format(content_type) is None
    assert pcm_answer("wav", content_type, 10) == (b"audio/wav", None)
    with pytest.raises(ValueError, match="answered WAV when asked for pcm"):
        pcm_answer("opus", content_type, 10)


@pytest.mark.parametrize("content_type", ["audio/mpeg", "application/json", ""])
def test_other_answers_are_not_pcm(content_type: str) -> None:
    with pytest.raises(ValueError, match="when asked for pcm"):
        pcm_answer("wav", content_type, None)
