"""The routes that take `modalities` (chat, and the Responses API): the body read and parsed,
planned for its model (the policy's decision, and what else changes), and handed over to the
exchange with upstream (`app.api.exchange`), which may retry once before any byte has reached
the client."""

import functools
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from app.api.bodies import parse_json_object, read_body
from app.api.exchange import Exchange, Outgoing
from app.api.services import exchange_for, services
from app.catalog.records import Model
from app.errors import ClientError, ProxyError
from app.ops.metrics import Note
from app.policy import fallbacks
from app.policy.endpoints import CHAT, RESPONSES, Endpoint, refuse_on_chat
from app.policy.modalities import CHAT_MODALITIES, MISSING, RESPONSES_MODALITIES, Action, Policy
from app.policy.plan import Call, Planner, make_plan, modalities_only
from app.translate.audio import AudioCollector
from app.upstream.caps import Held
from app.upstream.reshape import Reshape

NO_MODALITIES = [(b"x-modalities", b"none")]
ASKED_CHARS = 200  # of the modalities a request asked, as its trace shows them


@dataclass(frozen=True, slots=True)
class Api:
    """A route that takes `modalities`: its upstream path, its policy, and what else it changes
    in a body (`app.policy.plan`)."""

    path: bytes
    policy: Policy
    planner: Planner
    images_bridge: bool = False  # models only the Images API serves are asked there instead
    fallbacks: bool = False  # a `models` list whose models need different bodies is run here
    endpoint: Endpoint = CHAT  # how a refusal of a model made for another route names this one

    def outgoing(
        self, call: Call, model: Model | None, note: Note, subsets: bool = False
    ) -> Outgoing:
        """What to send upstream for `call` (its payload changed in place) to `model` (None: not
        in the catalog); ClientError (400) when the policy refuses it, upstream not called.
        With `subsets`, a part of the model's outputs goes as asked (see `Policy.decide`).
        Every answer carries `X-Modalities`; `note` gets the decision."""
        if model is not None:
            misrouted = refuse_on_chat(model.id, model.output_modalities, self.endpoint)
            if misrouted is not None:  # upstream would answer an error that says nothing of why
                note.model, note.decision = model.id, Action.REJECT
                refusal = ClientError(misrouted.message, misrouted.code)
                raise refusal.with_headers(NO_MODALITIES)
        decision = self.policy.decide(call.requested, call.model_id or "", model, subsets)
        sent = [(b"x-modalities", decision.header(call.requested is not MISSING).encode())]
        # A model outside the catalog as the request named it: the metrics label it "unknown",
        # the log line and the spans show what was asked.
        note.model = model.id if model else (call.model_id or "unknown")
        note.decision = decision.action
        note.modalities_asked = asked(call.requested)
        note.modalities_sent = sent[0][1].decode()
        if decision.action in (Action.INVALID, Action.REJECT):
            refusal = ClientError(decision.reason, f"modalities_{decision.action}")
            raise refusal.with_headers(sent)
        plan = self.planner(call.payload, decision, model)
        if plan.dropped:
            sent.append((b"x-dropped-parameters", ",".join(plan.dropped).encode()))
        note.dropped, note.assembled = ",".join(plan.dropped), plan.assemble
        reshaper = assembled_audio if plan.assemble else None
        subset = decision.action is Action.SUBSET
        return Outgoing(self.path, plan.body(call.body), sent, reshaper, subset)


async def chat_completions(request: Request) -> Response:
    """A chat request: `modalities` fixed for its model (see `app.policy.modalities`), and the
    other changes `app.policy.plan` plans: tools dropped for image models, audio assembled."""
    settings = services(request).settings
    policy = Policy(settings.proxy_on_unsupported, CHAT_MODALITIES)
    drop_tools = settings.proxy_drop_tools_for_image_models
    planner = functools.partial(make_plan, drop_tools=drop_tools)
    chat = Api(b"chat/completions", policy, planner, images_bridge=True, fallbacks=True)
    return await forward_decided(request, chat)


async def responses(request: Request) -> Response:
    """A Responses API request: `modalities` fixed for its model among the text and image that
    API returns. Nothing else changes: its answers, `image_generation_call` items and SSE events
    included, are relayed as they come."""
    policy = Policy(services(request).settings.proxy_on_unsupported, RESPONSES_MODALITIES)
    api = Api(b"responses", policy, modalities_only, endpoint=RESPONSES)
    return await forward_decided(request, api)


async def forward_decided(request: Request, api: Api) -> Response:
    """Read the JSON body, plan it for its model and hand it to the exchange: sent byte-for-byte
    when the plan changes nothing, tried again once if upstream refuses its modalities all the
    same (see `Exchange.with_one_retry`), or down its `models` fallback list. A part of the
    model's outputs goes as asked, unless upstream refused the model that lately: only here,
    where a refusal is tried again with them all."""
    proxy = services(request)
    try:
        body = await read_body(request, proxy.settings.proxy_max_body_bytes)
        call = Call.of(body, parse_json_object(body, proxy.settings.proxy_max_json_items))
        limit = proxy.settings.proxy_max_fallback_models
        order = fallbacks.candidates(call.payload, limit) if api.fallbacks else None
    except ProxyError as bad_request:
        raise bad_request.with_headers(NO_MODALITIES) from None
    exchange = exchange_for(request)
    plan = functools.partial(api.outgoing, note=exchange.note)
    if order:
        return await _with_fallbacks(exchange, api, call, order)
    if call.model_id is None:  # nothing to look up: upstream answers its own error
        return exchange.forward(plan(call, None))
    model = await exchange.catalog.find(call.model_id)
    subsets = not exchange.catalog.wants_exact_modalities(call.model_id)
    first = plan(call, model, subsets=subsets)
    run = functools.partial(exchange.with_one_retry, call, first, plan, api.images_bridge)
    return exchange.relay(run, first.headers)


async def _with_fallbacks(exchange: Exchange, api: Api, call: Call, order: list[str]) -> Response:
    """A `models` list: one request, as OpenRouter expects, when one body suits every model;
    else the models tried here in `order`, each with its own `modalities`
    (`Exchange.with_fallbacks`)."""
    models = [await exchange.catalog.find(model_id) for model_id in order]
    decisions = [
        api.policy.decide(call.requested, model_id, model)
        for model_id, model in zip(order, models, strict=True)
    ]
    plan = functools.partial(api.outgoing, note=exchange.note)
    if fallbacks.agree(decisions, call.requested):
        first = plan(Call(call.body, call.payload, order[0], call.requested), models[0])
        return exchange.forward(first)
    tries = [(call.alone(model_id), model) for model_id, model in zip(order, models, strict=True)]
    run = functools.partial(exchange.with_fallbacks, tries, plan)
    return exchange.relay(run, [(b"x-modalities", b"per-model")])


def assembled_audio(content_type: str) -> Reshape | None:
    """A streamed answer assembled into one completion (see `app.translate.audio`)."""
    if content_type != "text/event-stream":
        return None
    return Reshape(collect=AudioCollector, held=Held.AUDIO)


def asked(requested: object) -> str:
    """A request's `modalities` as its trace shows them: the names comma-separated, at most
    `ASKED_CHARS` characters of them (a client may send any list); "" when it sent none."""
    if not isinstance(requested, list):
        return ""
    return ",".join(item for item in requested if isinstance(item, str))[:ASKED_CHARS]
