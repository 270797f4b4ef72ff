"""Plan what else changes in a body on its way upstream, once `modalities` is decided.

Two more things OpenRouter refuses that the proxy can mend (see `docs/openrouter.md`):
tools sent to an image model that does not take them (404 "No endpoints found that support tool
use"), and audio asked without `stream: true`. Pure: the route applies the plan and does the I/O.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, Self

import orjson

from app.catalog.records import Model
from app.errors import ClientError
from app.policy import fallbacks
from app.policy.modalities import MISSING, Action, Decision
from app.translate import json_patch

TOOL_PARAMETERS: Final = ("tools", "tool_choice", "parallel_tool_calls")
# The prompt: what makes a body big (base64 images), and what no plan reads.
PROMPT_FIELDS: Final = frozenset({"messages", "input"})


@dataclass(frozen=True, slots=True)
class Call:
    """One request body being planned, which plans leave as it is.

    It holds the bytes as the client sent them, the top-level fields plans read (`payload`: the
    JSON object they hold less the prompt, `PROMPT_FIELDS`), the model it names, and its
    `modalities` as the client sent them (`MISSING` without the field). The call lives as long
    as the exchange (a retry or the next model of a fallback list plans it again): without the
    prompt, a parsed copy of its images is not held beside the body while it is sent.
    """

    body: bytes
    payload: dict[str, Any]
    model_id: str | None
    requested: object

    @classmethod
    def of(cls, body: bytes, payload: dict[str, Any]) -> Self:
        """Return the call for `payload`, parsed from `body`.

        Raises ClientError for a `model` that is not a string.
        """
        model_id = payload.get("model")
        if model_id is not None and not isinstance(model_id, str):
            raise ClientError("`model` must be a string", "invalid_model")
        fields = {name: value for name, value in payload.items() if name not in PROMPT_FIELDS}
        return cls(body, fields, model_id, payload.get("modalities", MISSING))

    def alone(self, model_id: str) -> Self:
        """Return this call of a `models` fallback list asking `model_id` alone.

        Its body is the client's, edited in its bytes (`app.translate.json_patch`).
        """
        single = fallbacks.for_one(self.payload, model_id)
        edited = json_patch.edit(self.body, {"model": orjson.dumps(model_id)}, ("models",))
        return self.of(edited, single)


def tools_to_drop(
    present: Collection[str], outputs: Sequence[str], supported: Collection[str]
) -> tuple[str, ...]:
    """Return the tool parameters among `present` (the body's keys) to remove for a model.

    The model outputs `outputs` and takes `supported`: all of them go when it outputs images
    and does not take `tools`, else none.
    """
    if "image" not in outputs or "tools" in supported:
        return ()
    return tuple(name for name in TOOL_PARAMETERS if name in present)


def outgoing_modalities(decision: Decision, requested: object) -> tuple[str, ...]:
    """Return the `modalities` the body carries upstream after `decision` on `requested`."""
    if decision.action in (Action.REWRITE, Action.SUBSET):
        return decision.modalities
    if decision.action is Action.UNCHANGED and isinstance(requested, list):
        return tuple(item for item in requested if isinstance(item, str))
    return ()


def needs_assembly(modalities: Collection[str], stream: object) -> bool:
    """Return whether the answer must be streamed upstream and assembled for the client.

    That is when audio is asked (upstream produces it only streamed) and the client did not ask
    to stream.
    """
    return "audio" in modalities and stream is not True


@dataclass(frozen=True, slots=True)
class Plan:
    """The changes to one chat body: `decision` on `modalities`, parameters to drop, and
    whether to ask upstream for a stream that the proxy assembles."""

    decision: Decision
    dropped: tuple[str, ...] = ()
    assemble: bool = False

    @property
    def changes_body(self) -> bool:
        """Whether the body sent differs from the client's."""
        return not self.decision.keeps_body or bool(self.dropped) or self.assemble

    def body(self, original: bytes) -> bytes | json_patch.Pieces:
        """Return the body to send: `original` itself when nothing changes.

        Else `original` with the changed top-level fields edited in its bytes and every other
        byte the client's, as the pieces that make it (`app.translate.json_patch`). `original`
        must have parsed as a JSON object.
        """
        if not self.changes_body:
            return original
        replace: dict[str, bytes] = {}
        remove = list(self.dropped)
        if self.decision.action is Action.REWRITE:
            replace["modalities"] = orjson.dumps(list(self.decision.modalities))
        elif self.decision.action is Action.DROP:
            remove.append("modalities")
        if self.assemble:
            replace["stream"] = b"true"
        return json_patch.edited_pieces(original, replace, remove)


class Planner(Protocol):
    """What a route changes in a body besides `modalities`, built once for the app's life."""

    def plan(self, payload: dict[str, Any], decision: Decision, model: Model | None) -> Plan:
        """Plan `payload` once `decision` is made for `model` (None: not in the catalog)."""
        ...


def make_plan(
    payload: dict[str, Any], decision: Decision, model: Model | None, drop_tools: bool
) -> Plan:
    """Plan a chat body: `decision`, tools dropped, and audio assembled.

    With `drop_tools` (the setting `proxy_drop_tools_for_image_models`), the tools an image model
    does not take are dropped (none for a model not in the catalog); audio is assembled when the
    client did not ask to stream it.
    """
    dropped: tuple[str, ...] = ()
    if model is not None and drop_tools:
        dropped = tools_to_drop(payload, model.output_modalities, model.supported_parameters)
    modalities = outgoing_modalities(decision, payload.get("modalities"))
    return Plan(decision, dropped, needs_assembly(modalities, payload.get("stream")))


@dataclass(frozen=True, slots=True)
class ChatPlanner:
    """Plan chat bodies (`make_plan`) with the setting `proxy_drop_tools_for_image_models`."""

    drop_tools: bool

    def plan(self, payload: dict[str, Any], decision: Decision, model: Model | None) -> Plan:
        return make_plan(payload, decision, model, self.drop_tools)


class ResponsesPlanner:
    """Plan Responses API bodies: `decision` alone.

    Their tools differ from chat's (built-in ones among them) and OpenRouter's tool filter is
    recorded for chat only, so none are dropped; the API returns no audio, so there is nothing
    to assemble.
    """

    def plan(self, payload: dict[str, Any], decision: Decision, model: Model | None) -> Plan:
        return Plan(decision)
