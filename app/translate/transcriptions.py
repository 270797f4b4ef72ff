"""OpenAI's transcription request (`client.audio.transcriptions.create`) in OpenRouter's terms.

And its answer in OpenAI's (pure). OpenRouter's `POST /audio/transcriptions` answers JSON only:
`response_format` `text`, `srt` and `vtt` are a 400 there, and its `usage` lacks OpenAI's
`type`. The proxy asks `json` for `text` and answers the text as `text/plain`, as OpenAI does;
refuses `srt`, `vtt` and streaming, saying why; and gives `usage` its `type`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from app.errors import ProxyError
from app.translate.usage import amount, whole_count

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
    """Return OpenRouter's fields for OpenAI's (a form's strings or a JSON body's values).

    Raises ProxyError (400) for what OpenRouter cannot answer, saying why.
    """
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
    """Return OpenRouter's JSON answer with `usage` as OpenAI's schema types it (`openai_usage`)."""
    answer = orjson.loads(body)
    usage = openai_usage(answer.pop("usage", None))
    return orjson.dumps(answer if usage is None else {**answer, "usage": usage})


def openai_usage(usage: Any) -> dict[str, Any] | None:
    """Return OpenRouter's transcription `usage` as OpenAI's, or None to leave it out.

    `tokens` with its three counts (0 for one missing, the total their sum) when it counts tokens,
    else `duration` when it has `seconds`; OpenRouter's other fields (`cost`) are kept beside. None
    for one with neither or not an object: OpenAI's must be one of the two.
    """
    if not isinstance(usage, Mapping):
        return None
    counts = {name: whole_count(usage, name) for name in TOKEN_COUNTS}
    if any(count is not None for count in counts.values()):
        given = {name: count or 0 for name, count in counts.items()}
        if counts["total_tokens"] is None:
            given["total_tokens"] = given["input_tokens"] + given["output_tokens"]
        return {**usage, "type": "tokens", **given}
    if amount(usage, "seconds") is not None:
        return {**usage, "type": "duration"}
    return None


def as_text(body: bytes) -> bytes:
    """Return the text of OpenRouter's JSON answer, as OpenAI's `response_format: "text"` has it.

    Raises TypeError or ValueError for an answer without a string `text`.
    """
    text = orjson.loads(body)["text"]
    if not isinstance(text, str):
        raise TypeError("the answer's `text` is not a string")
    return text.encode()
