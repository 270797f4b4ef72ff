"""The policy's decision for one chat request, explained in words (`modality-proxy explain`)."""

from collections.abc import Sequence

from app.catalog.records import Catalog
from app.policy.modalities import MISSING, Action, Policy
from app.settings import Settings


def _listed(modalities: Sequence[str] | None) -> str:
    return ", ".join(modalities or ()) or "nothing"


def explain(
    catalog: Catalog,
    model_id: str,
    modalities: list[str] | None,
    settings: Settings,
    wants_exact: bool = False,
) -> str:
    """Explain in words what the proxy would send upstream for a chat request, and why.

    The request asks `model_id` for `modalities` (None: no `modalities` field). With
    `wants_exact`, explain as a proxy that has learned that upstream refuses the model a part of
    its outputs.
    """
    model = catalog.lookup(model_id)
    requested: object = MISSING if modalities is None else modalities
    outputs = model.output_modalities if model else None
    policy = Policy(settings.proxy_on_unsupported)
    as_asked = policy.decide(requested, model_id, model, subsets=True)
    fitted = policy.decide(requested, model_id, model)
    decision = fitted if wants_exact else as_asked
    if model is None:
        known = f"{model_id} is not in the catalog ({len(catalog.models)} models)."
    else:
        known = f"{model_id} is {model.id} in the catalog; it outputs {_listed(outputs)}."
    sent = {
        Action.UNCHANGED: "the request goes upstream unchanged, byte for byte.",
        Action.SUBSET: f"modalities goes as asked, {list(decision.modalities)}.",
        Action.REWRITE: f"modalities is set to {list(decision.modalities)}.",
        Action.DROP: "the modalities field is dropped (text is OpenRouter's default).",
        Action.REJECT: "the proxy answers 400 itself; nothing goes upstream.",
        Action.INVALID: "the proxy answers 400 itself; nothing goes upstream.",
    }[decision.action]
    asked = "no modalities field" if modalities is None else f"modalities {modalities}"
    subset = as_asked.action is Action.SUBSET
    learned = _subset(model_id, fitted.modalities, wants_exact, settings) if subset else ""
    return (
        f"{known}\nAsked for {asked}: {decision.action}.\n"
        f"Why: {decision.reason}.\nSo {sent}\n{learned}"
        f"X-Modalities: {decision.header(field_present=modalities is not None)}"
    )


def _subset(model_id: str, every: Sequence[str], wants_exact: bool, settings: Settings) -> str:
    """Describe what becomes of a request for a part of the model's outputs.

    It goes as asked; if upstream refuses it, `every` output goes, then for a while. With
    `wants_exact`, upstream has refused it already.
    """
    lasting = f"{settings.proxy_exact_modalities_seconds:g} s (PROXY_EXACT_MODALITIES_SECONDS)"
    if wants_exact:
        return (
            f"Learned: upstream refused {model_id} a part of its outputs, so for {lasting} "
            "it is asked for all of them.\n"
        )
    return (
        f"If upstream refuses it, the proxy sends {list(every)} at once instead, and so asks "
        f"{model_id} for {lasting}.\n"
    )
