"""What an answer says it used and what it was: OpenRouter's `usage` (tokens and cost), and the
model, id and finish reasons it reports. Filled in by the readers that see answers pass
(`Note.answer`); read by the metrics, the access log and the trace spans."""

from dataclasses import dataclass
from typing import NamedTuple


class Usage(NamedTuple):
    """Tokens and cost as the answer reported them; None where the answer did not say.

    A named tuple: made once per answer read, it costs a third of a frozen dataclass."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_tokens: int | None = None  # prompt_tokens_details.cached_tokens
    reasoning_tokens: int | None = None  # completion_tokens_details.reasoning_tokens
    cost: float | None = None  # in OpenRouter credits (usage.cost)


@dataclass(slots=True)
class AnswerFacts:
    """What one answer reported of itself, as far as it was read.

    `usage_state` is one of `app.ops.labels.USAGE_STATES`: "read" (usage found), "missing" (the
    answer ended without one), "too_large" (a whole answer above the size usage is read from),
    or "" (the answer was not one usage is looked for in, or it did not finish).
    """

    usage: Usage | None = None
    usage_state: str = ""
    response_model: str = ""
    response_id: str = ""
    finish_reasons: tuple[str, ...] = ()
