"""The policy's decision for one request, explained in words (`modality-proxy explain`)."""

from collections.abc import Sequence

from app.catalog.records import Catalog
from app.policy.modalities import MISSING, Action, Policy
from app.settings import Settings


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
    decision = Policy(settings.proxy_on_unsupported).decide(requested, model_id, model)
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
