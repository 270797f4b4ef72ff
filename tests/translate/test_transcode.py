"""Speech encoded from PCM as it streams (the `transcode` extra): what a decoder reads back."""

import io
import math

import pytest

from app.translate.speech import pcm_answer
from app.translate.transcode import ENCODED, EncodedWriter, can_encode

av = pytest.importorskip("av")  # the optional extra; the test extra installs it

RATE = 24000
PCM = b"".join(
    round(8000 * math.sin(2 * math.pi * 440 * n / RATE)).to_bytes(2, "little", signed=True)
    for n in range(RATE // 2)  # half a second
)
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


def test_the_extra_is_seen() -> None:
    assert can_encode()
