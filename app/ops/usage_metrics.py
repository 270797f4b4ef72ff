"""What answers said they used, as Prometheus metrics and access-log fields: tokens by model and
type, cost by model, whether the usage was read, by route, and a stream's time to its first token
and per output token, by model (issue 25). Labels come bounded from `app.ops.metrics.Metrics`;
the three counters are plain sums (`app.ops.sums`)."""

from typing import Any

from prometheus_client import CollectorRegistry

from app.ops.labels import USAGE_STATES, named
from app.ops.sums import SummedCounter, SummedHistogram
from app.ops.usage import AnswerFacts, Usage

FIRST_TOKEN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120)
PER_TOKEN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 1)
TOKEN_TYPES = ("input", "output", "cached", "reasoning")  # in `Usage`'s order
TOKENS_HELP = (
    "Tokens that answers reported, by model and type (input, output, and of those the cached "
    "input and the reasoning output)."
)
COST_HELP = "Cost that answers reported (usage.cost), in OpenRouter credits, by model."
ANSWERS_HELP = "Answers by whether their usage was read: read, missing, too_large."
NO_USAGE = Usage()


class UsageMetrics:
    """The usage metrics, in `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.tokens = SummedCounter(
            "modality_proxy_tokens", TOKENS_HELP, ["model", "type"], registry
        )
        self.cost = SummedCounter("modality_proxy_cost_credits", COST_HELP, ["model"], registry)
        self.answers = SummedCounter(
            "modality_proxy_usage_answers", ANSWERS_HELP, ["route", "usage"], registry
        )
        self.first_token = SummedHistogram(
            "modality_proxy_time_to_first_token_seconds",
            "Streams: time from the request's arrival to upstream's first data event.",
            ["model"],
            FIRST_TOKEN_BUCKETS,
            registry,
        )
        self.per_token = SummedHistogram(
            "modality_proxy_time_per_output_token_seconds",
            "Streams: time from the first data event to the end, per output token after the first.",
            ["model"],
            PER_TOKEN_BUCKETS,
            registry,
        )

    def count(
        self, route: str, model: str, answer: AnswerFacts, first_token: float | None, seconds: float
    ) -> None:
        """Count `answer` of a request to `route` for `model` (both labels already bounded);
        `first_token` (a stream's, else None) and `seconds` since the request arrived."""
        if not answer.usage_state:
            return  # not an answer whose usage is looked for
        self.answers.sums[route, named(answer.usage_state, USAGE_STATES)] += 1
        usage = answer.usage
        if usage is not None:
            tokens = self.tokens.sums
            for kind, count in zip(TOKEN_TYPES, usage[:4], strict=True):
                if count:
                    tokens[model, kind] += count
            if usage.cost:
                self.cost.sums[(model,)] += usage.cost
        if first_token is None:
            return
        self.first_token.observe((model,), first_token)
        output = usage.output_tokens if usage is not None else None
        if output is not None and output > 1:
            self.per_token.observe((model,), max(seconds - first_token, 0) / (output - 1))


def log_fields(answer: AnswerFacts, first_token: float | None) -> dict[str, Any]:
    """The access-log line's usage fields (null where the answer did not say)."""
    usage = answer.usage or NO_USAGE
    return {
        "usage": answer.usage_state,
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_tokens": usage.cached_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "cost": usage.cost,
        "first_token_seconds": first_token,
    }
