"""The exchange with upstream, in-process against a fake upstream: the one retry after a
modality refusal, the Images bridge, and `models` fallback lists."""

import dataclasses

import orjson
import pytest

from app.api.exchange import Exchange
from app.api.modality_routes import ModalityRoute
from app.api.outgoing import Outgoing
from app.catalog.image_models import ImageModels
from app.catalog.records import Catalog, Model
from app.catalog.refresh import CatalogRefresher
from app.dev.emulator import FakeOpenRouter
from app.errors import Busy, ClientError
from app.ops.metrics import Note
from app.ops.reservations import BytePool, Pools, Reservations, pools_of
from app.policy.modalities import CHAT_MODALITIES, Policy
from app.policy.plan import Call, ChatPlanner
from app.settings import OnUnsupported, Settings
from app.upstream.caps import Caps
from app.upstream.errors import IMAGES_ENDPOINT_HINT, MODALITY_MESSAGE
from app.upstream.interface import Incoming
from app.upstream.timeouts import Deadlines
from tests.fake_upstream import FakeAnswer, FakeUpstream, json_answer

pytestmark = pytest.mark.anyio

FLUX, QWEN = "black-forest-labs/flux.2-pro", "qwen/qwen-image-3"
GEMINI = "google/gemini-2.5-flash-image"
CHAT = ModalityRoute(
    b"chat/completions",
    Policy(OnUnsupported.REJECT, CHAT_MODALITIES),
    ChatPlanner(drop_tools=True),
    images_bridge=True,
)


def refused_modalities() -> FakeAnswer:
    return json_answer(404, {"error": {"code": 404, "message": MODALITY_MESSAGE}})


def model_answer(model_id: str) -> bytes:
    return orjson.dumps({"data": FakeOpenRouter().lookup(model_id)})


def exchange_with(upstream: FakeUpstream) -> Exchange:
    settings = Settings(openrouter_base_url=FakeUpstream.base)
    incoming = Incoming("POST", b"", [(b"authorization", b"Bearer k")], "req-1")
    return Exchange(
        upstream,
        CatalogRefresher(upstream, settings),
        ImageModels(upstream, 60),
        Deadlines.of(settings),
        incoming,
        Note("req-1"),
        Caps.of(settings),
        Reservations(pools_of(64 * 2**20, 64 * 2**20, 1.0)),
    )


def call(**payload: object) -> Call:
    return Call.of(orjson.dumps(payload), payload)


def planned(exchange: Exchange, asked: Call) -> Outgoing:
    return CHAT.outgoing(asked, None, exchange.note)  # the catalog does not know the model yet


async def test_a_planned_call_is_sent_as_planned_with_the_clients_request() -> None:
    upstream = FakeUpstream(FakeAnswer(), downloads={})
    exchange = exchange_with(upstream)
    outgoing = Outgoing(b"credits", b"{}", [(b"x-proxy", b"1")])
    exchanged = await exchange.send(outgoing)
    [sent] = upstream.sent
    assert (sent.path, sent.content, sent.proxy_made) == (b"credits", b"{}", False)
    assert sent.incoming.request_id == "req-1"
    assert exchanged.extra_headers == [(b"x-proxy", b"1")]


async def test_a_modality_refusal_is_retried_once_with_what_upstream_says_of_the_model() -> None:
    ok = FakeAnswer()
    downloads = {f"/api/v1/model/{FLUX}": model_answer(FLUX)}
    upstream = FakeUpstream(refused_modalities(), ok, downloads=downloads)
    exchange = exchange_with(upstream)
    asked = call(model=FLUX, modalities=["image", "text"])
    exchanged = await exchange.with_one_retry(asked, planned(exchange, asked), CHAT, True)
    assert exchanged.answer is ok
    assert [sent.payload["modalities"] for sent in upstream.sent] == [["image", "text"], ["image"]]
    assert exchanged.extra_headers == [(b"x-modalities", b"image")]
    assert exchange.note.retried == "modalities"


async def test_a_refusal_that_relearning_does_not_change_goes_back_as_it_came() -> None:
    upstream = FakeUpstream(refused_modalities(), downloads={})  # the lookup fails
    exchange = exchange_with(upstream)
    asked = call(model=FLUX, modalities=["image", "text"])
    exchanged = await exchange.with_one_retry(asked, planned(exchange, asked), CHAT, True)
    assert exchanged.read is not None
    assert orjson.loads(exchanged.read)["error"]["message"] == MODALITY_MESSAGE
    assert len(upstream.sent) == 1
    assert exchange.note.retried == ""


