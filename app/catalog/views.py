"""The catalog for people: a table of models (`modality-proxy models`), and aligned columns."""

from collections.abc import Sequence

import orjson

from app.catalog.records import Model

COLUMNS = ("id", "outputs", "inputs", "context", "price")


def table(models: Sequence[Model]) -> str:
    """Return one aligned line per model: id, outputs, inputs, context length and price."""
    return aligned([COLUMNS, *(_row(model) for model in models)])


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Return rows of cells as text in aligned columns, the first row being the header."""
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
    """Return a model's prices in words, e.g. `$1.25 in / $10 out per M`, and its image price."""
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
