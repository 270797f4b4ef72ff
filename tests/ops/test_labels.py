"""The metrics' label values, each from a bounded set (app/ops/labels.py), and the names the app
notes staying within their vocabularies."""

from dataclasses import dataclass

import aiohttp
import pytest
from prometheus_client import CollectorRegistry
from starlette.routing import Route

from app.api.routes import ApiEndpoint, routes
from app.catalog.records import Catalog, Model
from app.catalog.video_models import VideoModel, VideoModels
from app.ops.labels import DECISIONS, FAILURES, ROUTES, model_label, named, status_label
from app.ops.metrics import Metrics, Note
from app.policy.modalities import Action
from app.upstream.failures import failure_code

CATALOG = Catalog(
    (
        Model("openai/gpt-5", ("text",), canonical_slug="openai/gpt-5-2025-08-07"),
        Model("~openai/gpt-latest", ("text",), alias_of="openai/gpt-5"),
    ),
    videos=VideoModels((VideoModel("google/veo-3.1"),)),
)


@pytest.mark.parametrize(
    ("model_id", "catalog", "label"),
    [
        ("openai/gpt-5", CATALOG, "openai/gpt-5"),
        ("openai/gpt-5:free", CATALOG, "openai/gpt-5"),
        ("openai/gpt-5-2025-08-07", CATALOG, "openai/gpt-5"),
        ("~openai/gpt-latest", CATALOG, "openai/gpt-5"),
        ("google/veo-3.1", CATALOG, "google/veo-3.1"),
        ("google/veo-3.1:fast", CATALOG, "google/veo-3.1"),
        ("forged/model-1", CATALOG, "unknown"),
        ("openai/GPT-5", CATALOG, "unknown"),
        ("x" * 10_000, CATALOG, "unknown"),
        ("unknown", CATALOG, "unknown"),
        ("openai/gpt-5", Catalog(()), "unknown"),
        ("openai/gpt-5", None, "unknown"),
        ("", CATALOG, ""),
        ("", None, ""),
    ],
)
def test_a_model_is_labelled_by_its_catalog_id_or_unknown(
    model_id: str, catalog: Catalog | None, label: str
) -> None:
    assert model_label(model_id, catalog) == label


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (200, "200"),
        (100, "100"),
        (599, "599"),
        (0, "0"),
        (99, "other"),
        (600, "other"),
        (999, "other"),
        (-200, "other"),
        (10**20, "other"),
    ],
)
def test_a_status_is_labelled_only_as_an_http_status(status: int, label: str) -> None:
    assert status_label(status) == label


@pytest.mark.parametrize(
    ("name", "vocabulary", "label"),
    [
        ("chat", ROUTES, "chat"),
        ("other", ROUTES, "other"),
        ("/v1/forged", ROUTES, "other"),
        ("rewritten", DECISIONS, "rewritten"),
        ("", DECISIONS, ""),
        ("Rewritten", DECISIONS, "other"),
        ("upstream_timeout", FAILURES, "upstream_timeout"),
        ("ValueError: anything", FAILURES, "other"),
    ],
)
def test_a_name_is_its_own_label_only_within_its_vocabulary(
    name: str, vocabulary: frozenset[str], label: str
) -> None:
    assert named(name, vocabulary) == label


def test_every_name_the_app_notes_is_in_its_vocabulary() -> None:
    """A route, decision or failure added without its name here would be counted as "other"."""
    endpoints = [route.endpoint for route in routes() if isinstance(route, Route)]
    assert {e.route for e in endpoints if isinstance(e, ApiEndpoint)} | {Note("").route} <= ROUTES
    assert {action.value for action in Action} | {Note("").decision} <= DECISIONS
    errors = (TimeoutError(), aiohttp.ClientPayloadError(), ConnectionResetError())
    assert {failure_code(error) for error in errors} <= FAILURES


def samples(registry: CollectorRegistry, name: str) -> list[dict[str, str]]:
    return [
        sample.labels
        for family in registry.collect()
        for sample in family.samples
        if sample.name == name
    ]


@dataclass
class Refresher:
    current: Catalog | None
    refresh_failures: int = 0
    exact_modalities_models: int = 0


def test_a_request_is_counted_under_bounded_labels_only() -> None:
    metrics = Metrics()
    metrics.catalog.source = Refresher(CATALOG)
    forged = Note("id", route="/v1/x", model="forged/m", decision="?", status=1000)
    metrics.count(Note("id", route="chat", model="openai/gpt-5", status=200))
    metrics.count(forged)
    metrics.count(Note("id", route="chat", model="forged/n", status=200, failure="x"))
    assert samples(metrics.registry, "modality_proxy_requests_total") == [
        {"route": "chat", "model": "openai/gpt-5", "status": "200", "decision": ""},
        {"route": "other", "model": "unknown", "status": "other", "decision": "other"},
        {"route": "chat", "model": "unknown", "status": "200", "decision": ""},
    ]
    cut_short = samples(metrics.registry, "modality_proxy_answers_cut_short_total")
    assert cut_short == [{"route": "chat", "failure": "other"}]
