"""`GET /v1/models` and `GET /v1/models/{author}/{slug}`: the merged catalog, filtered and paged,
and one model, answered from the catalog (upstream answers before its first load)."""

import time

from starlette.requests import Request
from starlette.responses import Response

from app.api.forward import forward_as_is
from app.api.services import services_of
from app.catalog.filters import ModelFilter, UnsupportedFilter
from app.catalog.paging import Window
from app.catalog.records import listing_of
from app.errors import ClientError, NotReady


async def list_models(request: Request) -> Response:
    """List the merged catalog (image-only models included).

    Filtered and sorted by the query (see `app.catalog.filters`) and paged by its `offset` and
    `limit` (`app.catalog.paging`), with `links.next` to the next page. OpenAI's
    `ListModelsResponse` at /v1, OpenRouter's shape at /api/v1. Before the first catalog load,
    upstream answers."""
    catalog = services_of(request).refresher.current
    if catalog is None:
        return await forward_as_is(request)
    openai = not request.scope["path"].startswith("/api/")
    if not request.query_params:
        whole = catalog.openai_listing if openai else catalog.listing
        return Response(whole, media_type="application/json")
    try:
        wanted = ModelFilter.from_query(request.query_params, time.time())
        window = Window.from_query(request.query_params)
    except UnsupportedFilter as error:
        raise ClientError(str(error), "unsupported_filter") from None
    except ValueError as error:
        raise ClientError(str(error), "invalid_filter") from None
    found = wanted.select(catalog.models, lambda: catalog.facts)
    next_url = _next_page(request, window, len(found))
    body = listing_of(window.of(found), len(found), next_url, openai=openai)
    return Response(body, media_type="application/json")


def _next_page(request: Request, window: Window, total: int) -> str | None:
    """The URL of the page after `window` (this request's, other parameters kept); None at the
    end."""
    next_offset = window.next_offset(total)
    if next_offset is None:
        return None
    return str(request.url.include_query_params(offset=next_offset, limit=window.limit))


async def get_model(request: Request) -> Response:
    """Answer one model, as OpenRouter lists it.

    `:variant` suffixes and `~` aliases resolve as they do for chat. 404 for a model the catalog
    does not have, 503 before the first catalog load."""
    model_id = f"{request.path_params['author']}/{request.path_params['slug']}"
    refresher = services_of(request).refresher
    if refresher.current is None:
        message = "The model catalog is still loading; try again in a few seconds"
        raise NotReady(message, "catalog_loading")
    model = await refresher.find(model_id)
    if model is None:
        message = f"No model {model_id!r}; search with GET /v1/models?q=..."
        raise ClientError(message, "model_not_found", 404)
    return Response(model.raw, media_type="application/json")
