"""The modality policy, table-driven: (requested, model outputs) -> what is sent upstream."""

import pytest

from app.catalog.records import Model
from app.policy.modalities import (
    CHAT_MODALITIES,
    MISSING,
    RESPONSES_MODALITIES,
    Action,
    Decision,
    Policy,
    decide,
)
from app.settings import OnUnsupported

FLUX = ("image",)
GEMINI_IMAGE = ("image", "text")
TEXT = ("text",)
TEXT_AUDIO = ("text", "audio")
EMBEDDINGS = ("embeddings",)
ALL_THREE = ("text", "image", "audio")  # no such model yet: the case that sets the APIs apart
REJECT, DROP, PASS = OnUnsupported.REJECT, OnUnsupported.DROP, OnUnsupported.PASSTHROUGH

CASES = [
    # requested, model id, outputs, on_unsupported, action, modalities sent on rewrite
    (MISSING, "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.UNCHANGED, ()),
    (["image", "text"], "unknown/model", None, REJECT, Action.UNCHANGED, ()),
    (["image"], "openrouter/auto", ("text", "image"), REJECT, Action.UNCHANGED, ()),
    (["image"], "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.UNCHANGED, ()),
    (
        ["text", "image"],
        "google/gemini-2.5-flash-image",
        GEMINI_IMAGE,
        REJECT,
        Action.UNCHANGED,
        (),
    ),
    (["image", "image"], "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.UNCHANGED, ()),
    (["image", "text"], "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.REWRITE, FLUX),
    (
        ["image"],
        "google/gemini-2.5-flash-image",
        GEMINI_IMAGE,
        REJECT,
        Action.REWRITE,
        GEMINI_IMAGE,
    ),
    (["audio"], "openai/gpt-audio", TEXT_AUDIO, REJECT, Action.REWRITE, TEXT_AUDIO),
    (
        ["image", "audio"],
        "google/gemini-2.5-flash-image",
        GEMINI_IMAGE,
        REJECT,
        Action.REWRITE,
        GEMINI_IMAGE,
    ),
    (["image", "text"], "openai/gpt-5", TEXT, REJECT, Action.DROP, ()),
    (["text"], "google/gemini-2.5-flash-image", GEMINI_IMAGE, REJECT, Action.DROP, ()),
    (["text", "audio"], "openai/gpt-5", TEXT, REJECT, Action.DROP, ()),
    ([], "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.DROP, ()),
    ([], "unknown/model", None, REJECT, Action.DROP, ()),
    (["image"], "openai/gpt-5", TEXT, REJECT, Action.REJECT, ()),
    (["text"], "openai/text-embedding-3", EMBEDDINGS, REJECT, Action.REJECT, ()),
    (["text"], "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.REJECT, ()),
    (["video"], "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.REJECT, ()),
    (["image"], "openai/gpt-5", TEXT, DROP, Action.DROP, ()),
    (["image"], "openai/gpt-5", TEXT, PASS, Action.UNCHANGED, ()),
    (
        ["image"],
        "black-forest-labs/flux.2-pro",
        ("image", "decisions"),
        REJECT,
        Action.UNCHANGED,
        (),
    ),
    ("image", "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.INVALID, ()),
    ([1], "black-forest-labs/flux.2-pro", FLUX, REJECT, Action.INVALID, ()),
    (None, "unknown/model", None, REJECT, Action.INVALID, ()),
    ({"image": True}, "openrouter/auto", ("text", "image"), REJECT, Action.INVALID, ()),
]


@pytest.mark.parametrize(
    ("requested", "model_id", "outputs", "on_unsupported", "action", "sent"), CASES
)
def test_decide(
    requested: object,
    model_id: str,
    outputs: tuple[str, ...] | None,
    on_unsupported: OnUnsupported,
    action: Action,
    sent: tuple[str, ...],
) -> None:
    decision = decide(requested, model_id, outputs, on_unsupported)
    assert (decision.action, decision.modalities) == (action, sent)
    assert decision.reason


# The Responses API's `modalities` names only text and image: what a model outputs beyond them
# (audio) is never asked for there. Chat's answer for the same request is in the comment.
RESPONSES_CASES = [
    # requested, outputs, action, modalities sent on rewrite
    (["image", "text"], FLUX, Action.REWRITE, FLUX),  # chat: the same
    (["image"], GEMINI_IMAGE, Action.REWRITE, GEMINI_IMAGE),  # chat: the same
    (["image", "text"], TEXT, Action.DROP, ()),  # chat: the same
    (["image"], ALL_THREE, Action.REWRITE, ("text", "image")),  # chat: text, image and audio
    (["image", "text"], ALL_THREE, Action.UNCHANGED, ()),  # chat: text, image and audio
    (["text"], TEXT_AUDIO, Action.UNCHANGED, ()),  # chat: dropped
    (["image", "text"], TEXT_AUDIO, Action.DROP, ()),  # chat: the same
    (["image", "audio"], GEMINI_IMAGE, Action.REWRITE, GEMINI_IMAGE),  # chat: the same
    (["audio"], TEXT_AUDIO, Action.REJECT, ()),  # chat: text and audio
    (["image"], TEXT, Action.REJECT, ()),  # chat: the same
]


@pytest.mark.parametrize(("requested", "outputs", "action", "sent"), RESPONSES_CASES)
def test_decide_for_the_responses_api(
    requested: list[str], outputs: tuple[str, ...], action: Action, sent: tuple[str, ...]
) -> None:
    decision = decide(requested, "some/model", outputs, REJECT, RESPONSES_MODALITIES)
    assert (decision.action, decision.modalities) == (action, sent)


# Where the caller may send a part of the model's outputs as asked (`subsets`): what changes,
# and what does not. The chat API's names unless the row says Responses.
SUBSET_CASES = [
    # requested, outputs, api, action, modalities sent (on rewrite, or as asked)
    (["image"], GEMINI_IMAGE, CHAT_MODALITIES, Action.SUBSET, ("image",)),  # without: rewritten
    (["image", "image"], GEMINI_IMAGE, CHAT_MODALITIES, Action.SUBSET, ("image",)),
    (["image"], ALL_THREE, CHAT_MODALITIES, Action.SUBSET, ("image",)),
    (["image", "text"], ALL_THREE, CHAT_MODALITIES, Action.SUBSET, ("text", "image")),
    (["text", "audio"], ALL_THREE, CHAT_MODALITIES, Action.SUBSET, ("text", "audio")),
    (["image"], ALL_THREE, RESPONSES_MODALITIES, Action.SUBSET, ("image",)),
    (["text"], GEMINI_IMAGE, CHAT_MODALITIES, Action.DROP, ()),  # text alone: the default
    (["audio"], TEXT_AUDIO, CHAT_MODALITIES, Action.REWRITE, TEXT_AUDIO),  # with its transcript
    (["image", "audio"], ALL_THREE, CHAT_MODALITIES, Action.REWRITE, ALL_THREE),
    (["image", "text"], FLUX, CHAT_MODALITIES, Action.REWRITE, FLUX),  # a superset: fitted
    (["image", "audio"], GEMINI_IMAGE, CHAT_MODALITIES, Action.REWRITE, GEMINI_IMAGE),
    (["image", "text"], GEMINI_IMAGE, CHAT_MODALITIES, Action.UNCHANGED, ()),
    (["image", "text"], ALL_THREE, RESPONSES_MODALITIES, Action.UNCHANGED, ()),
    (["image"], TEXT, CHAT_MODALITIES, Action.REJECT, ()),
    (["image"], None, CHAT_MODALITIES, Action.UNCHANGED, ()),  # not in the catalog
    ([], GEMINI_IMAGE, CHAT_MODALITIES, Action.DROP, ()),
]


@pytest.mark.parametrize(("requested", "outputs", "api", "action", "sent"), SUBSET_CASES)
def test_decide_where_a_subset_may_go_as_asked(
    requested: list[str],
    outputs: tuple[str, ...] | None,
    api: frozenset[str],
    action: Action,
    sent: tuple[str, ...],
) -> None:
    decision = decide(requested, "some/model", outputs, REJECT, api, subsets=True)
    assert (decision.action, decision.modalities) == (action, sent)


def test_a_subset_sent_says_what_the_model_outputs_and_what_part_is_asked() -> None:
    decision = decide(
        ["image"], "google/gemini-2.5-flash-image", GEMINI_IMAGE, REJECT, subsets=True
    )
    assert decision.reason == (
        "google/gemini-2.5-flash-image outputs image and text; the request asks for a part: image"
    )
    assert decision.header(field_present=True) == "image"
    assert decision.keeps_body


def test_a_router_routes_a_subset_itself() -> None:
    decision = decide(["image"], "openrouter/auto", ("text", "image"), REJECT, subsets=True)
    assert decision.action is Action.UNCHANGED


def test_rejection_of_what_the_api_cannot_return_says_what_it_can() -> None:
    reason = decide(["audio"], "openai/gpt-audio", TEXT_AUDIO, REJECT, RESPONSES_MODALITIES).reason
    assert reason == (
        "Model openai/gpt-audio outputs text and audio, not audio: "
        "`modalities` here names only image and text"
    )


def test_rewrite_keeps_the_catalog_order() -> None:
    decision = decide(["image"], "openrouter-like/model", ("text", "image"), REJECT)
    assert decision.modalities == ("text", "image")


def test_rejection_names_the_model_its_outputs_and_where_to_look() -> None:
    reason = decide(["image"], "openai/gpt-5", TEXT, REJECT).reason
    assert "openai/gpt-5" in reason
    assert "outputs text" in reason
    assert "GET /v1/models?output_modalities=image" in reason


def test_rejection_of_a_model_without_chat_outputs_says_so() -> None:
    reason = decide(["text"], "openai/text-embedding-3", EMBEDDINGS, REJECT).reason
    assert "outputs embeddings" in reason


@pytest.mark.parametrize(
    ("decision", "field_present", "header"),
    [
        (Decision(Action.REWRITE, "", ("image", "text")), True, "image,text"),
        (Decision(Action.SUBSET, "", ("image",)), True, "image"),
        (Decision(Action.UNCHANGED, ""), True, "unchanged"),
        (Decision(Action.UNCHANGED, ""), False, "none"),
        (Decision(Action.DROP, ""), True, "none"),
        (Decision(Action.REJECT, ""), True, "none"),
    ],
)
def test_header_says_what_was_sent(decision: Decision, field_present: bool, header: str) -> None:
    assert decision.header(field_present) == header


def test_a_policy_decides_for_a_model_record_with_its_routes_modalities() -> None:
    flux = Model("black-forest-labs/flux.2-pro", ("image",))
    chat = Policy(OnUnsupported.REJECT)
    assert chat.decide(["image", "text"], flux.id, flux).modalities == ("image",)
    assert chat.decide(["image"], "a/unknown", None).action is Action.UNCHANGED
    gemini = Model("google/gemini-2.5-flash-image", ("image", "text"))
    assert chat.decide(["image"], gemini.id, gemini).modalities == ("image", "text")
    assert chat.decide(["image"], gemini.id, gemini, subsets=True).action is Action.SUBSET
    speech = Model("a/speech", ("text", "audio"))
    responses = Policy(OnUnsupported.REJECT, RESPONSES_MODALITIES)
    assert responses.decide(["text", "audio"], speech.id, speech).action is Action.DROP


def test_the_action_names_clients_and_logs_read() -> None:
    # The error codes `modalities_rejected` and `modalities_invalid`, the access log's
    # `decision` and the model explanation all spell the action by these names.
    assert [action.value for action in Action] == [
        "unchanged",
        "subset",
        "rewritten",
        "dropped",
        "rejected",
        "invalid",
    ]


@pytest.mark.parametrize(
    ("requested", "outputs", "reason"),
    [
        (MISSING, FLUX, "the request has no modalities field"),
        ("image", FLUX, "`modalities` must be a list of strings"),  # the 400's message
        ([], FLUX, "an empty modalities list means the default (text)"),
        (
            ["image"],
            (),
            "Model some/model outputs nothing, not image. "
            "List the models that do with GET /v1/models?output_modalities=image",
        ),
        (
            ["audio", "text", "image"],
            EMBEDDINGS,
            "Model some/model outputs embeddings, not audio and image and text. "
            "List the models that do with GET /v1/models?output_modalities=audio,image,text",
        ),
    ],
)
def test_the_reasons_the_model_explanation_and_the_400s_give(
    requested: object, outputs: tuple[str, ...], reason: str
) -> None:
    assert decide(requested, "some/model", outputs, REJECT).reason == reason
