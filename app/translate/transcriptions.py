"""OpenAI's transcription request (`client.audio.transcriptions.create`) in OpenRouter's terms,
and its answer in OpenAI's (pure).

OpenRouter's `POST /audio/transcriptions` answers JSON only: `response_format` `text`, `srt` and
`vtt` are a 400 there, and its `usage` lacks OpenAI's `type`. The proxy asks `json` for `text` and
answers the text as `text/plain`, as OpenAI does; refuses `srt`, `vtt` and streaming, saying
why; and gives `usage` its `type`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from app.errors import ProxyError

OFFERED: Final = ("json", "text", "verbose_json")
SUBTITLES: Final = ("srt", "vtt")  # a tuple: `in` by equality, any JSON value can be asked
TOKEN_COUNTS: Final = ("input_tokens", "output_tokens", "total_tokens")
NOT_STREAMED: Final = (None, False, "false", "False")  # the JSON and the form spellings


@dataclass(frozen=True, slots=True)
class TranscriptionRequest:
    """A checked transcription request: its fields for OpenRouter (all but the file), and
    whether the client gets the text alone."""

    fields: dict[str, Any]
    text: bool

    @property
    def response_format(self) -> Any:
        """The `response_format` to send, None for none."""
        return self.fields.get("response_format")


def transcription_request(fields: Mapping[str, Any]) -> TranscriptionRequest:
    """OpenRouter's fields for OpenAI's (a form's strings or a JSON body's values); ProxyError
    (400) for what OpenRouter cannot answer, saying why."""
    if fields.get("stream") not in NOT_STREAMED:
        message = "Streamed transcriptions are not offered by OpenRouter; leave `stream` out"
        raise ProxyError(400, message, "unsupported_stream")
    asked = fields.get("response_format")
    if asked in SUBTITLES:
        message = (
            f"`response_format` {asked!r} is not offered: OpenRouter answers no subtitles "
            f"(it has no segment timings to make them from); ask one of {', '.join(OFFERED)}"
        )
        raise ProxyError(400, message, "unsupported_response_format")
    if asked is not None and asked not in OFFERED:
        message = f"`response_format` {asked!r} is not one of {', '.join(OFFERED)}"
        raise ProxyError(400, message, "unsupported_response_format")
    sent = dict(fields)
    if asked == "text":
        sent["response_format"] = "json"
    return TranscriptionRequest(sent, text=asked == "text")


def as_openai(body: bytes) -> bytes:
    """OpenRouter's JSON answer with OpenAI's `usage.type`: `tokens` when it counts tokens,
    else `duration` when it has `seconds`; no `usage`, or one with neither, is left as it is."""
    answer = orjson.loads(body)
    usage = answer.get("usage")
    if isinstance(usage, dict) and "type" not in usage:
        if any(isinstance(usage.get(count), int) for count in TOKEN_COUNTS):
            answer["usage"] = {"type": "tokens", **usage}
        elif isinstance(usage.get("seconds"), int | float):
            answer["usage"] = {"type": "duration", **usage}
    return orjson.dumps(answer)


def as_text(body: bytes) -> bytes:
    """The text of OpenRouter's JSON answer, as OpenAI's `response_format: "text"` answers it.
    TypeError or ValueError for an answer without a string `text`."""
    text = orjson.loads(body)["text"]
    if not isinstance(text, str):
        raise TypeError("the answer's `text` is not a string")
    return text.encode()
