"""Usage in the metrics and the access-log line (issue 25): tokens by model and type, cost by
model, whether usage was read by route, and a stream's time to first token and per output token."""

import orjson
from prometheus_client.parser import text_string_to_metric_families

from app.ops.metrics import Metrics, Note
from app.ops.usage import AnswerFacts, Usage
from app.ops.usage_metrics import log_fields

USAGE = Usage(input_tokens=10, output_tokens=5, cached_tokens=2, reasoning_tokens=1, cost=0.25)


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = metrics.render().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def note(usage: Usage | None, state: str, stream: bool = False) -> Note:
    made = Note("r", route="chat", model="m/x", status=200, stream=stream)
    made.answer = AnswerFacts(usage=usage, usage_state=state)
    return made


def test_tokens_and_cost_are_counted_by_model_and_type() -> None:
    metrics = Metrics()
    metrics.count(note(USAGE, "read"))
    metrics.count(note(USAGE, "read"))
    got = samples(metrics)
    for kind, count in [("input", 20), ("output", 10), ("cached", 4), ("reasoning", 2)]:
        labels = frozenset({("model", "unknown"), ("type", kind)})  # no catalog loaded
        assert got[("modality_proxy_tokens_total", labels)] == count
    assert got[("modality_proxy_cost_credits_total", frozenset({("model", "unknown")}))] == 0.5
    read = frozenset({("route", "chat"), ("usage", "read")})
    assert got[("modality_proxy_usage_answers_total", read)] == 2


def test_usage_missing_and_too_large_are_counted_and_add_no_tokens() -> None:
    metrics = Metrics()
    metrics.count(note(None, "missing"))
    metrics.count(note(None, "too_large"))
    metrics.count(note(None, ""))  # not an answer usage is looked for in
    got = samples(metrics)
    for state in ("missing", "too_large"):
        labels = frozenset({("route", "chat"), ("usage", state)})
        assert got[("modality_proxy_usage_answers_total", labels)] == 1
    assert not any(name == "modality_proxy_tokens_total" for name, _ in got)
    assert not any(dict(labels).get("usage") == "" for _, labels in got)


def test_a_streams_first_token_and_time_per_output_token_are_observed() -> None:
    metrics = Metrics()
    streamed = note(USAGE, "read", stream=True)
    streamed.first_token_seconds = 0.5
    metrics.count(streamed)
    got = samples(metrics)
    model = frozenset({("model", "unknown")})
    assert got[("modality_proxy_time_to_first_token_seconds_count", model)] == 1
    assert got[("modality_proxy_time_to_first_token_seconds_sum", model)] == 0.5
    assert got[("modality_proxy_time_per_output_token_seconds_count", model)] == 1


def test_the_log_line_has_the_usage_fields() -> None:
    line = orjson.loads(orjson.dumps(log_fields(AnswerFacts(USAGE, "read"), 0.5)))
    assert line["usage"] == "read"
    assert (line["input_tokens"], line["output_tokens"]) == (10, 5)
    assert (line["cached_tokens"], line["reasoning_tokens"]) == (2, 1)
    assert (line["cost"], line["first_token_seconds"]) == (0.25, 0.5)


def test_the_log_line_of_an_answer_without_usage_has_nulls() -> None:
    line = log_fields(AnswerFacts(None, "missing"), None)
    assert (line["usage"], line["input_tokens"], line["cost"]) == ("missing", None, None)
