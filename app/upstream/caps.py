"""How much of an upstream answer the proxy holds at once, where it must hold more than a piece:
an error it reads to look into, one event it splits out of a stream, a whole answer it reshapes.
Anything over its cap is an `AnswerTooLarge` (502) rather than memory that follows upstream."""

from dataclasses import dataclass
from enum import Enum
from typing import Self

from app.ops import memory_costs
from app.settings import Settings


class Held(Enum):
    """The answers the proxy collects whole to reshape them, each under a cap of its own; the
    value names it in the 502."""

    IMAGES = "an image answer"
    AUDIO = "an audio stream"  # assembled into one completion
    TRANSCRIPTION = "a transcription"

    @property
    def per_byte(self) -> float:
        """Return what one byte of such an answer costs in memory while it is collected."""
        return PER_BYTE[self]


PER_BYTE = {  # app.ops.memory_costs says why each
    Held.IMAGES: memory_costs.IMAGE_ANSWER,
    Held.AUDIO: memory_costs.AUDIO_ANSWER,
    Held.TRANSCRIPTION: memory_costs.TRANSCRIPTION_ANSWER,
}


@dataclass(frozen=True, slots=True)
class Caps:
    """Bytes the proxy holds at most of an error answer it reads (`error`), of one SSE event
    it splits out (`sse_event`), of each kind of answer it collects whole, and of the end of an
    answer it reads the usage from (`usage`: references to pieces already relayed)."""

    error: int
    sse_event: int
    images: int
    audio: int
    transcription: int
    usage: int = 64 * 1024

    @classmethod
    def of(cls, settings: Settings) -> Self:
        return cls(
            error=settings.proxy_max_upstream_error_bytes,
            sse_event=settings.proxy_max_sse_event_bytes,
            images=settings.proxy_max_image_answer_bytes,
            audio=settings.proxy_max_audio_answer_bytes,
            transcription=settings.proxy_max_transcription_answer_bytes,
            usage=settings.proxy_max_usage_read_bytes,
        )

    def held(self, kind: Held) -> int:
        """The cap on an answer of `kind`."""
        match kind:
            case Held.IMAGES:
                return self.images
            case Held.AUDIO:
                return self.audio
            case Held.TRANSCRIPTION:
                return self.transcription
