"""OpenAI's speech request (`client.audio.speech.create`) in OpenRouter's terms, and the WAV
header the proxy puts before upstream's PCM (pure).

OpenRouter's `POST /audio/speech` makes `mp3` or `pcm` and defaults to `pcm`; OpenAI's API
defaults to `mp3`, so a client that names no format would get headerless PCM that players
refuse. The proxy asks `mp3` then, asks `pcm` for `wav` and answers a WAV file, and refuses the
formats nobody on the way can make (`opus`, `aac`, `flac`), naming those it can.
"""

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.errors import ProxyError

UPSTREAM_FORMATS: Final = ("mp3", "pcm")  # what OpenRouter makes
OFFERED: Final = (*UPSTREAM_FORMATS, "wav")  # and what the proxy makes of them
DEFAULT_FORMAT: Final = "mp3"  # OpenAI's default, which clients expect
# What OpenRouter's PCM is when its Content-Type says nothing more: 24 kHz mono, 16-bit.
PCM_RATE, PCM_CHANNELS, SAMPLE_BYTES = 24000, 1, 2
PCM_TYPES: Final = frozenset({"audio/pcm", "audio/l16", "application/octet-stream"})
WAV_TYPES: Final = frozenset({"audio/wav", "audio/x-wav", "audio/wave"})
# A WAV of unknown length says the largest length it can, as streaming writers do (ffmpeg
# writing to a pipe); readers then take the data up to the end of the file.
UNKNOWN_LENGTH: Final = 0xFFFFFFFF
HEADER_BYTES: Final = 44


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    """A checked speech request: the body for OpenRouter, and whether the client gets WAV made
    from the PCM asked for."""

    payload: dict[str, Any]
    wav: bool


def speech_request(body: Mapping[str, Any], voices: Sequence[str]) -> SpeechRequest:
    """OpenRouter's body for OpenAI's `body`; `voices` are the model's `supported_voices` (empty:
    the catalog lists none, and any voice goes; no voice leaves the choice to the model).
    ProxyError (400) naming what is wrong."""
    text = body.get("input")
    if not isinstance(text, str) or not text:
        raise _refused("input", "`input` is required: the text to speak")
    voice = body.get("voice")
    if voices and voice is not None and voice not in voices:
        message = f"{body.get('model')} has no voice {voice!r}; it has {', '.join(voices)}"
        raise _refused("voice", message)
    if body.get("stream_format", "audio") != "audio":
        message = "`stream_format` 'sse' is not offered: OpenRouter answers the audio itself"
        raise _refused("stream_format", message)
    asked = body.get("response_format") or DEFAULT_FORMAT
    if asked not in OFFERED:
        message = (
            f"`response_format` {asked!r} cannot be made: OpenRouter makes "
            f"{' and '.join(UPSTREAM_FORMATS)}, and the proxy makes wav from pcm; "
            f"ask for one of {', '.join(OFFERED)}"
        )
        raise _refused("response_format", message)
    payload = {key: value for key, value in body.items() if key != "stream_format"}
    payload["response_format"] = "pcm" if asked == "wav" else asked
    return SpeechRequest(payload, wav=asked == "wav")


def wav_header(content_type: str, content_length: int | None) -> bytes:
    """The header of a WAV file around upstream's answer of `content_type` (such as
    `audio/pcm;rate=24000;channels=1`), its sample rate and channels read from there; b"" when
    upstream answered WAV itself. With `content_length` unknown, the header says the largest
    length. ValueError for an answer that is neither PCM nor WAV."""
    mime, parameters = _parsed(content_type)
    if mime in WAV_TYPES:
        return b""
    if mime not in PCM_TYPES:
        raise ValueError(f"OpenRouter answered {mime or 'no Content-Type'} when asked for pcm")
    rate = _positive(parameters.get("rate"), PCM_RATE)
    channels = _positive(parameters.get("channels"), PCM_CHANNELS)
    data = UNKNOWN_LENGTH
    if content_length is not None and content_length <= UNKNOWN_LENGTH - HEADER_BYTES:
        data = content_length
    riff = UNKNOWN_LENGTH if data == UNKNOWN_LENGTH else data + HEADER_BYTES - 8
    block = channels * SAMPLE_BYTES
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        *(b"RIFF", riff, b"WAVE", b"fmt ", 16, 1, channels, rate, rate * block, block),
        *(SAMPLE_BYTES * 8, b"data", data),
    )


def _parsed(content_type: str) -> tuple[str, dict[str, str]]:
    mime, *rest = content_type.split(";")
    parameters = {}
    for item in rest:
        name, _, value = item.partition("=")
        parameters[name.strip().lower()] = value.strip().strip('"')
    return mime.strip().lower(), parameters


def _positive(value: str | None, default: int) -> int:
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else default


def _refused(name: str, message: str) -> ProxyError:
    return ProxyError(400, message, f"unsupported_{name}")
