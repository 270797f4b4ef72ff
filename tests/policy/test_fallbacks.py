"""`models` fallback lists, the pure choices (app/policy/fallbacks.py): which models to try, in
what order, whether one body suits them all, and which answers move on to the next."""

from typing import Any

import pytest

from app.errors import ProxyError
from app.policy import fallbacks
from app.policy.modalities import MISSING, Action, Decision


@pytest.mark.parametrize(
    ("payload", "order"),
    [
        ({"model": "a"}, None),
        ({"models": ["a", "b"]}, ["a", "b"]),
        ({"model": "a", "models": ["b", "c"]}, ["a", "b", "c"]),
        ({"model": "b", "models": ["a", "b"]}, ["b", "a"]),
        ({"models": ["a", "b", "a", "c", "b"]}, ["a", "b", "c"]),
        ({"model": "a", "models": ["b", "c", "d"]}, ["a", "b", "c", "d"]),
    ],
)
def test_the_models_to_try(payload: dict[str, Any], order: list[str] | None) -> None:
    assert fallbacks.candidates(payload, limit=4) == order


@pytest.mark.parametrize(
    "payload", [{"models": ["a", "b", "c"]}, {"model": "a", "models": ["b", "c"]}]
)
def test_a_list_of_more_models_than_the_limit_is_a_400(payload: dict[str, Any]) -> None:
    with pytest.raises(ProxyError, match="at most 2") as refused:
        fallbacks.candidates(payload, limit=2)
    assert refused.value.code == "too_many_models"


@pytest.mark.parametrize("models", ["a", [1], [""], {"a": 1}])
def test_a_models_field_that_is_not_a_list_of_ids_is_a_400(models: object) -> None:
    with pytest.raises(ProxyError) as raised:
        fallbacks.candidates({"models": models}, limit=4)
    refusal = raised.value
    assert (refusal.status, refusal.code) == (400, "invalid_models")  # clients branch on the code
    assert refusal.message == "`models` must be a list of model ids"


@pytest.mark.parametrize("model", ["", None, 7])
def test_a_model_that_names_nothing_is_not_tried_first(model: object) -> None:
    assert fallbacks.candidates({"model": model, "models": ["a"]}, limit=4) == ["a"]


UNCHANGED = Decision(Action.UNCHANGED, "")
IMAGE = Decision(Action.REWRITE, "", ("image",))
IMAGE_TEXT = Decision(Action.REWRITE, "", ("image", "text"))
DROP = Decision(Action.DROP, "")
REJECT = Decision(Action.REJECT, "no")


@pytest.mark.parametrize(
    ("decisions", "requested", "agree"),
    [
        ([UNCHANGED, UNCHANGED], ["image"], True),
        ([UNCHANGED, IMAGE], ["image"], True),  # both send ["image"]
        ([UNCHANGED, IMAGE], ["image", "text"], False),
        ([IMAGE, IMAGE_TEXT], ["image"], False),
        ([DROP, DROP], ["image", "text"], True),
        ([DROP, UNCHANGED], MISSING, False),
        ([REJECT, REJECT], ["audio"], True),  # the same refusal: one local 400
        ([REJECT, IMAGE], ["image", "text"], False),
        ([UNCHANGED], ["text"], True),
    ],
)
def test_when_one_body_suits_every_model(
    decisions: list[Decision], requested: object, agree: bool
) -> None:
    assert fallbacks.agree(decisions, requested) is agree


@pytest.mark.parametrize(
    ("status", "next_model"),
    [
        *((status, True) for status in (404, 408, 429, 500, 503, 529)),
        *((status, False) for status in (200, 400, 401, 402, 403)),
    ],
)
def test_which_answers_move_to_the_next_model(status: int, next_model: bool) -> None:
    assert fallbacks.tries_next(status) is next_model


def test_each_model_is_asked_alone() -> None:
    payload = {"model": "a", "models": ["a", "b"], "messages": [], "modalities": ["image"]}
    assert fallbacks.for_one(payload, "b") == {
        "model": "b",
        "messages": [],
        "modalities": ["image"],
    }
    assert payload["models"] == ["a", "b"]  # the client's body is left as it was


def test_a_subset_sent_as_asked_agrees_with_the_same_value_sent_unchanged() -> None:
    as_asked = Decision(Action.SUBSET, "", ("image",))
    assert fallbacks.agree([as_asked, UNCHANGED], ["image"])
    assert not fallbacks.agree([as_asked, IMAGE_TEXT], ["image"])
