"""How a request path resolves, as the strays check reads it (`app.api.strays.resolved_path`)."""

import pytest

from app.api.strays import resolved_path


@pytest.mark.parametrize(
    ("path", "resolved"),
    [
        ("/v1/chat/completions", "/v1/chat/completions"),
        ("/v1/chat/completions/", "/v1/chat/completions"),
        ("/v1//chat///completions//", "/v1/chat/completions"),
        ("/v1/chat\\completions", "/v1/chat/completions"),
        ("/v1/./chat/.", "/v1/chat"),
        ("/v1/a/../chat/completions", "/v1/chat/completions"),
        ("/v1/../api/v1/chat/completions", "/api/v1/chat/completions"),
        ("/v1/../../../key", "/key"),  # no further up than the root
        ("/v1/a/..\\..\\x", "/x"),
        ("/v1/Chat/Completions", "/v1/Chat/Completions"),  # case is the caller's to fold
        ("/v1/...", "/v1/..."),  # not a dot segment
        ("/", "/"),
    ],
)
def test_a_path_resolves_as_servers_resolve_it(path: str, resolved: str) -> None:
    assert resolved_path(path) == resolved
