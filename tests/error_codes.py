"""The proxy's string code of an error it built, in either API's shape (`app.errors`)."""

from typing import Any


def proxy_code(error: dict[str, Any]) -> Any:
    """`error["code"]` under /v1; under /api/v1 (where `code` is the status) its metadata's."""
    return error["metadata"]["error_code"] if isinstance(error["code"], int) else error["code"]
