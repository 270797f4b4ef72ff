"""The modality policy, table-driven: (requested, model outputs) -> what is sent upstream."""

import pytest

from app.modalities import MISSING, Action, Decision, decide
from app.settings import OnUnsupported

FLUX = ("image",)
GEMINI_IMAGE = ("image", "text")
TEXT = ("text",)
TEXT_AUDIO = ("text", "audio")
EMBEDDINGS = ("embeddings",)
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
        (Decision(Action.UNCHANGED, ""), True, "unchanged"),
        (Decision(Action.UNCHANGED, ""), False, "none"),
        (Decision(Action.DROP, ""), True, "none"),
        (Decision(Action.REJECT, ""), True, "none"),
    ],
)
def test_header_says_what_was_sent(decision: Decision, field_present: bool, header: str) -> None:
    assert decision.header(field_present) == header
