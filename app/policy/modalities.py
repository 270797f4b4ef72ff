"""The modality policy: what `modalities` to send upstream for one request to one model.

OpenRouter routes a chat request only to endpoints whose output modalities include the requested
ones, and for some models (or at some times) only to those whose outputs equal them: a superset
is always refused, a subset by some. So the value that works depends on the model. `decide` is a
pure function of the request's value, the model's catalog entry and the API's own modalities;
everything around it (parsing, catalog lookup, forwarding, the models learned to want their exact
set) is I/O.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from app.catalog.records import Model
from app.settings import OnUnsupported

CHAT_MODALITIES: Final = frozenset({"text", "image", "audio"})
# The Responses API returns no audio: `modalities` there names only these (docs/openrouter.md).
RESPONSES_MODALITIES: Final = frozenset({"text", "image"})
ROUTER_PREFIX: Final = "openrouter/"


class Action(StrEnum):
    """What a decision does to the body's `modalities`; the value names it in `modality-proxy
    explain` and in a refusal's code (`modalities_rejected`)."""

    UNCHANGED = "unchanged"  # forward the original bytes
    SUBSET = "subset"  # forward the original bytes: a part of the model's outputs, as asked
    REWRITE = "rewritten"  # set `modalities` to `Decision.modalities`
    DROP = "dropped"  # remove the `modalities` field
    REJECT = "rejected"  # answer 400 locally: the model cannot produce what was asked
    INVALID = "invalid"  # answer 400 locally: `modalities` is malformed


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do with one request's `modalities`, and why (in words: a refusal's message)."""

    action: Action
    reason: str
    modalities: tuple[str, ...] = ()  # what is sent, for REWRITE and SUBSET only

    @property
    def keeps_body(self) -> bool:
        """Whether the body goes upstream as the client sent it."""
        return self.action in (Action.UNCHANGED, Action.SUBSET)

    def header(self, field_present: bool) -> str:
        """Return the `X-Modalities` value: what was sent upstream, or `unchanged` / `none`."""
        if self.action in (Action.REWRITE, Action.SUBSET):
            return ",".join(self.modalities)
        if self.action is Action.UNCHANGED and field_present:
            return "unchanged"
        return "none"


class _Missing:
    """Marks a request without a `modalities` field (distinct from `null` or `[]`)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def decide(
    requested: object,
    model_id: str,
    outputs: Sequence[str] | None,
    on_unsupported: OnUnsupported,
    api: frozenset[str] = CHAT_MODALITIES,
    subsets: bool = False,
) -> Decision:
    """Decide what to send for `requested` (the raw JSON value, or `MISSING`).

    `outputs` is the model's `architecture.output_modalities` in catalog order, or None when the
    model is unknown. `api` is what the API's `modalities` can name: a rewrite sends only the
    model's outputs among them (flux and audio models alike, `RESPONSES_MODALITIES` leaves out
    audio). Unknown and router models (`openrouter/*`, which route by the requested modalities
    themselves) keep the request as it is; so does a request without the field.

    A part of the model's outputs (Gemini image asked `["image"]`) goes as asked with `subsets`
    (`Action.SUBSET`): the caller then sends the whole set if upstream refuses it. Without
    `subsets` (a caller that could not, or a model known to want its exact set) the whole set
    is sent, as for a superset. Either way text alone is dropped (the default, never refused),
    and audio without text gets text (audio comes with its transcript: OpenRouter documents
    audio output as `["text", "audio"]`).
    """
    if requested is MISSING:
        return Decision(Action.UNCHANGED, "the request has no modalities field")
    wanted = _as_modality_list(requested)
    if wanted is None:
        return Decision(Action.INVALID, "`modalities` must be a list of strings")
    if not wanted:
        return Decision(Action.DROP, "an empty modalities list means the default (text)")
    if outputs is None:
        return Decision(Action.UNCHANGED, f"{model_id} is not in the catalog")
    if model_id.startswith(ROUTER_PREFIX):
        return Decision(Action.UNCHANGED, f"{model_id} routes by the requested modalities itself")
    served = tuple(m for m in outputs if m in api)
    if subsets and _sent_as_asked(frozenset(wanted), frozenset(served)):
        kept = tuple(m for m in served if m in wanted)
        reason = f"{model_id} outputs {_words(served)}; the request asks for a part: {_words(kept)}"
        return Decision(Action.SUBSET, reason, modalities=kept)
    return _match(frozenset(wanted), model_id, outputs, on_unsupported, api)


def _sent_as_asked(wanted: frozenset[str], served: frozenset[str]) -> bool:
    """Return whether `wanted` is a part of what the model serves that may go as asked.

    Text alone may not (it is dropped instead), nor audio without text.
    """
    transcript = "text" in wanted or "audio" not in wanted
    return wanted < served and wanted != {"text"} and transcript


def _match(
    wanted: frozenset[str],
    model_id: str,
    outputs: Sequence[str],
    on_unsupported: OnUnsupported,
    api: frozenset[str],
) -> Decision:
    served = tuple(m for m in outputs if m in api)
    if wanted == frozenset(served):
        return Decision(Action.UNCHANGED, f"{model_id} outputs exactly what was asked")
    shared = wanted.intersection(served)
    if shared == {"text"}:
        return Decision(
            Action.DROP, f"{model_id} shares only text with the request; text is the default"
        )
    if shared:
        return Decision(Action.REWRITE, f"{model_id} outputs {_words(served)}", modalities=served)
    return _unsupported(wanted, model_id, outputs, on_unsupported, api)


def _unsupported(
    wanted: frozenset[str],
    model_id: str,
    outputs: Sequence[str],
    on_unsupported: OnUnsupported,
    api: frozenset[str],
) -> Decision:
    if on_unsupported is OnUnsupported.DROP:
        return Decision(Action.DROP, f"{model_id} cannot output {_words(wanted)}; dropped")
    if on_unsupported is OnUnsupported.PASSTHROUGH:
        return Decision(Action.UNCHANGED, f"{model_id} cannot output {_words(wanted)}; passed on")
    refusal = f"Model {model_id} outputs {_words(outputs)}, not {_words(wanted)}"
    if not wanted <= api:  # no model would do: say what this API can return instead
        return Decision(Action.REJECT, f"{refusal}: `modalities` here names only {_words(api)}")
    asked = ",".join(sorted(wanted))
    return Decision(
        Action.REJECT,
        f"{refusal}. List the models that do with GET /v1/models?output_modalities={asked}",
    )


def _as_modality_list(value: object) -> list[str] | None:
    """Return `value` as a list of strings, or None when it is anything else."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def _words(modalities: Sequence[str] | frozenset[str]) -> str:
    names = list(modalities) if isinstance(modalities, Sequence) else sorted(modalities)
    return " and ".join(names) if names else "nothing"


@dataclass(frozen=True, slots=True)
class Policy:
    """`decide` with what one route fixes: the setting for what a model cannot produce, and what
    the route's `modalities` can name."""

    on_unsupported: OnUnsupported
    names: frozenset[str] = CHAT_MODALITIES

    def decide(
        self, requested: object, model_id: str, model: Model | None, subsets: bool = False
    ) -> Decision:
        """Decide what to send for `requested` to `model_id`, as the module's `decide` does.

        `model` is its catalog record (None: unknown).
        """
        outputs = model.output_modalities if model else None
        return decide(requested, model_id, outputs, self.on_unsupported, self.names, subsets)
