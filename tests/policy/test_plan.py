"""A chat body being planned: the call, and what else changes in it, table-driven: dropped tool
parameters, audio streamed."""

import json
from typing import Any

import orjson
import pytest

from app.catalog.records import Model
from app.errors import ClientError
from app.policy.modalities import MISSING, Action, Decision
from app.policy.plan import (
    Call,
    ChatPlanner,
    Plan,
    ResponsesPlanner,
    make_plan,
    needs_assembly,
    outgoing_modalities,
    tools_to_drop,
)

ALL_TOOLS = {"tools": [], "tool_choice": "auto", "parallel_tool_calls": False, "model": "m"}
WITH_TOOLS = frozenset({"tools", "tool_choice", "seed"})


@pytest.mark.parametrize(
    ("present", "outputs", "supported", "dropped"),
    [
        (ALL_TOOLS, ("image",), {"seed"}, ("tools", "tool_choice", "parallel_tool_calls")),
        (
            ALL_TOOLS,
            ("image", "text"),
            frozenset(),
            ("tools", "tool_choice", "parallel_tool_calls"),
        ),
        ({"tool_choice": "none", "model": "m"}, ("image",), {"seed"}, ("tool_choice",)),
        ({"model": "m"}, ("image",), {"seed"}, ()),
        (ALL_TOOLS, ("image", "text"), WITH_TOOLS, ()),
        (ALL_TOOLS, ("text",), {"seed"}, ()),  # OpenRouter's own 404 says more than silence
        (ALL_TOOLS, ("text", "audio"), {"seed"}, ()),
    ],
)
def test_tools_to_drop(
    present: dict[str, Any], outputs: tuple[str, ...], supported: frozenset[str], dropped: Any
) -> None:
    assert tools_to_drop(present, outputs, supported) == dropped


UNCHANGED = Decision(Action.UNCHANGED, "")
DROP = Decision(Action.DROP, "")
TO_AUDIO = Decision(Action.REWRITE, "", ("text", "audio"))
IMAGE_AS_ASKED = Decision(Action.SUBSET, "", ("image",))


@pytest.mark.parametrize(
    ("decision", "requested", "sent"),
    [
        (UNCHANGED, ["text", "audio"], ("text", "audio")),
        (UNCHANGED, ["audio", 3], ("audio",)),  # passthrough of an unsupported value
        (UNCHANGED, None, ()),
        (TO_AUDIO, ["audio"], ("text", "audio")),
        (DROP, ["text", "audio"], ()),
        (IMAGE_AS_ASKED, ["image", "image"], ("image",)),
    ],
)
def test_outgoing_modalities(decision: Decision, requested: object, sent: tuple[str, ...]) -> None:
    assert outgoing_modalities(decision, requested) == sent


@pytest.mark.parametrize(
    ("modalities", "stream", "assemble"),
    [
        (("text", "audio"), None, True),
        (("text", "audio"), False, True),
        (("text", "audio"), "yes", True),  # only `true` streams
        (("text", "audio"), True, False),
        (("image", "text"), None, False),
        ((), None, False),
    ],
)
def test_needs_assembly(modalities: tuple[str, ...], stream: object, assemble: bool) -> None:
    assert needs_assembly(modalities, stream) is assemble


FLUX = Model("black-forest-labs/flux.2-pro", ("image",), supported_parameters=frozenset({"seed"}))
GPT_AUDIO = Model("openai/gpt-audio", ("text", "audio"), supported_parameters=WITH_TOOLS)


@pytest.mark.parametrize(
    ("payload", "decision", "model", "drop_tools", "plan"),
    [
        ({"tools": []}, UNCHANGED, FLUX, True, Plan(UNCHANGED, ("tools",))),
        ({"tools": []}, UNCHANGED, FLUX, False, Plan(UNCHANGED)),
        ({"tools": []}, UNCHANGED, None, True, Plan(UNCHANGED)),
        (
            {"tools": [], "modalities": ["audio"]},
            TO_AUDIO,
            GPT_AUDIO,
            True,
            Plan(TO_AUDIO, assemble=True),
        ),
        (
            {"modalities": ["text", "audio"], "stream": True},
            UNCHANGED,
            GPT_AUDIO,
            True,
            Plan(UNCHANGED),
        ),
        (  # the audio model asked for what it outputs: still only streamed, so assembled
            {"modalities": ["text", "audio"]},
            UNCHANGED,
            GPT_AUDIO,
            True,
            Plan(UNCHANGED, assemble=True),
        ),
    ],
)
def test_make_plan(
    payload: dict[str, Any], decision: Decision, model: Model | None, drop_tools: bool, plan: Plan
) -> None:
    assert make_plan(payload, decision, model, drop_tools) == plan


@pytest.mark.parametrize(
    ("drop_tools", "plan"),
    [
        (True, Plan(UNCHANGED, ("tools", "tool_choice", "parallel_tool_calls"))),
        (False, Plan(UNCHANGED)),
    ],
)
def test_the_chat_planner_drops_tools_as_its_setting_says(drop_tools: bool, plan: Plan) -> None:
    assert ChatPlanner(drop_tools).plan(ALL_TOOLS, UNCHANGED, FLUX) == plan


