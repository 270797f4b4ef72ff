"""Speech encoded from PCM as it streams (the `transcode` extra): what a decoder reads back."""

import io
import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.translate.speech import PCM_CHANNEL_COUNTS, PCM_RATES, pcm_answer
from app.translate.transcode import ENCODED, EncodedWriter, can_encode

av = pytest.importorskip("av")  # the optional extra; the test extra installs it

RATE = 24000
# What TTS services send: telephony's 8 kHz up to 48 kHz.
REALISTIC_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)
# Samples an encoder puts before the sound, which a streamed file cannot tell its decoder to
# skip (ADTS has no field for it; the LAME tag that would say it is written after the end, to
# a file that can be rewritten): decoders play them.
PRIMING = {"aac": 1024, "mp3": 576 + 529}


def tone(rate: int, channels: int = 1, seconds: float = 0.5) -> bytes:
    """A 440 Hz tone as 16-bit little-endian PCM, the same sample in each channel."""
    return b"".join(
        round(8000 * math.sin(2 * math.pi * 440 * n / rate)).to_bytes(2, "little", signed=True)
        * channels
        for n in range(int(rate * seconds))
    )


PCM = tone(RATE)
MAGIC = {"opus": b"OggS", "aac": b"\xff\xf1", "flac": b"fLaC", "mp3": b"ID3"}


def encoded(format_: str, pieces: list[bytes]) -> tuple[bytes, list[bytes]]:
    writer = EncodedWriter(format_, RATE, 1)
    out = [writer.feed(piece) for piece in pieces]
    return b"".join(out) + writer.finish(), out


@pytest.mark.parametrize("format_", sorted(ENCODED))
def test_encoded_speech_decodes_to_as_long_a_sound(format_: str) -> None:
    pieces = [PCM[i : i + 4097] for i in range(0, len(PCM), 4097)]  # samples cut in two
    data, _ = encoded(format_, pieces)
    assert data.startswith(MAGIC[format_])
    with av.open(io.BytesIO(data)) as played:
        stream = played.streams.audio[0]
        samples = sum(frame.samples for frame in played.decode(stream))
        rate = stream.rate
    assert stream.codec_context.channels == 1
    # Encoders pad the start and the last frame, and opus decodes at 48 kHz.
    assert len(PCM) // 2 <= samples * RATE // rate <= len(PCM) // 2 + 2048


def assert_decodes_whole(format_: str, rate: int, channels: int, seconds: float) -> None:
    """`seconds` of PCM at `rate` Hz in `channels`, encoded as `format_` in pieces that cut
    samples in two, decodes to as many channels and as long a sound, within the longest frame
    (and the priming an encoder adds)."""
    pcm = tone(rate, channels, seconds)
    writer = EncodedWriter(format_, rate, channels)
    data = b"".join(writer.feed(pcm[i : i + 4097]) for i in range(0, len(pcm), 4097))
    data += writer.finish()
    with av.open(io.BytesIO(data)) as played:
        stream = played.streams.audio[0]
        frames = list(played.decode(stream))
    assert stream.codec_context.channels == channels
    # The audio's length (samples over rate), not a time taken: nothing here is timed.
    played_length = sum(frame.samples for frame in frames) / stream.rate
    sent_length = len(pcm) / (2 * channels) / rate
    largest_frame = max(frame.samples for frame in frames) / stream.rate
    priming = PRIMING.get(format_, 0) / stream.rate
    assert sent_length - largest_frame <= played_length
    assert played_length <= sent_length + largest_frame + priming


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize("rate", REALISTIC_RATES)
@pytest.mark.parametrize("format_", sorted(ENCODED))
def test_speech_of_every_realistic_rate_decodes_whole(
    format_: str, rate: int, channels: int
) -> None:
    assert_decodes_whole(format_, rate, channels, seconds=0.5)


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(sorted(ENCODED)),
    st.integers(PCM_RATES.start, PCM_RATES.stop - 1),
    st.sampled_from(PCM_CHANNEL_COUNTS),
)
def test_speech_of_any_rate_taken_decodes_whole(format_: str, rate: int, channels: int) -> None:
    assert_decodes_whole(format_, rate, channels, seconds=0.2)


@pytest.mark.parametrize("format_", ["opus", "aac", "mp3"])
def test_encoded_speech_comes_out_as_the_pcm_comes_in(format_: str) -> None:
    long = PCM * 4  # two seconds
    data, out = encoded(format_, [long[i : i + 4096] for i in range(0, len(long), 4096)])
    assert out[0]  # the start of the file at once
    assert sum(map(len, out)) > 0.8 * len(data)  # most of it before the PCM has all come


@pytest.mark.parametrize(
    ("format_", "media_type"),
    [("opus", b"audio/opus"), ("aac", b"audio/aac"), ("mp3", b"audio/mpeg")],
)
def test_pcm_answer_names_openais_media_type(format_: str, media_type: bytes) -> None:
    made, make = pcm_answer(format_, "audio/pcm;rate=24000;channels=1", None)
    assert made == media_type
    assert make is not None
    assert isinstance(make(), EncodedWriter)


def test_the_extra_is_seen_when_installed_and_only_then(monkeypatch: pytest.MonkeyPatch) -> None:
    assert can_encode()  # PyAV imports here: this module is skipped without it
    monkeypatch.setitem(sys.modules, "av", None)  # what an import of a missing package finds
    assert not can_encode()
