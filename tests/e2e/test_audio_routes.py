"""`client.audio.speech.create` and `client.audio.transcriptions.create` through the proxy, end
to end: the real `openai` SDK -> the proxy under uvicorn -> the fake OpenRouter."""

import io
import re
import wave
from typing import Any

import httpx2
import openai
import orjson
import pytest

from app.dev.emulator import FakeOpenRouter
from app.dev.emulator.speech import MP3, PCM, PIECES
from tests.conftest import ProxyFactory, sent_to

KOKORO = "hexgrad/kokoro-82m"  # voices af_alloy, af_bella, ...
GEMINI_TTS = "google/gemini-3.1-flash-tts-preview"  # refuses mp3
WHISPER = "openai/whisper-1"  # counts seconds
GPT_TRANSCRIBE = "openai/gpt-4o-transcribe"  # counts tokens too
AUDIO = bytes(range(256)) * 40  # what a file holds matters not to the fake, only its size
AUTH = {"Authorization": "Bearer sk-or-test"}


def is_mp3(data: bytes) -> bool:
    """An ID3 tag or an MPEG audio frame sync (11 bits set) at the start."""
    return data.startswith(b"ID3") or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def test_speech_with_no_format_is_mp3_as_openai_answers(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    answer = client.audio.speech.create(model=KOKORO, voice="af_alloy", input="Hello")
    assert is_mp3(answer.content)
    assert answer.content == MP3
    assert answer.response.headers["content-type"] == "audio/mpeg"
    [sent] = sent_to(fake, "audio/speech")
    assert orjson.loads(sent.body)["response_format"] == "mp3"


def test_speech_as_wav_plays_in_pythons_wave(fake: FakeOpenRouter, client: openai.OpenAI) -> None:
    answer = client.audio.speech.create(
        model=KOKORO, voice="af_bella", input="Hello", response_format="wav"
    )
    assert answer.response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(answer.content)) as played:
        assert (played.getframerate(), played.getnchannels(), played.getsampwidth()) == (
            24000,
            1,
            2,
        )
        assert played.readframes(len(PCM)) == PCM
    [sent] = sent_to(fake, "audio/speech")
    assert orjson.loads(sent.body)["response_format"] == "pcm"


def test_speech_as_pcm_is_relayed_as_it_came(client: openai.OpenAI) -> None:
    with client.audio.speech.with_streaming_response.create(
        model=GEMINI_TTS, voice="Kore", input="Hello", response_format="pcm"
    ) as answer:
        assert answer.headers["content-type"] == "audio/pcm;rate=24000;channels=1"
        assert answer.headers["x-generation-id"].startswith("gen-")
        assert b"".join(answer.iter_bytes()) == PCM


def test_speech_under_api_v1_too(proxy_url: str) -> None:
    with openai.OpenAI(base_url=f"{proxy_url}/api/v1", api_key="k", max_retries=0) as sdk:
        answer = sdk.audio.speech.create(model=KOKORO, voice="af_alloy", input="Hello")
    assert is_mp3(answer.content)


