"""OpenAI's speech request (`client.audio.speech.create`) in OpenRouter's terms, and WAV headers.

The WAV header is the one the proxy puts before upstream's PCM (pure). OpenRouter's
`POST /audio/speech` makes `mp3` or `pcm` and defaults to `pcm`; OpenAI's API defaults to
`mp3`, so a client that names no format would get headerless PCM that players refuse. The proxy
asks `mp3` then, asks `pcm` for `wav` and answers a WAV file, and encodes `opus`, `aac` and
`flac` from `pcm` when the `transcode` extra is installed (see `app.translate.transcode`); the
formats nobody on the way can make are refused, naming those it can.
"""

import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from app.errors import ProxyError
from app.translate.transcode import ENCODED, EXTRA, EncodedWriter, Rewriter, WavWriter

UPSTREAM_FORMATS: Final = ("mp3", "pcm")  # what OpenRouter makes
OFFERED: Final = (*UPSTREAM_FORMATS, "wav")  # and what the proxy makes of them
ENCODED_ONLY: Final = tuple(name for name in ENCODED if name not in OFFERED)  # with the extra
DEFAULT_FORMAT: Final = "mp3"  # OpenAI's default, which clients expect
# What OpenRouter's PCM is when its Content-Type says nothing more: 24 kHz mono, 16-bit.
PCM_RATE, PCM_CHANNELS, SAMPLE_BYTES = 24000, 1, 2
# What the proxy takes of PCM: the rates TTS makes (telephony's 8 kHz to 48 kHz, which every
# encoder takes or is resampled to), mono or stereo (the layouts the encoders are given).
PCM_RATES: Final = range(8000, 48001)
PCM_CHANNEL_COUNTS: Final = range(1, 3)
PCM_TYPES: Final = frozenset({"audio/pcm", "audio/l16", "application/octet-stream"})
WAV_TYPES: Final = frozenset({"audio/wav", "audio/x-wav", "audio/wave"})
# A WAV of unknown length says the largest length it can, as streaming writers do (ffmpeg
# writing to a pipe); readers then take the data up to the end of the file.
UNKNOWN_LENGTH: Final = 0xFFFFFFFF
HEADER_BYTES: Final = 44


@dataclass(frozen=True, slots=True)
class SpeechRequest:
    """A checked speech request: the body for OpenRouter, and the format the proxy makes of the
    PCM asked for (None: the client gets upstream's audio as it is)."""

    payload: dict[str, Any]
    made: str | None = None

    def from_pcm(self, made: str) -> "SpeechRequest":
        """Return this request asking upstream for PCM, which the proxy turns into `made`."""
        return SpeechRequest({**self.payload, "response_format": "pcm"}, made)


def speech_request(
    body: Mapping[str, Any], voices: Sequence[str], encodes: bool = False
) -> SpeechRequest:
    """Return OpenRouter's body for OpenAI's `body`, checked.

    `voices` are the model's `supported_voices` (empty: the catalog lists none, and any voice goes;
    no voice leaves the choice to the model); `encodes` says the `transcode` extra is installed, so
    `opus`, `aac` and `flac` can be made too. Raises ProxyError (400) naming what is wrong.
    """
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
    offered = (*OFFERED, *ENCODED_ONLY) if encodes else OFFERED
    if asked not in offered:
        raise _refused("response_format", _cannot_make(asked, offered, encodes))
    payload = {key: value for key, value in body.items() if key != "stream_format"}
    checked = SpeechRequest({**payload, "response_format": asked})
    return checked if asked in UPSTREAM_FORMATS else checked.from_pcm(asked)


def _cannot_make(asked: object, offered: Sequence[str], encodes: bool) -> str:
    message = (
        f"`response_format` {asked!r} cannot be made: OpenRouter makes "
        f"{' and '.join(UPSTREAM_FORMATS)}, and the proxy makes the others from pcm; "
        f"ask for one of {', '.join(offered)}"
    )
    if not encodes:
        message += f" ({', '.join(ENCODED_ONLY)} too with the {EXTRA} extra installed)"
    return message


def pcm_format(content_type: str) -> tuple[int, int] | None:
    """Return the sample rate and channels of upstream's PCM answer of `content_type`.

    Such as `audio/pcm;rate=24000;channels=1`; either left out: 24 kHz, mono. None when upstream
    answered WAV itself. Raises ValueError for an answer that is neither, or PCM of a rate or
    channels out of `PCM_RATES` and `PCM_CHANNEL_COUNTS`.
    """
    mime, parameters = _parsed(content_type)
    if mime in WAV_TYPES:
        return None
    if mime not in PCM_TYPES:
        raise ValueError(f"OpenRouter answered {mime or 'no Content-Type'} when asked for pcm")
    rate = _bounded(parameters, "rate", PCM_RATE, PCM_RATES)
    return rate, _bounded(parameters, "channels", PCM_CHANNELS, PCM_CHANNEL_COUNTS)


def wav_header(rate: int, channels: int, content_length: int | None) -> bytes:
    """Return the header of a WAV file of 16-bit PCM.

    With `content_length` (of the PCM) unknown, it says the largest length.
    """
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


def _bounded(parameters: Mapping[str, str], name: str, default: int, taken: range) -> int:
    """Return the integer parameter `name` (`default` when absent).

    Raises ValueError unless it is in `taken`.
    """
    value = parameters.get(name)
    if value is None:
        return default
    # Digits only, and no more than the bound has: `int` is then cheap and cannot fail.
    digits = value.isascii() and value.isdigit() and len(value) <= len(str(taken.stop))
    if digits and int(value) in taken:
        return int(value)
    message = (
        f"OpenRouter's PCM has {name}={value!r}; the proxy takes {taken.start:,} to "
        f"{taken.stop - 1:,}"
    )
    raise ValueError(message)


def _refused(name: str, message: str) -> ProxyError:
    return ProxyError(400, message, f"unsupported_{name}")


def pcm_answer(
    made: str, content_type: str, content_length: int | None
) -> tuple[bytes, Callable[[], Rewriter] | None]:
    """Return how upstream's PCM answer of `content_type` becomes `made` as it streams.

    That is its Content-Type, and what writes it (a WAV header before the PCM, or an encoder; None:
    upstream's answer as it is); `content_length` is the PCM's, when known. Raises ValueError for
    an answer of another kind.
    """
    found = pcm_format(content_type)
    if made == "wav":
        if found is None:
            return b"audio/wav", None  # upstream's WAV as it is
        header = wav_header(*found, content_length)
        return b"audio/wav", lambda: WavWriter(header)
    if found is None:
        raise ValueError("OpenRouter answered WAV when asked for pcm")
    return ENCODED[made][2].encode(), lambda: EncodedWriter(made, *found)
