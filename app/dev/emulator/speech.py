"""The fake's speech and transcription APIs (`POST /audio/speech`, `POST /audio/transcriptions`),
from docs/openrouter.md.

Speech makes only `mp3` and `pcm`, `pcm` by default (`audio/pcm;rate=24000;channels=1`, 16-bit),
streamed in pieces with `X-Generation-Id`; it checks voices against the model's
`supported_voices`, and Gemini's TTS refuses mp3 as recorded. An unknown `response_format` gets
the ZodError shape docs/openrouter.md quotes. Transcription takes the JSON body
(`input_audio`) or OpenAI's
multipart form, refuses `text`, `srt` and `vtt`, and answers `{"text", "usage"}` without OpenAI's
`usage.type`. Assumed, not recorded: the wording of refusals, and that Whisper models count
seconds only while the others count tokens too (both shapes are OpenRouter's).
"""

from __future__ import annotations

import base64
import functools
import math
import threading
import uuid
from collections.abc import AsyncGenerator
from typing import Any, Final

import anyio.to_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from app.dev.emulator.routing import (
    Lookup,
    authorized,
    checked_body,
    checked_model,
    error,
    outputs,
    unknown_model,
)
from app.dev.emulator.usage import UsageLedger, transcription_usage

PCM_TYPE: Final = "audio/pcm;rate=24000;channels=1"
REFUSES_MP3: Final = frozenset({"google/gemini-3.1-flash-tts-preview"})
SUBTITLES_AND_TEXT: Final = frozenset({"text", "srt", "vtt"})
PIECES: Final = 3
HOLD_SECONDS: Final = 30.0  # the longest a held answer waits for `speech_goes_on`


def _pcm(seconds: float = 0.05, rate: int = 24000) -> bytes:
    """A 440 Hz tone as 16-bit little-endian mono samples."""
    samples = (
        round(8000 * math.sin(2 * math.pi * 440 * n / rate)) for n in range(int(seconds * rate))
    )
    return b"".join(sample.to_bytes(2, "little", signed=True) for sample in samples)


def _mp3(frames: int = 3) -> bytes:
    """Silent MPEG-1 Layer III frames (128 kbit/s, 44.1 kHz, mono): each a valid frame header and
    417 bytes of zeros, which decoders play as silence."""
    header = bytes([0xFF, 0xFB, 0x90, 0xC4])
    return (header + bytes(417 - len(header))) * frames


PCM: Final = _pcm()
MP3: Final = _mp3()


class FakeAudioApi:
    """Speech and transcription over the fake's models (`lookup` resolves an id as chat does).
    Tests may clear `speech_goes_on`: speech then stops after its first piece until it is set
    again, so a test can see that piece arrive before the rest exists."""

    def __init__(self, lookup: Lookup, ledger: UsageLedger | None = None) -> None:
        self._lookup = lookup
        self._ledger = ledger or UsageLedger()
        self.speech_goes_on = threading.Event()
        self.speech_goes_on.set()

    async def speech(self, request: Request) -> Response:
        asked = await checked_model(request, self._lookup)
        if isinstance(asked, Response):
            return asked
        body, model = asked
        refusal = _speech_refusal(model, body)
        if refusal is not None:
            return refusal
        audio, media_type = (
            (MP3, "audio/mpeg") if body.get("response_format") == "mp3" else (PCM, PCM_TYPE)
        )
        headers = {"X-Generation-Id": f"gen-{uuid.uuid4().hex}"}
        pieces = self._pieces(audio)
        return StreamingResponse(pieces, media_type=media_type, headers=headers)

    async def _pieces(self, audio: bytes) -> AsyncGenerator[bytes, None]:
        """`audio` in `PIECES` body messages, as a streaming TTS provider sends it; after the
        first, each waits for `speech_goes_on` (for `HOLD_SECONDS` at most, then fails)."""
        step = -(-len(audio) // PIECES)
        for start in range(0, len(audio), step):
            held = start and not await anyio.to_thread.run_sync(
                self.speech_goes_on.wait, HOLD_SECONDS
            )
            if held:  # the connection drops: a client still waiting for the first piece fails
                raise RuntimeError("speech held for longer than HOLD_SECONDS")
            yield audio[start : start + step]

    async def transcriptions(self, request: Request) -> Response:
        refusal = authorized(request)
        if refusal is not None:
            return refusal
        fields, audio = await _transcription_form(request)
        if not isinstance(fields.get("model"), str):
            return error(400, "Request must have a string 'model'")
        model = self._lookup(fields["model"])
        if model is None:
            return unknown_model(fields["model"])
        if "transcription" not in outputs(model):
            return error(400, f"{model['id']} is not a transcription model")
        if fields.get("response_format") in SUBTITLES_AND_TEXT:
            return error(400, f"response_format {fields['response_format']!r} is not supported")
        if audio is None:
            return error(400, "Request must have audio: a 'file' or 'input_audio'")
        text = f"Heard {len(audio)} bytes with {model['id']}"
        made = functools.partial(transcription_usage, len(audio), len(text))
        fixed = _usage(model["id"], len(audio))
        usage = self._ledger.give("/audio/transcriptions", model["id"], fixed, made)
        return JSONResponse({"text": text, "usage": usage})


def _speech_refusal(model: dict[str, Any], body: dict[str, Any]) -> Response | None:
    if "speech" not in outputs(model):
        return error(400, f"{model['id']} is not a speech model")
    if not isinstance(body.get("input"), str):
        return error(400, "Request must have a string 'input'")
    asked = body.setdefault("response_format", "pcm")
    if asked not in ("mp3", "pcm"):
        issue = f'[{{"code":"invalid_enum_value","options":["mp3","pcm"],"received":"{asked}"}}]'
        return JSONResponse(
            {"success": False, "error": {"name": "ZodError", "message": issue}}, 400
        )
    if asked == "mp3" and model["id"] in REFUSES_MP3:
        return error(400, f"{model['id']} does not support mp3 output; use pcm")
    voices = model.get("supported_voices") or ()
    if "voice" in body and voices and body["voice"] not in voices:
        return error(400, f"Voice {body['voice']!r} is not supported by {model['id']}")
    return None


async def _transcription_form(request: Request) -> tuple[dict[str, Any], bytes | None]:
    """The fields and the audio of OpenAI's multipart form or of OpenRouter's JSON body."""
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        async with request.form() as form:
            fields: dict[str, Any] = {k: v for k, v in form.multi_items() if isinstance(v, str)}
            upload = form.get("file")
            audio = await upload.read() if isinstance(upload, UploadFile) else None
        return fields, audio
    body = await checked_body(request)
    if isinstance(body, Response):
        return {}, None
    sent = body.get("input_audio")
    data = sent.get("data") if isinstance(sent, dict) else None
    return body, base64.b64decode(data) if isinstance(data, str) else None


def _usage(model_id: str, size: int) -> dict[str, Any]:
    seconds = round(size / 32000, 3)  # 16 kHz 16-bit mono
    if "whisper" in model_id:
        return {"seconds": seconds, "cost": 0.0001}
    return {
        "seconds": seconds,
        "input_tokens": 40,
        "output_tokens": 8,
        "total_tokens": 48,
        "cost": 0.0002,
    }