async def test_a_refused_subset_is_sent_once_with_every_output_and_the_model_remembered() -> None:
    ok = FakeAnswer()
    upstream = FakeUpstream(refused_modalities(), ok, downloads={})  # no lookup: not needed
    exchange = exchange_with(upstream)
    exchange.refresher.current = Catalog((Model(GEMINI, ("image", "text")),))
    asked = call(model=GEMINI, modalities=["image"])
    first = CHAT.outgoing(asked, await exchange.refresher.find(GEMINI), exchange.note, subsets=True)
    exchanged = await exchange.with_one_retry(asked, first, CHAT, True)
    assert exchanged.answer is ok
    assert [sent.payload["modalities"] for sent in upstream.sent] == [["image"], ["image", "text"]]
    assert first.content == upstream.sent[0].content  # as the client sent it
    assert exchanged.extra_headers == [(b"x-modalities", b"image,text")]
    assert exchange.note.retried == "subset"
    assert exchange.refresher.wants_exact_modalities(GEMINI)


async def test_a_model_only_the_images_api_serves_is_asked_there_then_directly() -> None:
    refusal = json_answer(404, {"error": {"code": 404, "message": f"x. {IMAGES_ENDPOINT_HINT}."}})
    upstream = FakeUpstream(refusal, FakeAnswer(), FakeAnswer(), downloads={})
    exchange = exchange_with(upstream)
    asked = call(model=QWEN, messages=[{"role": "user", "content": "a red square"}])
    first = planned(exchange, asked)
    bridged = await exchange.with_one_retry(asked, first, CHAT, images_bridge=True)
    again = await exchange.with_one_retry(asked, first, CHAT, images_bridge=True)
    assert [sent.path for sent in upstream.sent] == [b"chat/completions", b"images", b"images"]
    assert upstream.sent[1].payload == {"model": QWEN, "prompt": "a red square"}
    assert upstream.sent[1].proxy_made
    assert (b"x-served-by", b"images") in bridged.extra_headers
    assert again.reshaper is not None
    assert exchange.note.retried == "images"


async def test_a_fallback_list_moves_on_after_a_5xx_and_stops_at_an_answer() -> None:
    answered = FakeAnswer()
    upstream = FakeUpstream(json_answer(503, {}), answered, downloads={})
    exchange = exchange_with(upstream)
    asked = call(model="a/one", models=["a/two"], modalities=["text"])
    tries = [(asked.alone("a/one"), None), (asked.alone("a/two"), None)]
    exchanged = await exchange.with_fallbacks(tries, CHAT)
    assert exchanged.answer is answered
    assert [sent.payload["model"] for sent in upstream.sent] == ["a/one", "a/two"]
    assert all("models" not in sent.payload for sent in upstream.sent)
    assert exchange.note.retried == "fallback"


async def test_when_every_fallback_fails_the_last_failure_goes_back_as_it_came() -> None:
    upstream = FakeUpstream(json_answer(503, {"n": 1}), json_answer(429, {"n": 2}), downloads={})
    exchange = exchange_with(upstream)
    asked = call(model="a/one", models=["a/two"])
    exchanged = await exchange.with_fallbacks(
        [(asked.alone(m), None) for m in ("a/one", "a/two")], CHAT
    )
    assert exchanged.answer.status == 429
    assert exchanged.read == b'{"n":2}'


async def test_when_the_policy_refuses_every_fallback_its_refusal_is_raised() -> None:
    upstream = FakeUpstream(downloads={})
    exchange = exchange_with(upstream)
    asked = call(model="a/one", models=["a/two"], modalities="image")  # not a list: invalid
    with pytest.raises(ClientError) as refused:
        await exchange.with_fallbacks([(asked.alone(m), None) for m in ("a/one", "a/two")], CHAT)
    assert refused.value.code == "modalities_invalid"
    assert refused.value.headers == [(b"x-modalities", b"none")]
    assert upstream.sent == []


async def test_an_error_is_read_whole_only_once_the_memory_budget_has_room_for_it() -> None:
    refusal = refused_modalities()
    pools = Pools(BytePool("memory", 4 * 2**20), BytePool("tmp", 2**20), False, 0.01)
    await Reservations(pools).memory(2 * 2**20)  # another request holds half of it
    exchange = dataclasses.replace(
        exchange_with(FakeUpstream(refusal, downloads={})), held=Reservations(pools)
    )
    asked = call(model=FLUX, modalities=["image", "text"])
    with pytest.raises(Busy) as busy:  # 3 MiB to read up to 1 MiB: pieces, joined, inflated
        await exchange.with_one_retry(asked, planned(exchange, asked), CHAT, True)
    assert busy.value.code == "memory_budget_full"
    assert refusal.closed  # its connection dropped, unread
