"""Answer OpenAI's audio routes, `/audio/speech` and `/audio/transcriptions`.

Each is asked of OpenRouter's at the same path once the model is checked (see
`app.translate.speech` and `app.translate.transcriptions`)."""

from collections.abc import Awaitable
from typing import Any

import orjson
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from app.api import multipart
from app.api.bodies import parse_json_object, read_body
from app.api.exchange import Exchange
from app.api.model_check import model_for
from app.api.outgoing import Outgoing
from app.api.services import exchange_for, services_of
from app.errors import ClientError, UpstreamBadAnswer
from app.ops import memory_costs
from app.policy.endpoints import SPEECH, TRANSCRIPTION
from app.translate import transcode
from app.translate.speech import SpeechRequest, pcm_answer, speech_request
from app.translate.transcriptions import (
    TranscriptionRequest,
    as_openai,
    as_text,
    transcription_request,
)
from app.translate.whole import Mapped
from app.upstream.caps import Held
from app.upstream.client import read_error
from app.upstream.interface import Answer, Upstreamed
from app.upstream.reshape import Reshape, Reshaper

MAX_AUDIO_BYTES = 25 * 1000 * 1000  # OpenRouter's limit on a transcription's file
# One file, sent on from the spool; OpenAI's fields are short (a prompt of 224 tokens at most),
# so their memory is bounded whatever the body's size (`app.ops.memory_costs.FORM_FIELDS_BYTES`).
TRANSCRIPTION_FORM = multipart.FormKind(
    max_files=1, cost=memory_costs.streamed_form_cost, max_fields=32, max_field_bytes=32 * 1024
)


async def speech(request: Request) -> Response:
    """Answer `client.audio.speech.create`.

    The model, voice and format are checked, then the audio relayed as it comes (`mp3`, `pcm`),
    or made of the PCM as it comes (`wav`; `opus`, `aac`, `flac` with the `transcode` extra)."""
    services = services_of(request)
    body = parse_json_object(await read_body(request, services.settings.proxy_max_body_bytes))
    model = await model_for(request, body.get("model"), SPEECH)
    voices = model.supported_voices if model else ()
    checked = speech_request(body, voices, encodes=transcode.can_encode())
    exchange = exchange_for(request)
    return exchange.relay(lambda: _speech_exchange(exchange, checked), [])


async def _speech_exchange(exchange: Exchange, checked: SpeechRequest) -> Upstreamed:
    """Ask for the speech; a model that refuses mp3 (Gemini's TTS) is asked for PCM instead, and
    its mp3 made here, when the `transcode` extra can."""
    sent = await _ask_speech(exchange, checked)
    if sent.status == 400 and checked.payload["response_format"] == "mp3" and checked.made is None:
        refusal = await read_error(sent, exchange.caps.error)
        if b"mp3" not in refusal or not transcode.can_encode():
            return Upstreamed(sent, [], read=refusal)
        checked = checked.from_pcm("mp3")
        exchange.note.retried = "pcm"
        sent = await _ask_speech(exchange, checked)
    if checked.made is None or sent.status != 200:
        return Upstreamed(sent, [])
    try:
        content_type = sent.headers.get("Content-Type", "")
        media_type, writer = pcm_answer(checked.made, content_type, sent.content_length)
    except ValueError as error:
        sent.close()
        raise UpstreamBadAnswer(str(error)) from None
    made = Reshape(media_type, rewrite=writer)
    return Upstreamed(sent, [], lambda _: made)


def _ask_speech(exchange: Exchange, checked: SpeechRequest) -> Awaitable[Answer]:
    content = orjson.dumps(checked.payload)
    return exchange.upstream.send(exchange.incoming, b"audio/speech", content, True)


async def transcriptions(request: Request) -> Response:
    """Answer `client.audio.transcriptions.create`.

    OpenAI's multipart form (or OpenRouter's JSON body with `input_audio`) is checked, model and
    format, then asked of OpenRouter; the answer gets OpenAI's `usage.type`, or is its text
    alone for `response_format: "text"`."""
    services = services_of(request)
    limit = services.settings.proxy_max_body_bytes
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        form = await multipart.read_form(request, limit, TRANSCRIPTION_FORM)
        try:
            return await _transcribe_form(request, form)
        except BaseException:
            await form.close()
            raise
    body = parse_json_object(await read_body(request, limit))
    await model_for(request, body.get("model"), TRANSCRIPTION)
    checked = transcription_request(body)
    content = orjson.dumps(checked.fields)
    outgoing = Outgoing(b"audio/transcriptions", content, [], _answer(checked))
    return exchange_for(request).forward(outgoing)


async def _transcribe_form(request: Request, form: FormData) -> Response:
    """Check the form and send it on, its file streamed from the spool; close it once sent."""
    fields = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    files = [(name, value) for name, value in form.multi_items() if isinstance(value, UploadFile)]
    if [name for name, _ in files] != ["file"]:
        raise ClientError("The form needs one audio file, named `file`", "invalid_form")
    if (files[0][1].size or 0) > MAX_AUDIO_BYTES:
        message = f"OpenRouter transcribes files of up to {MAX_AUDIO_BYTES:,} bytes"
        raise ClientError(message, "file_too_large", 413)
    values: dict[str, Any] = dict(fields)
    await model_for(request, values.get("model"), TRANSCRIPTION)
    checked = transcription_request(values)
    fields = [(name, _sent(name, value, checked)) for name, value in fields]
    encoded = multipart.encode(fields, files)
    exchange = exchange_for(request)

    async def run() -> Upstreamed:
        try:
            sent = await exchange.upstream.send(
                exchange.incoming,
                b"audio/transcriptions",
                encoded.chunks,
                proxy_made=True,
                content_type=encoded.content_type,
                length=encoded.length,
            )
        finally:
            await form.close()
        return Upstreamed(sent, [], _answer(checked))

    return exchange.relay(run, [])


def _sent(name: str, value: str, checked: TranscriptionRequest) -> str:
    return str(checked.response_format) if name == "response_format" else value


def _answer(checked: TranscriptionRequest) -> Reshaper:
    """Reshape the answer into its text alone (`text/plain`), or its JSON with OpenAI's
    `usage.type`."""
    if checked.text:
        text = b"text/plain; charset=utf-8"
        answer = Reshape(text, collect=lambda: Mapped(as_text), held=Held.TRANSCRIPTION)
    else:
        answer = Reshape(collect=lambda: Mapped(as_openai), held=Held.TRANSCRIPTION)
    return lambda _: answer
