"""The routes that take `modalities` (chat, and the Responses API): fixed for the model before
forwarding, and the one retry that upstream's own refusal may call for, before any byte has
reached the client."""

import functools
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.bodies import parse_json_object, read_body
from app.api.services import services
from app.catalog.records import Model
from app.errors import ProxyError
from app.policy import fallbacks
from app.policy.endpoints import CHAT, RESPONSES, Endpoint, refuse_on_chat
from app.policy.modalities import CHAT_MODALITIES, MISSING, RESPONSES_MODALITIES, Action, decide
from app.policy.plan import Planner, make_plan, modalities_only
from app.translate import chat_images
from app.translate.audio import AudioCollector
from app.upstream import errors as upstream_errors
from app.upstream.client import UpstreamError
from app.upstream.headers import Headers
from app.upstream.relay import Upstreamed, UpstreamResponse, relayed_as_read
from app.upstream.reshape import Mapped, Reshape, Reshaper


@dataclass(frozen=True)
class Outgoing:
    """One chat request as it goes upstream: the body, the proxy's headers for the client's
    answer (`X-Modalities`...), and how to reshape that answer."""

    content: bytes
    headers: Headers
    reshaper: Reshaper | None = None


@dataclass(frozen=True)
class Api:
    """A route that takes `modalities`: its upstream path, the modalities it can name, and what
    else it changes in a body (`app.policy.plan`)."""

    path: bytes
    modalities: frozenset[str]
    planner: Planner
    images_bridge: bool = False  # models only the Images API serves are asked there instead
    fallbacks: bool = False  # a `models` list whose models need different bodies is run here
    endpoint: Endpoint = CHAT  # how a refusal of a model made for another route names this one


async def chat_completions(request: Request) -> Response:
    """A chat request: `modalities` fixed for its model (see `app.policy.modalities`), and the other
    changes `app.policy.plan` plans: tools dropped for image models, audio assembled."""
    drop_tools = services(request).settings.proxy_drop_tools_for_image_models
    planner = functools.partial(make_plan, drop_tools=drop_tools)
    chat = Api(b"chat/completions", CHAT_MODALITIES, planner, images_bridge=True, fallbacks=True)
    return await forward_decided(request, chat)


async def responses(request: Request) -> Response:
    """A Responses API request: `modalities` fixed for its model among the text and image that
    API returns. Nothing else changes: its answers, `image_generation_call` items and SSE events
    included, are relayed as they come."""
    return await forward_decided(
        request, Api(b"responses", RESPONSES_MODALITIES, modalities_only, endpoint=RESPONSES)
    )


async def forward_decided(request: Request, api: Api) -> Response:
    """Read the JSON body, plan it for its model (`outgoing`) and forward it: byte-for-byte when
    the plan changes nothing. If upstream refuses its modalities all the same, the model is
    looked up again and the request sent once more when that changes it (see `relearned`)."""
    proxy = services(request)
    try:
        body = await read_body(request, proxy.settings.proxy_max_body_bytes)
        payload = parse_json_object(body)
        model_id = _model_id(payload)
        order = fallbacks.candidates(payload) if api.fallbacks else None
    except ProxyError as bad_request:
        return bad_request.response({"X-Modalities": "none"})
    if order:
        return await _with_fallbacks(request, api, body, payload, order)
    model = await proxy.catalog.find(model_id) if model_id else None
    first = outgoing(request, api, body, payload, model_id, model)
    if isinstance(first, Response):
        return first
    if model_id is None:  # nothing to look up: upstream answers its own error
        return proxy.upstream.forward(
            request, api.path, first.content, first.headers, first.reshaper
        )
    exchange = functools.partial(_exchange, request, api, body, model_id, first)
    return proxy.upstream.relay(exchange, first.headers)


