"""Answer the routes that take `modalities`: chat, and the Responses API.

Each request reads top to bottom: the body read and parsed (`Call`), planned for its model by
the route (`app.api.modality_routes`), and handed to the exchange with upstream
(`app.api.exchange`), which may try again once, or down a `models` fallback list, before any
byte has reached the client.
"""

from starlette.requests import Request
from starlette.responses import Response

from app.api.bodies import parse_json_object, read_body
from app.api.exchange import Exchange
from app.api.modality_routes import NO_MODALITIES, ModalityRoute
from app.api.services import exchange_for, services_of
from app.errors import ProxyError
from app.policy import fallbacks
from app.policy.plan import Call
from app.settings import Settings

PER_MODEL = [(b"x-modalities", b"per-model")]  # a fallback list's models each have their own


async def chat_completions(request: Request) -> Response:
    """Answer a chat request.

    `modalities` is fixed for its model (see `app.policy.modalities`), with the other changes
    `app.policy.plan` plans: tools dropped for image models, audio assembled."""
    return await forward_planned(request, services_of(request).chat_route)


async def responses(request: Request) -> Response:
    """Answer a Responses API request.

    `modalities` is fixed for its model among the text and image that API returns. Nothing else
    changes: its answers, `image_generation_call` items and SSE events included, are relayed as
    they come."""
    return await forward_planned(request, services_of(request).responses_route)


async def forward_planned(request: Request, route: ModalityRoute) -> Response:
    """Read the JSON body, plan it for its model and hand it to the exchange.

    It goes byte-for-byte when the plan changes nothing, is tried again once if upstream refuses
    its modalities all the same (`Exchange.with_one_retry`), or goes down its `models` fallback
    list. A part of the model's outputs goes as asked, unless upstream refused the model that
    lately: only here, where a refusal is tried again with them all."""
    call, order = await _read_call(request, services_of(request).settings, route)
    exchange = exchange_for(request)
    if order:
        return await _with_fallbacks(exchange, route, call, order)
    if call.model_id is None:  # nothing to look up: upstream answers its own error
        return exchange.forward(route.outgoing(call, None, exchange.note))
    model = await exchange.refresher.find(call.model_id)
    subsets = not exchange.refresher.wants_exact_modalities(call.model_id)
    first = route.outgoing(call, model, exchange.note, subsets)
    return exchange.relay(
        lambda: exchange.with_one_retry(call, first, route, route.images_bridge), first.headers
    )


async def _read_call(
    request: Request, settings: Settings, route: ModalityRoute
) -> tuple[Call, list[str] | None]:
    """Read the call, and the models of its `models` fallback list when the route runs them;
    a refusal carries `X-Modalities: none`."""
    try:
        body = await read_body(request, settings.proxy_max_body_bytes)
        call = Call.of(body, parse_json_object(body, settings.proxy_max_json_items))
        limit = settings.proxy_max_fallback_models
        return call, fallbacks.candidates(call.payload, limit) if route.fallbacks else None
    except ProxyError as bad_request:
        raise bad_request.with_headers(NO_MODALITIES) from None


async def _with_fallbacks(
    exchange: Exchange, route: ModalityRoute, call: Call, order: list[str]
) -> Response:
    """Answer a call with a `models` fallback list.

    One request, as OpenRouter expects, when one body suits every model; else the models tried
    here in `order`, each with its own `modalities` (`Exchange.with_fallbacks`)."""
    models = [await exchange.refresher.find(model_id) for model_id in order]
    decisions = [
        route.policy.decide(call.requested, model_id, model)
        for model_id, model in zip(order, models, strict=True)
    ]
    if fallbacks.agree(decisions, call.requested):
        first = Call(call.body, call.payload, order[0], call.requested)
        return exchange.forward(route.outgoing(first, models[0], exchange.note))
    tries = [(call.alone(model_id), model) for model_id, model in zip(order, models, strict=True)]
    return exchange.relay(lambda: exchange.with_fallbacks(tries, route), PER_MODEL)
