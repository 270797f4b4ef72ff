"""The usage the fake's answers carry, in each API's recorded shape (docs/openrouter.md), and the
record of what it sent, so that a test can compare what the proxy counted with what was answered.

By default each answer carries the fixed numbers its API's module names (what the fake's older
tests expect). With `UsageLedger.from_input` set, the numbers follow from the request: a token per
4 characters of the prompt (or of the input texts, or per 1,000 bytes of audio) and of the output,
plus one; a third of the input tokens cached, half the output tokens reasoning; a cost of 2 and
8 credits per million input and output tokens (images: 0.02 credits each). Speech answers carry
none: OpenRouter's are the audio bytes alone, with an `X-Generation-Id` (nothing recorded holds
a usage; OpenRouter's own TTS guide names that id for cost lookups, `GET /generation?id=`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from app.dev.emulator.real import USAGE

PER_INPUT_TOKEN: Final = 2e-6
PER_OUTPUT_TOKEN: Final = 8e-6
PER_IMAGE: Final = 0.02


@dataclass(frozen=True)
class SentUsage:
    """One answer's usage as the fake sent it: the API's path (`/chat/completions`, ...), the
    catalog id of the model that answered, and the `usage` object."""

    path: str
    model: str
    usage: dict[str, Any]


@dataclass
class UsageLedger:
    """What usage the fake sends (see the module's docstring), and every one it sent."""

    from_input: bool = False
    sent: list[SentUsage] = field(default_factory=list)

    def give(
        self, path: str, model: str, fixed: dict[str, Any], made: Callable[[], dict[str, Any]]
    ) -> dict[str, Any]:
        """The usage of an answer of `model` at `path`: `fixed`, or `made()` when `from_input`;
        recorded in `sent`."""
        usage = made() if self.from_input else fixed
        self.sent.append(SentUsage(path, model, usage))
        return usage


def tokens(chars: int) -> int:
    """The fake's count of tokens in `chars` characters."""
    return chars // 4 + 1


def _cost(prompt: int, completion: int) -> float:
    return prompt * PER_INPUT_TOKEN + completion * PER_OUTPUT_TOKEN


def chat_usage(prompt_chars: int, output_chars: int) -> dict[str, Any]:
    """Chat's usage, every recorded field, for a prompt and an output of so many characters."""
    prompt, completion = tokens(prompt_chars), tokens(output_chars)
    cost = _cost(prompt, completion)
    details = USAGE["prompt_tokens_details"] | {"cached_tokens": prompt // 3}
    done = USAGE["completion_tokens_details"] | {"reasoning_tokens": completion // 2}
    return USAGE | {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "cost": cost,
        "prompt_tokens_details": details,
        "completion_tokens_details": done,
        "cost_details": {"upstream_inference_cost": cost},
    }


def responses_usage(prompt_chars: int, output_chars: int) -> dict[str, Any]:
    """The Responses API's usage (OpenAI's names, and OpenRouter's `cost`)."""
    prompt, completion = tokens(prompt_chars), tokens(output_chars)
    return {
        "input_tokens": prompt,
        "input_tokens_details": {"cached_tokens": prompt // 3},
        "output_tokens": completion,
        "output_tokens_details": {"reasoning_tokens": completion // 2},
        "total_tokens": prompt + completion,
        "cost": _cost(prompt, completion),
    }


def images_usage(prompt_chars: int, images: int) -> dict[str, Any]:
    """The Images API's usage: chat's token names and `cost`, 1,290 tokens an image."""
    prompt, completion = tokens(prompt_chars), 1290 * images
    total = prompt + completion
    cost = prompt * PER_INPUT_TOKEN + images * PER_IMAGE
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total} | {
        "cost": cost
    }


def embeddings_usage(input_chars: int) -> dict[str, Any]:
    """The embeddings API's usage: input tokens and `cost`."""
    prompt = tokens(input_chars)
    return {"prompt_tokens": prompt, "total_tokens": prompt, "cost": prompt * PER_INPUT_TOKEN}


def transcription_usage(audio_bytes: int, text_chars: int) -> dict[str, Any]:
    """A transcription's usage, a token-priced provider's (seconds and tokens)."""
    prompt, completion = audio_bytes // 1000 + 1, tokens(text_chars)
    return {
        "seconds": round(audio_bytes / 32000, 3),
        "input_tokens": prompt,
        "output_tokens": completion,
        "total_tokens": prompt + completion,
        "cost": _cost(prompt, completion),
    }