def outgoing(
    request: Request,
    api: Api,
    body: bytes,
    payload: dict[str, Any],
    model_id: str | None,
    model: Model | None,
) -> Outgoing | Response:
    """What to send upstream for `payload` (modified in place) to `model` (None: not in the
    catalog), or the 400 that refuses it without calling upstream. Every answer carries
    `X-Modalities`."""
    settings = services(request).settings
    note = request.state.note
    if model is not None:
        misrouted = refuse_on_chat(model.id, model.output_modalities, api.endpoint)
        if misrouted is not None:  # upstream would answer an error that says nothing of why
            note.model, note.decision = model.id, Action.REJECT
            refusal = ProxyError(400, misrouted.message, misrouted.code)
            return refusal.response({"X-Modalities": "none"})
    requested = payload.get("modalities", MISSING)
    outputs = model.output_modalities if model else None
    decision = decide(
        requested, model_id or "", outputs, settings.proxy_on_unsupported, api.modalities
    )
    sent = decision.header(field_present=requested is not MISSING)
    note.model, note.decision = (model.id if model else "unknown"), decision.action
    if decision.action in (Action.INVALID, Action.REJECT):
        refusal = ProxyError(400, decision.reason, f"modalities_{decision.action}")
        return refusal.response({"X-Modalities": sent})
    plan = api.planner(payload, decision, model)
    headers = [(b"x-modalities", sent.encode())]
    if plan.dropped:
        headers.append((b"x-dropped-parameters", ",".join(plan.dropped).encode()))
    note.dropped, note.assembled = ",".join(plan.dropped), plan.assemble
    reshaper = assembled_audio if plan.assemble else None
    return Outgoing(plan.body(body, payload), headers, reshaper)


async def _with_fallbacks(
    request: Request, api: Api, body: bytes, payload: dict[str, Any], order: list[str]
) -> Response:
    """A `models` list: one request, as OpenRouter expects, when one body suits every model;
    else the models tried here in `order`, each with its own `modalities` (see
    `_fallback_exchange`)."""
    proxy = services(request)
    models = [await proxy.catalog.find(model_id) for model_id in order]
    requested = payload.get("modalities", MISSING)
    on_unsupported = proxy.settings.proxy_on_unsupported
    decisions = [
        decide(
            requested,
            model_id,
            model.output_modalities if model else None,
            on_unsupported,
            api.modalities,
        )
        for model_id, model in zip(order, models, strict=True)
    ]
    if fallbacks.agree(decisions, requested):
        first = outgoing(request, api, body, payload, order[0], models[0])
        if isinstance(first, Response):
            return first
        upstream = proxy.upstream
        return upstream.forward(request, api.path, first.content, first.headers, first.reshaper)
    tries = list(zip(order, models, strict=True))
    exchange = functools.partial(_fallback_exchange, request, api, payload, tries)
    return proxy.upstream.relay(exchange, [(b"x-modalities", b"per-model")])


async def _fallback_exchange(
    request: Request, api: Api, payload: dict[str, Any], tries: list[tuple[str, Model | None]]
) -> Upstreamed | Response:
    """Each model in turn, asked alone with its own `modalities`, until one answers with
    anything but 404, 408, 429 or 5xx (a 400, 401, 402 or 403 is the client's to fix, and goes
    back as it is); a model whose decision refuses the request is skipped. When all fail, the
    last failure goes back as it came."""
    last: Response | None = None
    for model_id, model in tries:
        single = fallbacks.for_one(payload, model_id)
        attempt = outgoing(request, api, orjson.dumps(single), single, model_id, model)
        if isinstance(attempt, Response):
            last = attempt
            continue
        upstream = await _send(request, api, attempt)
        if not fallbacks.tries_next(upstream.status):
            return Upstreamed(upstream, attempt.headers, attempt.reshaper)
        last = relayed_as_read(upstream, await upstream.read(), attempt.headers)
        request.state.note.retried = "fallback"
    assert last is not None, "a fallback list has at least one model"
    return last


