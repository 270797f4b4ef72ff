"""The fake's audio output: a real, small WAV streamed as `delta.audio` pieces, as OpenRouter does.

OpenRouter's docs say audio output requires `stream: true`; the wording of its refusal of a
non-streamed request is not recorded in `docs/openrouter.md`, so `NEEDS_STREAM` is a
plausible one, assumed.
"""

import base64
import io
import math
import wave
from typing import Any, Final

NEEDS_STREAM: Final = "Audio output requires stream: true"
AUDIO_ID: Final = "audio_fake0000000000000001"
PIECES: Final = 4  # how many chunks carry the audio


def _wav(seconds: float = 0.05, rate: int = 8000) -> bytes:
    """A 440 Hz tone as an 8-bit mono WAV file: bytes that audio tools accept."""
    samples = bytes(
        128 + round(100 * math.sin(2 * math.pi * 440 * n / rate))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(rate)
        wav.writeframes(samples)
    return out.getvalue()


WAV: Final = _wav()


def audio_deltas(transcript: str) -> list[dict[str, Any]]:
    """The `delta`s of the audio chunks: the WAV's base64 and `transcript` in `PIECES` parts each,
    the first carrying the audio's id. Data is cut at multiples of 4 characters, so every part
    is valid base64 on its own and so is their concatenation."""
    data = base64.b64encode(WAV).decode()
    quads = -(-len(data) // 4)
    data_cut = [4 * (quads * i // PIECES) for i in range(PIECES + 1)]
    text_cut = [len(transcript) * i // PIECES for i in range(PIECES + 1)]
    deltas: list[dict[str, Any]] = [
        {
            "audio": {
                "data": data[data_cut[i] : data_cut[i + 1]],
                "transcript": transcript[text_cut[i] : text_cut[i + 1]],
            }
        }
        for i in range(PIECES)
    ]
    deltas[0]["audio"]["id"] = AUDIO_ID
    return deltas
