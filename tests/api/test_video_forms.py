"""The create form's text fields read as the JSON body would carry them: tables."""

import pytest

from app.api.video_forms import form_fields
from app.errors import ProxyError

PNG_URL = "data:image/png;base64,iVBORw0KGgo="


@pytest.mark.parametrize(
    ("pairs", "fields"),
    [
        ([("prompt", "A fox"), ("seconds", "8")], {"prompt": "A fox", "seconds": "8"}),
        (
            [("prompt", "A fox"), ("input_reference[image_url]", PNG_URL)],
            {"prompt": "A fox", "input_reference": {"image_url": PNG_URL}},
        ),
    ],
)
def test_form_fields_read_as_json_would(pairs: list[tuple[str, str]], fields: object) -> None:
    assert form_fields(pairs) == fields


@pytest.mark.parametrize(
    "pairs",
    [
        [("seconds", "4"), ("seconds", "8")],
        [("a[b][c]", "1")],
        [("a[]", "1")],
        [("a[b", "1")],
        [("a", "1"), ("a[b]", "2")],
        [("a[b]", "1"), ("a[b]", "2")],
    ],
)
def test_odd_forms_are_refused(pairs: list[tuple[str, str]]) -> None:
    with pytest.raises(ProxyError) as refusal:
        form_fields(pairs)
    assert refusal.value.code == "invalid_form"
