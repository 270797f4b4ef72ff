"""The fake's `GET /models`: which models a query lists, and its pages."""

from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from app.dev.emulator.real import json_answer
from app.dev.emulator.routing import error, outputs


def listed(model: dict[str, Any], wanted: str | None) -> bool:
    """Whether GET /models?output_modalities=`wanted` lists `model` (absent means "text")."""
    if wanted == "all":
        return True
    return bool({v.strip() for v in (wanted or "text").split(",")} & outputs(model))


# `/models` comes through a CDN: a new model may stay out of the list for minutes.
MODELS_CACHING = {
    "Cache-Control": "public, max-age=300, stale-while-revalidate=3600, stale-if-error=3600"
}


def paged(matching: list[dict[str, Any]], request: Request, page_size: int | None) -> Response:
    """The listing of `matching`: all of it, or the page that `offset` and `limit` (or the fake's
    `page_size`) ask for, with `links.next` to the next one, as OpenRouter pages it."""
    query = request.query_params
    page, next_url = matching, None
    if "offset" in query or "limit" in query or page_size is not None:
        try:
            offset = max(int(query.get("offset", "0")), 0)
            size = int(query.get("limit") or page_size or 500)
        except ValueError:
            return error(400, "offset and limit must be integers")
        size = min(max(size, 1), 1000)  # OpenRouter caps limit at 1000
        page = matching[offset : offset + size]
        if offset + size < len(matching):
            params = {**query, "offset": str(offset + size), "limit": str(size)}
            next_url = str(request.url.replace(query=urlencode(params)))
    body = {"data": page, "total_count": len(matching), "links": {"next": next_url}}
    return json_answer(body, headers=MODELS_CACHING, request=request)