def assembled_audio(content_type: str) -> Reshape | None:
    """A streamed answer assembled into one completion (see `app.translate.audio`)."""
    return Reshape(collect=AudioCollector) if content_type == "text/event-stream" else None


async def _exchange(
    request: Request, api: Api, body: bytes, model_id: str, first: Outgoing
) -> Upstreamed | Response:
    """Send `first`; if upstream refuses its modalities, send what `relearned` says instead,
    once; if it says the model is served only by the Images API, ask that instead (and go there
    directly for a while); else relay the refusal as it came."""
    image_models = services(request).image_models
    if api.images_bridge and image_models.is_images_only(model_id):
        return await _through_images(request, model_id, first)
    upstream = await _send(request, api, first)
    if upstream.status not in upstream_errors.TELLING_STATUSES:
        return Upstreamed(upstream, first.headers, first.reshaper)
    answer = await upstream.read()  # an error: small
    error = upstream_errors.error_of(answer, upstream.headers.get("Content-Encoding"))
    if upstream_errors.refuses_modalities(upstream.status, error):
        retry = await relearned(request, api, body, model_id, first)
        if retry is not None:
            request.state.note.retried = "modalities"
            return Upstreamed(await _send(request, api, retry), retry.headers, retry.reshaper)
    elif api.images_bridge and upstream_errors.wants_images_endpoint(upstream.status, error):
        image_models.remember_images_only(model_id)
        request.state.note.retried = "images"
        return await _through_images(request, model_id, first)
    return relayed_as_read(upstream, answer, first.headers)


async def _through_images(
    request: Request, model_id: str, first: Outgoing
) -> Upstreamed | Response:
    """`first` (the chat body as planned) asked of the Images API, and its answer given back as
    a chat completion, or as a chat stream's chunks (see `app.translate.chat_images`); 400 for
    what the Images API cannot be asked."""
    proxy = services(request)
    payload = orjson.loads(first.content)
    headers = [*first.headers, (b"x-served-by", b"images")]
    try:
        served = await proxy.image_models.find(model_id)
    except UpstreamError:
        served = None  # the request goes unchecked: upstream says what it cannot take
    try:
        images_body = chat_images.images_request_from_chat(payload, served)
    except ProxyError as refusal:
        return refusal.response({name.decode(): value.decode() for name, value in headers})
    if payload.get("stream") is True:
        media_type, translate = b"text/event-stream", chat_images.chat_chunks_from_images
    else:
        media_type, translate = b"application/json", chat_images.chat_completion_from_images
    to_chat = functools.partial(translate, model=model_id)
    answer = Reshape(media_type, collect=lambda: Mapped(to_chat))
    content = orjson.dumps(images_body)
    upstream = await proxy.upstream.send(request, b"images", content, proxy_made=True)
    return Upstreamed(upstream, headers, lambda content_type: answer)


async def relearned(
    request: Request, api: Api, body: bytes, model_id: str, first: Outgoing
) -> Outgoing | None:
    """What to send instead of `first` now that upstream refused its modalities: the request
    planned again for what upstream says of the model now (`CatalogRefresher.relearn`), or None
    when that changes nothing, or refuses it."""
    model = await services(request).catalog.relearn(model_id)
    if model is None:
        return None
    retry = outgoing(request, api, body, orjson.loads(body), model_id, model)
    if isinstance(retry, Response) or retry == first:
        return None
    return retry


def _send(request: Request, api: Api, outgoing: Outgoing) -> Awaitable[UpstreamResponse]:
    upstream = services(request).upstream
    return upstream.send(request, api.path, outgoing.content, outgoing.reshaper is not None)


def _model_id(payload: dict[str, Any]) -> str | None:
    model_id = payload.get("model")
    if model_id is not None and not isinstance(model_id, str):
        raise ProxyError(400, "`model` must be a string", "invalid_model")
    return model_id