def test_a_model_that_refuses_mp3_gets_its_mp3_made_of_pcm(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    answer = client.audio.speech.create(model=GEMINI_TTS, voice="Kore", input="Hello")
    assert is_mp3(answer.content)
    assert answer.response.headers["content-type"] == "audio/mpeg"
    asked = [orjson.loads(sent.body)["response_format"] for sent in sent_to(fake, "audio/speech")]
    assert asked == ["mp3", "pcm"]


@pytest.mark.parametrize(("format_", "codec"), [("opus", "opus"), ("aac", "aac"), ("flac", "flac")])
def test_speech_encoded_from_pcm_plays(
    fake: FakeOpenRouter, client: openai.OpenAI, format_: str, codec: str
) -> None:
    av = pytest.importorskip("av")
    answer = client.audio.speech.create(
        model=KOKORO,
        voice="af_alloy",
        input="Hello",
        response_format=format_,  # type: ignore[arg-type]
    )
    assert answer.response.headers["content-type"] == f"audio/{format_}"
    with av.open(io.BytesIO(answer.content)) as played:
        assert played.streams.audio[0].codec_context.name == codec
        assert sum(frame.samples for frame in played.decode(audio=0)) > 0
    [sent] = sent_to(fake, "audio/speech")
    assert orjson.loads(sent.body)["response_format"] == "pcm"


def test_without_the_extra_encoded_formats_are_refused_and_mp3_refusals_relayed(
    fake: FakeOpenRouter, client: openai.OpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.translate.transcode.can_encode", lambda: False)
    with pytest.raises(openai.BadRequestError, match=r"opus, aac, flac too with the modality"):
        client.audio.speech.create(
            model=KOKORO, voice="af_alloy", input="Hi", response_format="opus"
        )
    with pytest.raises(openai.BadRequestError, match="does not support mp3"):
        client.audio.speech.create(model=GEMINI_TTS, voice="Kore", input="Hello")
    assert len(sent_to(fake, "audio/speech")) == 1


@pytest.mark.parametrize(
    ("model", "voice", "format_", "says"),
    [
        (KOKORO, "alloy", "mp3", "has no voice 'alloy'; it has af_alloy, af_aoede"),
        (KOKORO, "af_alloy", "ogg", "ask for one of mp3, pcm, wav, opus, aac, flac"),
        ("openai/gpt-5", "alloy", "mp3", "GET /v1/models?output_modalities=speech"),
        (WHISPER, "alloy", "mp3", "use POST /v1/audio/transcriptions for it"),
    ],
)
def test_speech_refused_locally(
    fake: FakeOpenRouter, client: openai.OpenAI, model: str, voice: str, format_: str, says: str
) -> None:
    with pytest.raises(openai.BadRequestError, match=re.escape(says)):
        client.audio.speech.create(
            model=model,
            voice=voice,
            input="Hello",
            response_format=format_,  # type: ignore[arg-type]
        )
    assert sent_to(fake, "audio/speech") == []


def test_transcription_as_json_gains_usage_type(
    fake: FakeOpenRouter, client: openai.OpenAI
) -> None:
    answer = client.audio.transcriptions.create(
        model=WHISPER, file=("hello.wav", AUDIO, "audio/wav"), language="en"
    )
    assert answer.text == f"Heard {len(AUDIO)} bytes with {WHISPER}"
    assert answer.usage is not None
    assert answer.usage.type == "duration"
    [sent] = sent_to(fake, "audio/transcriptions")
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert sent.headers["content-length"] == str(len(sent.body))


def test_transcription_counting_tokens(client: openai.OpenAI) -> None:
    answer = client.audio.transcriptions.create(model=GPT_TRANSCRIBE, file=("a.mp3", AUDIO))
    assert answer.usage is not None
    assert answer.usage.type == "tokens"
    assert answer.usage.model_dump()["total_tokens"] == 48


def test_transcription_as_text_is_plain_text(fake: FakeOpenRouter, client: openai.OpenAI) -> None:
    text = client.audio.transcriptions.create(
        model=WHISPER, file=("hello.wav", AUDIO), response_format="text"
    )
    assert text == f"Heard {len(AUDIO)} bytes with {WHISPER}"
    [sent] = sent_to(fake, "audio/transcriptions")
    assert b'name="response_format"\r\n\r\njson\r\n' in sent.body


def test_transcription_in_openrouters_json_shape(fake: FakeOpenRouter, proxy_url: str) -> None:
    body = {"model": WHISPER, "input_audio": {"data": "AAAA", "format": "wav"}}
    answer = httpx2.post(f"{proxy_url}/api/v1/audio/transcriptions", json=body, headers=AUTH)
    assert answer.status_code == 200
    assert answer.json() == {
        "text": f"Heard 3 bytes with {WHISPER}",
        "usage": {"type": "duration", "seconds": 0.0, "cost": 0.0001},
    }


@pytest.mark.parametrize(
    ("model", "extra", "says"),
    [
        (WHISPER, {"response_format": "srt"}, "OpenRouter answers no subtitles"),
        (WHISPER, {"response_format": "vtt"}, "OpenRouter answers no subtitles"),
        (WHISPER, {"stream": True}, "Streamed transcriptions are not offered"),
        (KOKORO, {}, "use POST /v1/audio/speech for it"),
        ("openai/gpt-5", {}, "GET /v1/models?output_modalities=transcription"),
    ],
)
def test_transcription_refused_locally(
    fake: FakeOpenRouter, client: openai.OpenAI, model: str, extra: dict[str, object], says: str
) -> None:
    transcribe: Any = client.audio.transcriptions.create  # any of its overloads
    with pytest.raises(openai.BadRequestError, match=re.escape(says)):
        transcribe(model=model, file=("hello.wav", AUDIO), **extra)
    assert sent_to(fake, "audio/transcriptions") == []


def test_a_form_over_the_body_limit_is_a_413_never_forwarded(
    fake: FakeOpenRouter, start_proxy: ProxyFactory
) -> None:
    with (
        start_proxy(proxy_max_body_bytes=4000) as url,
        openai.OpenAI(base_url=f"{url}/v1", api_key="k", max_retries=0) as sdk,
    ):
        with pytest.raises(openai.APIStatusError) as too_large:
            sdk.audio.transcriptions.create(model=WHISPER, file=("a.wav", bytes(5000)))
        fits = sdk.audio.transcriptions.create(model=WHISPER, file=("a.wav", bytes(3000)))
    assert too_large.value.status_code == 413
    assert fits.text == f"Heard 3000 bytes with {WHISPER}"
    assert len(sent_to(fake, "audio/transcriptions")) == 1


def test_a_file_over_openrouters_limit_is_a_413(
    fake: FakeOpenRouter, client: openai.OpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("app.api.audio.MAX_AUDIO_BYTES", len(AUDIO) - 1)
    with pytest.raises(openai.APIStatusError, match="files of up to") as too_large:
        client.audio.transcriptions.create(model=WHISPER, file=("a.wav", AUDIO))
    assert too_large.value.status_code == 413
    assert sent_to(fake, "audio/transcriptions") == []


MODEL_FIELD = ("model", (None, WHISPER))  # a plain field, as httpx writes a file-less part


@pytest.mark.parametrize(
    "parts",
    [
        [MODEL_FIELD],
        [MODEL_FIELD, ("file", ("a.wav", b"a")), ("file", ("b.wav", b"b"))],
        [MODEL_FIELD, ("audio", ("a.wav", b"a"))],
    ],
)
def test_a_form_without_one_file_is_refused(
    fake: FakeOpenRouter, proxy_url: str, parts: list[tuple[str, tuple[str | None, bytes | str]]]
) -> None:
    answer = httpx2.post(f"{proxy_url}/v1/audio/transcriptions", files=parts, headers=AUTH)
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "invalid_form"
    assert sent_to(fake, "audio/transcriptions") == []


@pytest.mark.parametrize(("format_", "header"), [("pcm", 0), ("wav", 44)])
def test_speech_reaches_the_client_before_upstream_has_made_all_of_it(
    fake: FakeOpenRouter, client: openai.OpenAI, format_: str, header: int
) -> None:
    fake.audio.speech_goes_on.clear()  # the fake sends its first piece, then waits
    first_piece = -(-len(PCM) // PIECES)
    with client.audio.speech.with_streaming_response.create(
        model=KOKORO,
        voice="af_alloy",
        input="Hello",
        response_format=format_,  # type: ignore[arg-type]
    ) as answer:
        pieces = answer.iter_bytes()
        received = b""
        while len(received) < header + first_piece:
            received += next(pieces)  # would wait for ever if the proxy held the answer
        fake.audio.speech_goes_on.set()
        received += b"".join(pieces)
    assert received[header:] == PCM


@pytest.mark.parametrize(
    "pcm_type",
    [
        "audio/pcm;rate=4294967296;channels=1",
        "audio/pcm;rate=1e20",
        "audio/pcm;rate=24000;channels=70000",
        "audio/pcm;rate=24000;channels=3",
    ],
)
@pytest.mark.parametrize("format_", ["wav", "opus", "aac", "flac"])
def test_pcm_of_parameters_out_of_bounds_is_a_502_before_the_answer(
    client: openai.OpenAI, monkeypatch: pytest.MonkeyPatch, pcm_type: str, format_: str
) -> None:
    monkeypatch.setattr("app.dev.emulator.speech.PCM_TYPE", pcm_type)
    with pytest.raises(openai.APIStatusError) as refused:
        client.audio.speech.create(
            model=KOKORO,
            voice="af_alloy",
            input="Hello",
            response_format=format_,  # type: ignore[arg-type]
        )
    assert refused.value.status_code == 502
    assert refused.value.response.json()["error"]["code"] == "upstream_bad_answer"


@pytest.mark.parametrize("rate", [22050, 44100])
def test_opus_of_pcm_at_a_rate_opus_lacks_plays_whole(
    client: openai.OpenAI, monkeypatch: pytest.MonkeyPatch, rate: int
) -> None:
    av = pytest.importorskip("av")
    monkeypatch.setattr("app.dev.emulator.speech.PCM_TYPE", f"audio/pcm;rate={rate}")
    answer = client.audio.speech.create(
        model=KOKORO, voice="af_alloy", input="Hello", response_format="opus"
    )
    with av.open(io.BytesIO(answer.content)) as played:
        stream = played.streams.audio[0]
        frames = list(played.decode(stream))
    # The audio's length (samples over rate), not a time taken: nothing here is timed.
    played_length = sum(frame.samples for frame in frames) / stream.rate
    sent_length = len(PCM) / 2 / rate
    largest_frame = max(frame.samples for frame in frames) / stream.rate
    assert sent_length - largest_frame <= played_length <= sent_length + largest_frame
