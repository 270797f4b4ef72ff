"""The values of the metrics' labels, each from a bounded set whatever a client or upstream
sends (pure). A Prometheus client keeps every series it has counted until the process ends, and
writes each on every scrape: with a label value per forged model id (a video id carries its
model unsigned), 100,000 requests that never reached upstream grew the proxy from 60 to 138 MiB
for good and `/metrics` to 22 MB, 6.8 s a scrape (issue 22; `tests/stress/test_forged_labels.py`).

Every label of `app.ops.metrics` goes through `model_label`, `status_label` or `named`: a new
label takes its values from one of them, its fixed names in a vocabulary here."""

from collections.abc import Collection
from typing import get_args

from app.catalog.records import Catalog
from app.errors import AnswerTooLarge, UpstreamBadAnswer, UpstreamTimeout, UpstreamUnavailable
from app.ops.limits import Refusal

UNKNOWN = "unknown"  # a model the catalog does not list
OTHER = "other"  # a name outside its vocabulary, or a status that is none

# The routes of `app.api.routes` and "other" for the rest (probes, metrics, no route).
ROUTES = frozenset(
    {"chat", "responses", "models", "model", "images", "speech", "transcriptions"}
    | {"embeddings", "videos", "forward", OTHER}
)
# `app.policy.modalities.Action`'s values, and "" for a request the policy did not see.
DECISIONS = frozenset({"", "unchanged", "rewritten", "subset", "dropped", "rejected", "invalid"})
# Why an answer under way was cut short: the codes of upstream's failures, "" for none.
FAILURES = frozenset(
    {
        "",
        UpstreamUnavailable.CODE,
        UpstreamTimeout.CODE,
        UpstreamBadAnswer.CODE,
        AnswerTooLarge.FAILURE,
    }
)
# The routes whose answers carry a usage (`app.translate.usage_read`).
USAGE_ROUTES = frozenset({"chat", "responses", "images", "speech", "transcriptions", "embeddings"})
# Whether an answer's usage was read (`app.ops.usage.AnswerFacts.usage_state`).
USAGE_STATES = frozenset({"", "read", "missing", "too_large"})
# Why a connection was refused before the app saw it (`app.ops.limits`).
REFUSALS: frozenset[str] = frozenset(get_args(Refusal))


def model_label(model_id: str, catalog: Catalog | None) -> str:
    """The id of the catalog's record of `model_id` (its aliases and `:variant`s resolved as
    for a request, the video models' list included); "" for a request that named none;
    "unknown" for every other, and for all before the catalog has loaded."""
    if not model_id:
        return ""
    if catalog is None:
        return UNKNOWN
    found = catalog.lookup(model_id) or (catalog.videos and catalog.videos.lookup(model_id))
    return found.id if found else UNKNOWN


def status_label(status: int) -> str:
    """`status` when it is an HTTP status (three digits, 100-599); "0" for no answer begun;
    "other" for any other number (upstream's, relayed)."""
    if 100 <= status <= 599 or status == 0:
        return str(status)
    return OTHER


def named(name: str, vocabulary: Collection[str]) -> str:
    """`name` when `vocabulary` holds it, else "other"."""
    return name if name in vocabulary else OTHER
