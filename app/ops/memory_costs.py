"""What each thing a request holds whole costs in memory, per byte: bodies as parsed and forms
as spooled, and the answers from upstream the proxy reads whole, each at its cap. Reserved from
the memory pool where they are read (`app.ops.reservations`); summed against the pod's limits by
`app.ops.budget`.

The factors are measured (peak RSS growth over RSS before, per byte): `python -m
bench.bodies_at_once --count 1` for bodies, the rest as their comments say.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

from app.settings import Settings

# What is reserved ahead of what is read, a body of unknown length or an answer collected whole:
# a reservation a mebibyte at a time, not one a piece.
RESERVE_STEP = 1024 * 1024

# One body at 28 MiB alone, memory per body byte (bench.bodies_at_once --count 1: chat 3.10,
# Responses 2.83, image generation 2.99, transcription form 0.10, image edit form 3.66).
JSON_BODY = 3.2  # read, parsed, planned and written again for upstream
# ... and each value parsed (as `app.api.bodies.json_items` counts them) up to 32 bytes more: a
# float, or a third of a `{}` (bench.body_memory: 31 bytes a byte of `{},`, 3 values counted).
VALUE_BYTES = 32
STREAMED_FORM = 0.15  # files spooled and sent from the spool (transcriptions)
INLINED_FORM = 3.8  # files spooled, then read back and sent as data URLs (image edits, videos)
# What a streamed form holds in memory whatever its size: its text fields, which the
# transcription route bounds (32 of 32 KiB: `app.api.audio`), and a file's first MiB, held
# before it spools; each up to 3 bytes a byte (read, decoded, written again for upstream).
FORM_FIELDS_BYTES = 1024 * 1024

# An upstream error read whole: the pieces and the joined body, inflated; then parsed (up to 21
# bytes a byte, for `[]` items: 64-byte lists for 3 bytes).
ERROR_READ = 2.0 + 1.0
ERROR_PARSE = 21.0
# Answers collected whole: an SSE event is held in the splitter's buffer, split out, renamed by
# `bytes.replace` and joined to its blank line (4 copies, reasoned); an image answer, mostly
# base64 strings, holds 3 copies at once at most (its bytes, orjson's copy of them while it
# parses, the strings parsed: `app.translate.whole.Parsed`), and the allocator keeps up to 0.7
# more: measured 2.0 to 3.7 bytes a byte of peak RSS growth, each way one is collected
# (`pytest -m stress tests/stress/test_image_memory.py`: a 10 MiB image); an audio stream's
# pieces, its base64 joined and the completion written (3, reasoned). A transcription is JSON
# parsed whole, counted as an error is (its worst shape, `[]` items).
SSE_EVENT = 4.0
IMAGE_ANSWER = 4.0
AUDIO_ANSWER = 3.0
TRANSCRIPTION_ANSWER = ERROR_READ + ERROR_PARSE


def covered_ahead(size: int, covered: int, limit: int | None) -> int:
    """Return how many bytes to have covered once `size` have been read past `covered`: a
    `RESERVE_STEP` ahead (or `size`, if more), never past `limit` (None: no limit)."""
    ahead = max(size, covered + RESERVE_STEP)
    return ahead if limit is None else min(ahead, limit)


def json_cost(size: int, values: int) -> int:
    """The memory a JSON body of `size` bytes and `values` values costs, read, parsed and sent."""
    return math.ceil(size * JSON_BODY) + values * VALUE_BYTES


def json_cost_before_reading(size: int, max_values: int) -> int:
    """The most a JSON body of `size` bytes can cost, its values not yet counted: at most two a
    byte (`json_items`), and no more than `max_values` (PROXY_MAX_JSON_ITEMS) are parsed."""
    return json_cost(size, min(2 * size + 1, max_values))


def streamed_form_cost(size: int) -> float:
    """The memory of a form of `size` bytes whose files go upstream from the spool."""
    return 3 * min(size, FORM_FIELDS_BYTES) + STREAMED_FORM * max(0, size - FORM_FIELDS_BYTES)


def inlined_form_cost(size: int) -> float:
    """The memory of a form of `size` bytes whose files go upstream as data URLs."""
    return INLINED_FORM * size


@dataclass(frozen=True)
class Body:
    """A kind of form: the memory of one of so many bytes. Forms spool to `/tmp` too."""

    name: str
    memory: Callable[[int], float]


FORMS = (
    Body("form, files streamed from the spool (transcriptions)", streamed_form_cost),
    Body("form, files sent as data URLs (image edits, videos)", inlined_form_cost),
)


@dataclass(frozen=True)
class Whole:
    """An answer from upstream the proxy reads whole before it answers: its cap (a setting's
    bytes) and memory per byte. Each is reserved from the memory pool where it is read."""

    name: str
    cap: int
    memory: float


def held_whole(settings: Settings) -> tuple[Whole, ...]:
    """Return the answers read whole, each at its cap (`app.upstream.caps`).

    Each is reserved from the memory pool as it is read (`Reservations.memory`): the upstream
    error where the exchange reads it, the answers collected whole a step ahead of their bytes
    (`app.upstream.collect`). One SSE event split out of a stream is counted here, within the
    pool, but not reserved: the splitter holds at most one, under its cap."""
    return (
        Whole(
            "upstream error read", settings.proxy_max_upstream_error_bytes, ERROR_READ + ERROR_PARSE
        ),
        Whole(
            "one SSE event split out (image edits)", settings.proxy_max_sse_event_bytes, SSE_EVENT
        ),
        Whole("image answer collected", settings.proxy_max_image_answer_bytes, IMAGE_ANSWER),
        Whole("audio stream assembled", settings.proxy_max_audio_answer_bytes, AUDIO_ANSWER),
        Whole(
            "transcription collected",
            settings.proxy_max_transcription_answer_bytes,
            TRANSCRIPTION_ANSWER,
        ),
    )
