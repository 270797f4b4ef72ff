"""Pages of `GET /v1/models` as OpenRouter pages its listing: the window a query asks for, the
page it cuts, and where the next page starts."""

import pytest

from app.catalog.paging import DEFAULT_LIMIT, MAX_LIMIT, Window

TOTAL = 549  # the snapshot's models


@pytest.mark.parametrize(
    ("query", "window"),
    [
        ({}, Window()),
        ({"output_modalities": "all"}, Window()),
        ({"offset": "0", "limit": "500"}, Window(0, 500)),  # what both official SDKs send first
        ({"offset": "549"}, Window(549, DEFAULT_LIMIT)),
        ({"limit": "10"}, Window(0, 10)),
        ({"limit": str(MAX_LIMIT)}, Window(0, MAX_LIMIT)),
        ({"offset": "0012", "limit": "1"}, Window(12, 1)),
    ],
)
def test_the_window_of_a_query(query: dict[str, str], window: Window) -> None:
    assert Window.from_query(query) == window


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"offset": "-1"}, "`offset` must be a whole number of 0 or more, not '-1'"),
        ({"offset": "ten"}, "`offset` must be a whole number of 0 or more, not 'ten'"),
        ({"offset": ""}, "`offset` must be a whole number of 0 or more, not ''"),
        ({"offset": "1.5"}, "`offset` must be a whole number of 0 or more, not '1.5'"),
        ({"offset": " 5"}, "`offset` must be a whole number of 0 or more, not ' 5'"),
        ({"offset": "9" * 40}, "`offset` must be a whole number of 0 or more, not '999"),
        ({"limit": "0"}, "`limit` must be a whole number from 1 to 1000, not '0'"),
        ({"limit": "1001"}, "`limit` must be a whole number from 1 to 1000, not '1001'"),
        ({"limit": "+5"}, "`limit` must be a whole number from 1 to 1000, not '+5'"),
        ({"limit": "5_0"}, "`limit` must be a whole number from 1 to 1000, not '5_0'"),
    ],
)
def test_a_malformed_window_is_refused(query: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("+", r"\+").replace(".", r"\.")):
        Window.from_query(query)


@pytest.mark.parametrize(
    ("window", "first", "size", "next_offset"),
    [
        (Window(), 0, TOTAL, None),  # no offset nor limit: the whole list, no next page
        (Window(0, 500), 0, 500, 500),
        (Window(500, 500), 500, 49, None),  # the short last page
        (Window(549, 500), None, 0, None),  # past the end: an empty page
        (Window(10_000, 1), None, 0, None),
        (Window(0, 549), 0, TOTAL, None),  # exactly the whole list: nothing follows
        (Window(0, 1000), 0, TOTAL, None),
        (Window(548, 1), 548, 1, None),
        (Window(100, 100), 100, 100, 200),
    ],
)
def test_the_page_of_a_window(
    window: Window, first: int | None, size: int, next_offset: int | None
) -> None:
    items = list(range(TOTAL))
    page = window.of(items)
    assert len(page) == size
    assert (page[0] if page else None) == first
    assert window.next_offset(TOTAL) == next_offset


def test_following_the_pages_lists_every_item_once() -> None:
    items, offset = list(range(TOTAL)), 0
    seen: list[int] = []
    for _ in range(TOTAL):  # a bound: a loop that never ends fails instead of hanging
        window = Window(offset, 50)
        seen += window.of(items)
        next_offset = window.next_offset(TOTAL)
        if next_offset is None:
            break
        offset = next_offset
    assert seen == items
