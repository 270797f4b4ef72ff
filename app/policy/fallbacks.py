"""The proxy's own tries down a `models` fallback list, for when no one body suits every model.

OpenRouter tries a `models` list in order with one body; when the models' `modalities` decisions
differ, no one body works for all, so the proxy tries them itself. Pure.
"""

from collections.abc import Sequence
from typing import Any

from app.errors import ClientError
from app.policy.modalities import Action, Decision

# Upstream answers after which the next model is tried; 400, 401, 402 and 403 are the client's
# to fix, and would fail the same way with every model.
NEXT_MODEL_STATUSES = frozenset({404, 408, 429})
ABSENT = "absent"  # the body's `modalities` when a decision drops it


def candidates(payload: dict[str, Any], limit: int) -> list[str] | None:
    """Return the models to try, in order, or None when there is no `models` list.

    `model` comes first when given, then `models`, none repeated. Raises ClientError (400) for a
    `models` that is not a list of strings, or that names more than `limit` models: each may
    cost an upstream call.
    """
    listed = payload.get("models")
    if listed is None:
        return None
    if not isinstance(listed, list) or not all(isinstance(m, str) and m for m in listed):
        raise ClientError("`models` must be a list of model ids", "invalid_models")
    first = payload.get("model")
    head = [first] if isinstance(first, str) and first else []
    order = list(dict.fromkeys(head + listed))
    if len(order) > limit:
        message = f"`models` names {len(order)} models; the proxy tries at most {limit}"
        raise ClientError(message, "too_many_models")
    return order


def sent_modalities(decision: Decision, requested: object) -> object:
    """Return what the body's `modalities` becomes by `decision`.

    That is the value, `ABSENT`, or the decision itself when it refuses (so that a refusal agrees
    only with the same refusal).
    """
    if decision.action is Action.REWRITE:
        return list(decision.modalities)
    if decision.action is Action.DROP:
        return ABSENT
    if decision.keeps_body:
        return requested
    return decision


def agree(decisions: Sequence[Decision], requested: object) -> bool:
    """Return whether one body suits every model: all decisions send the same `modalities`."""
    values = [sent_modalities(decision, requested) for decision in decisions]
    return all(value == values[0] for value in values)


def tries_next(status: int) -> bool:
    """Return whether an upstream answer with `status` moves the fallback to the next model."""
    return status in NEXT_MODEL_STATUSES or status >= 500


def for_one(payload: dict[str, Any], model_id: str) -> dict[str, Any]:
    """Return `payload` asking `model_id` alone."""
    single = {name: value for name, value in payload.items() if name != "models"}
    single["model"] = model_id
    return single
