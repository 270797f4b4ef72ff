"""The memory budget of one worker: the most it can hold, computed from the settings, against
the pod's limits (the Kubernetes manifests' memory limit and `/tmp` sizeLimit). Pure:
`tests/ops/test_budget.py` checks the manifests against the settings' defaults, and prints the
table.

What a worker holds:
- fixed: the idle process (with its catalog), the metrics' series, and with tracing on the spans
  waiting for export;
- reserved (`app.ops.reservations`): what a request holds whole is taken from the memory pool
  (PROXY_MEMORY_BUDGET_BYTES) before it is read, and given back when its answer is done: its
  body as read, parsed and sent (`json_cost`, `FORMS`), an upstream answer read whole
  (`held_whole`); uploads from the `/tmp` pool (PROXY_TMP_BUDGET_BYTES), and from memory too
  when `/tmp` is a tmpfs (whose pages are memory). A catalog refresh (the child that parses a
  page, the page and what the child answers) and a model list parsed in the worker are taken
  from the memory pool too, before they download (`app.catalog.memory`).

So the most a worker holds is the fixed part plus the memory pool: that must fit the memory
limit with `HEADROOM` to spare, the `/tmp` pool the sizeLimit likewise, and each single
reservation at its limit its pool (else it would run alone, beyond the pool).

What each reservation costs per byte is `app.ops.memory_costs`'s.
"""

import math
from dataclasses import dataclass

from app.catalog.memory import list_bytes, refresh_bytes
from app.ops.memory_costs import FORMS, held_whole, json_cost_before_reading
from app.settings import Settings

MIB = 1024 * 1024
HEADROOM = 0.10  # of each limit, for what no row counts: connections, buffers, fragmentation

IDLE_BYTES = 61 * MIB  # the worker with its catalog, before any request (bench.bodies_at_once)
# Metrics: 816 bytes a series held (prometheus_client, a request counter and a histogram by
# route), and 400 more while /metrics renders it.
SERIES_BYTES = 1216
# The series app.ops.metrics may hold: its labels are to come from bounded sets (catalog models,
# fixed route and status names: issue 22); that bound goes here once it is one.
METRIC_SERIES = 10_000
# With tracing on, finished spans wait in the OpenTelemetry SDK's queue to be exported: 3.3 KB a
# span as the proxy makes them (`python -m bench.span_memory`), the queue's 2,048 and one batch
# of 512 in export, that batch counted twice for its encoding (OTEL_BSP_* at their defaults).
SPAN_BYTES = 3400
SPANS_HELD = 2048 + 2 * 512


@dataclass(frozen=True)
class Pod:
    """What the manifests give the proxy's container: memory and `/tmp` (bytes), and whether
    that `/tmp` is memory (a tmpfs)."""

    memory: int
    tmp: int
    tmp_in_memory: bool = False


@dataclass(frozen=True)
class Row:
    """One line of the budget: what, bytes each, how many at once; `pool`: the pool it is
    reserved from ("memory" or "tmp"), or "" for the fixed part and the pools themselves."""

    what: str
    each: int
    at_once: int = 1
    pool: str = ""

    @property
    def total(self) -> int:
        return self.each * self.at_once


@dataclass(frozen=True)
class Budget:
    """The rows (the fixed part, the pools, then what the pools hold at the limits), the most
    held and what each limit allows less the headroom, and the reservations too large."""

    rows: tuple[Row, ...]
    memory_held: int  # the most a worker holds: the fixed part and the memory pool
    memory_limit: int  # the pod's memory limit less the headroom
    tmp_held: int
    tmp_limit: int
    too_large: tuple[str, ...]  # reservations larger than their pool

    @property
    def fits(self) -> bool:
        return (
            self.memory_held <= self.memory_limit
            and self.tmp_held <= self.tmp_limit
            and not self.too_large
        )


def compute(settings: Settings, pod: Pod, tracing: bool = False) -> Budget:
    """The budget of one worker with `settings` in `pod`, `tracing` on or not (see the module's
    docstring)."""
    fixed = (
        Row("idle worker with its catalog", IDLE_BYTES),
        Row("metrics series", SERIES_BYTES, METRIC_SERIES),
        *([Row("trace spans waiting for export", SPAN_BYTES, SPANS_HELD)] if tracing else []),
    )
    pools = (
        Row("memory pool (PROXY_MEMORY_BUDGET_BYTES)", settings.proxy_memory_budget_bytes),
        Row("/tmp pool (PROXY_TMP_BUDGET_BYTES)", settings.proxy_tmp_budget_bytes),
    )
    within = _within_pools(settings, pod)
    sizes = {"memory": settings.proxy_memory_budget_bytes, "tmp": settings.proxy_tmp_budget_bytes}
    too_large = tuple(row.what for row in within if row.each > sizes[row.pool])
    return Budget(
        rows=(*fixed, *pools, *within),
        memory_held=sum(row.total for row in fixed) + sizes["memory"],
        memory_limit=math.floor(pod.memory * (1 - HEADROOM)),
        tmp_held=sizes["tmp"],
        tmp_limit=math.floor(pod.tmp * (1 - HEADROOM)),
        too_large=too_large,
    )


def _within_pools(settings: Settings, pod: Pod) -> tuple[Row, ...]:
    """What a single reservation at its limit takes, and how many such fit in its pool at once."""
    limit, memory_pool = settings.proxy_max_body_bytes, settings.proxy_memory_budget_bytes
    each = json_cost_before_reading(limit, settings.proxy_max_json_items)
    what = "JSON body (chat, Responses, images, audio, embeddings, forwarded) at the limit"
    rows = [Row(what, each, memory_pool // each, "memory")]
    for form in FORMS:
        each = math.ceil(form.memory(limit) + limit * pod.tmp_in_memory)
        rows.append(Row(f"{form.name} at the limit", each, memory_pool // each, "memory"))
        at_once = settings.proxy_tmp_budget_bytes // limit
        rows.append(Row(f"{form.name}, spooled", limit, at_once, "tmp"))
    page = settings.proxy_max_catalog_bytes
    for what, each in (
        ("catalog refresh: parse child, one page, the page in the worker", refresh_bytes(page)),
        ("model list parsed in the worker", list_bytes(page)),
    ):
        rows.append(Row(what, each, memory_pool // each, "memory"))
    for whole in held_whole(settings):
        each = math.ceil(whole.cap * whole.memory)
        rows.append(Row(f"{whole.name} at its cap", each, memory_pool // each, "memory"))
    return tuple(rows)


def table(budget: Budget) -> str:
    """The budget as a Markdown table, in MiB, with its totals and verdict."""
    lines = ["| what | MiB each | at once | MiB |", "|---|---:|---:|---:|"]
    for row in budget.rows:
        where = f" (of the {row.pool} pool)" if row.pool else ""
        each = f"{row.each / MIB:.1f}" if row.each >= MIB / 10 else f"{row.each / MIB:.4f}"
        lines.append(f"| {row.what}{where} | {each} | {row.at_once} | {row.total / MIB:.1f} |")
    lines.append(
        f"| **most held in memory** | | | **{budget.memory_held / MIB:.1f}** of "
        f"{budget.memory_limit / MIB:.1f} (limit less {HEADROOM:.0%}) |"
    )
    lines.append(
        f"| **most spooled to /tmp** | | | **{budget.tmp_held / MIB:.1f}** of "
        f"{budget.tmp_limit / MIB:.1f} |"
    )
    if budget.too_large:
        lines.append(f"larger than their pool: {', '.join(budget.too_large)}")
    return "\n".join(lines)
