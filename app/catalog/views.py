"""The catalog for people: loading it for the command line, a table of models, and the policy's
decision for one request explained in words (`modality-proxy models` and `explain`)."""

import asyncio
from collections.abc import Sequence
from pathlib import Path

import orjson

from app.catalog.records import Catalog, Model, parse_page
from app.catalog.refresh import CatalogRefresher
from app.policy.modalities import MISSING, Action, decide
from app.settings import Settings
from app.upstream.client import Upstream

COLUMNS = ("id", "outputs", "inputs", "context", "price")


def load_catalog(settings: Settings, file: Path | None) -> Catalog:
    """The catalog from `file` (a `GET /models` answer or a proxy snapshot), or else fetched
    and merged from `OPENROUTER_BASE_URL` as the proxy does. Raises CatalogError or OSError."""
    if file is not None:
        return Catalog(tuple(parse_page(file.read_bytes()).models), source=str(file))
    return asyncio.run(_fetch(settings))


async def _fetch(settings: Settings) -> Catalog:
    async with Upstream(settings) as upstream:
        return await CatalogRefresher(upstream, settings).refresh()


def table(models: Sequence[Model]) -> str:
    """One aligned line per model: id, outputs, inputs, context length and price."""
    return aligned([COLUMNS, *(_row(model) for model in models)])


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells as text in aligned columns, the first row being the header."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _row(model: Model) -> tuple[str, str, str, str, str]:
    entry = orjson.loads(model.raw)
    context = entry.get("context_length")
    return (
        model.id,
        ",".join(model.output_modalities),
        ",".join(model.input_modalities),
        f"{context:,}" if isinstance(context, int) else "",
        _price(entry.get("pricing")),
    )


def _price(pricing: object) -> str:
    """`$1.25 in / $10 out per M tokens`, and the image output price where there is one."""
    if not isinstance(pricing, dict):
        return ""
    if _dollars(pricing.get("prompt")) < 0:  # routers: the price of the model they pick
        return "varies"
    per_million = {key: _dollars(value) * 1e6 for key, value in pricing.items()}
    parts = []
    if per_million.get("prompt") or per_million.get("completion"):
        parts.append(f"${per_million['prompt']:g} in / ${per_million['completion']:g} out per M")
    if per_million.get("image_output"):
        parts.append(f"image out ${per_million['image_output']:g} per M")
    return "; ".join(parts) or "free"


def _dollars(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def _listed(modalities: Sequence[str] | None) -> str:
    return ", ".join(modalities or ()) or "nothing"


def explain(
    catalog: Catalog, model_id: str, modalities: list[str] | None, settings: Settings
) -> str:
    """What the proxy would send upstream for a chat request to `model_id` asking for
    `modalities` (None: no `modalities` field), and why, in words."""
    model = catalog.lookup(model_id)
    requested: object = MISSING if modalities is None else modalities
    outputs = model.output_modalities if model else None
    decision = decide(requested, model_id, outputs, settings.proxy_on_unsupported)
    if model is None:
        known = f"{model_id} is not in the catalog ({len(catalog.models)} models)."
    else:
        known = f"{model_id} is {model.id} in the catalog; it outputs {_listed(outputs)}."
    sent = {
        Action.UNCHANGED: "the request goes upstream unchanged, byte for byte.",
        Action.REWRITE: f"modalities is set to {list(decision.modalities)}.",
        Action.DROP: "the modalities field is dropped (text is OpenRouter's default).",
        Action.REJECT: "the proxy answers 400 itself; nothing goes upstream.",
        Action.INVALID: "the proxy answers 400 itself; nothing goes upstream.",
    }[decision.action]
    asked = "no modalities field" if modalities is None else f"modalities {modalities}"
    return (
        f"{known}\nAsked for {asked}: {decision.action}.\n"
        f"Why: {decision.reason}.\nSo {sent}\n"
        f"X-Modalities: {decision.header(field_present=modalities is not None)}"
    )