@pytest.mark.parametrize(
    ("payload", "decision", "model"),
    [
        (ALL_TOOLS, UNCHANGED, FLUX),  # tools the image model does not take: kept
        ({"modalities": ["text", "audio"]}, TO_AUDIO, GPT_AUDIO),  # audio unstreamed: not assembled
        ({}, DROP, None),
    ],
)
def test_the_responses_planner_changes_nothing_but_modalities(
    payload: dict[str, Any], decision: Decision, model: Model | None
) -> None:
    assert ResponsesPlanner().plan(payload, decision, model) == Plan(decision)


ORIGINAL = (
    b'{"model": "m",  "modalities": ["image","text"], "tools": [], "tool_choice": "auto",'
    b' "n": 123456789012345678901234567890}'
)
BIG = 123456789012345678901234567890


@pytest.mark.parametrize(
    ("plan", "sent"),
    [
        (Plan(UNCHANGED), None),  # the original bytes
        (Plan(IMAGE_AS_ASKED), None),
        (
            Plan(UNCHANGED, ("tools", "tool_choice")),
            {"model": "m", "modalities": ["image", "text"], "n": BIG},
        ),
        (
            Plan(Decision(Action.REWRITE, "", ("image",)), ("tools",)),
            {"model": "m", "modalities": ["image"], "tool_choice": "auto", "n": BIG},
        ),
        (
            Plan(DROP, assemble=True),
            {"model": "m", "tools": [], "tool_choice": "auto", "n": BIG, "stream": True},
        ),
    ],
)
def test_the_body_is_edited_only_when_it_changes(plan: Plan, sent: dict[str, Any] | None) -> None:
    """Only the changed fields' bytes change: an integer beyond 64 bits stays exact."""
    body = plan.body(ORIGINAL)
    if sent is None:
        assert body is ORIGINAL
    else:
        assert isinstance(body, tuple)
        joined = b"".join(body)
        assert json.loads(joined) == sent
        assert b'"n": 123456789012345678901234567890' in joined


def test_a_call_keeps_its_bytes_model_and_requested_modalities() -> None:
    payload = {"model": "a/b", "modalities": ["image"]}
    call = Call.of(b"raw", payload)
    assert (call.body, call.model_id, call.requested) == (b"raw", "a/b", ["image"])
    assert Call.of(b"{}", {}).requested is MISSING


def test_a_model_that_is_not_a_string_is_the_clients_mistake() -> None:
    with pytest.raises(ClientError, match="`model` must be a string"):
        Call.of(b"", {"model": 7})


def test_a_call_asks_one_model_of_its_fallback_list_alone() -> None:
    payload = {"model": "a/b", "models": ["c/d"], "modalities": ["text"]}
    alone = Call.of(json.dumps(payload).encode(), payload).alone("c/d")
    assert alone.payload == {"model": "c/d", "modalities": ["text"]}
    assert json.loads(alone.body) == alone.payload
    assert alone.model_id == "c/d"


def test_a_call_holds_the_body_and_what_plans_read() -> None:
    """The prompt is left out of the parsed fields a call keeps through the exchange (a 5 MiB
    image would otherwise be held twice while the body is sent); the body keeps it."""
    payload = {"model": "m", "messages": [{"role": "user"}], "input": "x", "tools": [], "n": 1}
    call = Call.of(orjson.dumps(payload), payload)
    assert call.payload == {"model": "m", "tools": [], "n": 1}
    assert orjson.loads(call.body) == payload
    assert call.alone("b").payload == {"model": "b", "tools": [], "n": 1}


@pytest.mark.parametrize(
    ("payload", "model_id", "requested"),
    [
        ({"model": "m", "modalities": ["image"]}, "m", ["image"]),
        ({"model": "m", "modalities": None}, "m", None),  # null is a value: invalid, not absent
        ({"stream": True}, None, MISSING),
    ],
)
def test_a_call_reads_its_model_and_modalities(
    payload: dict[str, Any], model_id: str | None, requested: object
) -> None:
    assert Call.of(b"{}", payload) == Call(b"{}", payload, model_id, requested)


@pytest.mark.parametrize("model", [5, ["m"], {"id": "m"}])
def test_a_model_that_is_not_a_string_is_a_400(model: object) -> None:
    with pytest.raises(ClientError) as refused:
        Call.of(b"{}", {"model": model})
    assert (refused.value.status, refused.value.code, refused.value.message) == (
        400,
        "invalid_model",
        "`model` must be a string",
    )


def test_a_call_of_a_fallback_list_asks_one_model_alone() -> None:
    body = b'{"model": "a", "models": ["a", "b"], "n": 123456789012345678901234567890}'
    call = Call.of(body, json.loads(body)).alone("b")
    assert call.model_id == "b"
    assert json.loads(call.body) == {"model": "b", "n": 123456789012345678901234567890}
    assert call.payload == json.loads(call.body)
