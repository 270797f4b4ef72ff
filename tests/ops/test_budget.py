"""The memory budget: computed from the settings (a table of cases), and the Kubernetes
manifests' limits checked against the settings' defaults (the table printed: `pytest -s`)."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from app.ops.budget import HEADROOM, IDLE_BYTES, MIB, SPAN_BYTES, SPANS_HELD, Pod, compute, table
from app.ops.memory_costs import (
    JSON_BODY,
    VALUE_BYTES,
    covered_ahead,
    json_cost,
    json_cost_before_reading,
)
from app.settings import Settings

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
UNITS = {"Ki": 1024, "Mi": MIB, "Gi": 1024 * MIB}


def settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


@pytest.mark.parametrize(
    ("overrides", "pod", "fits", "too_large"),
    [
        ({}, Pod(256 * MIB, 36 * MIB), True, ()),
        ({}, Pod(224 * MIB, 36 * MIB), False, ()),  # the fixed part and the pool: too much
        ({}, Pod(256 * MIB, 32 * MIB), False, ()),  # the /tmp pool beyond the sizeLimit
        (  # a pool too small for one body at the limit: it would run alone, beyond the pool
            {"proxy_memory_budget_bytes": 64 * MIB},
            Pod(512 * MIB, 64 * MIB),
            False,
            (
                "JSON body",
                "form, files sent as data URLs",
                "catalog refresh",
                "image",
                "audio",
                "transcription",
            ),
        ),
        (  # a smaller body limit fits a smaller pod
            {
                "proxy_max_body_bytes": 8 * MIB,
                "proxy_memory_budget_bytes": 56 * MIB,  # a refresh of 2 MiB pages: 52.6
                "proxy_tmp_budget_bytes": 14 * MIB,
                "proxy_max_catalog_bytes": 2 * MIB,
                "proxy_max_json_items": 250_000,
                "proxy_max_sse_event_bytes": 8 * MIB,
                "proxy_max_image_answer_bytes": 8 * MIB,
                "proxy_max_audio_answer_bytes": 8 * MIB,
                "proxy_max_transcription_answer_bytes": 2 * MIB,
            },
            Pod(160 * MIB, 16 * MIB, tmp_in_memory=True),
            True,
            (),
        ),
    ],
)
def test_the_budget_fits_or_says_what_does_not(
    overrides: dict[str, Any], pod: Pod, fits: bool, too_large: tuple[str, ...]
) -> None:
    budget = compute(settings(**overrides), pod)
    assert budget.fits is fits, table(budget)
    assert len(budget.too_large) == len(too_large), table(budget)
    assert all(map(str.startswith, budget.too_large, too_large))


def test_the_most_held_is_the_fixed_part_and_the_memory_pool() -> None:
    small, large = (
        compute(settings(proxy_memory_budget_bytes=pool * MIB), Pod(512 * MIB, 64 * MIB))
        for pool in (200, 300)
    )
    assert large.memory_held - small.memory_held == 100 * MIB
    assert small.memory_held > IDLE_BYTES + 200 * MIB
    assert small.memory_limit == int(512 * MIB * (1 - HEADROOM))


def test_tracing_on_holds_its_spans_and_needs_a_smaller_pool_in_the_manifests_pod() -> None:
    pod = Pod(256 * MIB, 36 * MIB)
    assert compute(settings(), pod).fits
    traced = compute(settings(), pod, tracing=True)
    assert not traced.fits
    assert traced.memory_held == compute(settings(), pod).memory_held + SPAN_BYTES * SPANS_HELD
    pool = settings().proxy_memory_budget_bytes - 9 * MIB
    assert compute(settings(proxy_memory_budget_bytes=pool), pod, tracing=True).fits


def test_a_tmpfs_counts_uploads_in_memory_too() -> None:
    on_disk, in_memory = (
        compute(settings(), Pod(512 * MIB, 64 * MIB, tmp_in_memory=memory))
        for memory in (False, True)
    )
    limit = settings().proxy_max_body_bytes
    extra = {a.what: b.each - a.each for a, b in zip(on_disk.rows, in_memory.rows, strict=True)}
    assert (
        extra["JSON body (chat, Responses, images, audio, embeddings, forwarded) at the limit"] == 0
    )
    uploads = [what for what, more in extra.items() if more]
    assert uploads
    assert all(extra[what] == limit for what in uploads)
    assert all(what.startswith("form") for what in uploads)


@pytest.mark.parametrize(
    ("size", "values", "max_values", "cost"),
    [
        (1000, 3, 1_000_000, 3200 + 3 * VALUE_BYTES),
        (1000, None, 1_000_000, 3200 + 2001 * VALUE_BYTES),  # not yet counted: two a byte
        (10 * MIB, None, 1000, int(10 * MIB * JSON_BODY) + 1000 * VALUE_BYTES),
    ],
)
def test_a_json_body_costs_its_bytes_and_its_values(
    size: int, values: int | None, max_values: int, cost: int
) -> None:
    if values is None:
        assert json_cost_before_reading(size, max_values) == cost
    else:
        assert json_cost(size, values) == cost


@pytest.mark.parametrize(
    ("size", "covered", "limit", "ahead"),
    [
        (1, 0, None, MIB),  # a step ahead of the first byte
        (MIB + 1, MIB, None, 2 * MIB),
        (5 * MIB, MIB, None, 5 * MIB),  # a piece longer than a step: all of it
        (MIB + 1, MIB, MIB + 10, MIB + 10),  # never past the limit
        (1, 0, 100, 100),
    ],
)
def test_reservations_go_a_step_ahead_of_the_bytes_read_never_past_the_limit(
    size: int, covered: int, limit: int | None, ahead: int
) -> None:
    assert covered_ahead(size, covered, limit) == ahead


def test_a_json_body_at_the_limit_is_reserved_before_its_values_are_counted() -> None:
    budget = compute(settings(proxy_max_body_bytes=10 * MIB), Pod(512 * MIB, 64 * MIB))
    [json_row] = [row for row in budget.rows if row.what.startswith("JSON body")]
    assert json_row.each == json_cost_before_reading(10 * MIB, settings().proxy_max_json_items)
    assert json_row.at_once == settings().proxy_memory_budget_bytes // json_row.each


def quantity(value: str) -> int:
    """A Kubernetes quantity (`256Mi`) in bytes."""
    for suffix, unit in UNITS.items():
        if value.endswith(suffix):
            return int(value.removesuffix(suffix)) * unit
    return int(value)


def proxy_pods() -> list[tuple[str, Pod]]:
    """Each manifest's proxy container: its memory limit and its /tmp volume."""
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if not document or document.get("kind") != "Deployment":
                continue
            spec = document["spec"]["template"]["spec"]
            containers = [*spec.get("initContainers", []), *spec["containers"]]
            [proxy] = [c for c in containers if c["name"] == "proxy"]
            [mount] = [m for m in proxy["volumeMounts"] if m["mountPath"] == "/tmp"]
            [volume] = [v for v in spec["volumes"] if v["name"] == mount["name"]]
            memory = quantity(proxy["resources"]["limits"]["memory"])
            tmp = volume["emptyDir"]
            pod = Pod(memory, quantity(tmp["sizeLimit"]), tmp.get("medium") == "Memory")
            found.append((path.name, pod))
    return found


def test_both_manifests_run_a_proxy() -> None:
    assert [name for name, _ in proxy_pods()] == ["sidecar.yaml", "standalone.yaml"]


@pytest.mark.parametrize(("name", "pod"), proxy_pods())
@pytest.mark.parametrize("tmpfs", [False, True], ids=["tmp as the manifest says", "tmp a tmpfs"])
def test_the_settings_defaults_fit_the_manifests_limits(name: str, pod: Pod, tmpfs: bool) -> None:
    """With /tmp as the manifest mounts it, and as a tmpfs (an emptyDir of medium Memory, or
    the container tests' `--tmpfs /tmp`), whose pages count as memory."""
    pod = Pod(pod.memory, pod.tmp, pod.tmp_in_memory or tmpfs)
    budget = compute(Settings(), pod)
    print(f"\n{name}, /tmp {'a tmpfs' if pod.tmp_in_memory else 'on disk'}:\n{table(budget)}")
    assert budget.fits, table(budget)
