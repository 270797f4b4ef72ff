"""Exchange one planned request with upstream, before any byte reaches the client.

The request is sent as planned; tried again once after upstream refused its modalities (with all
the model's outputs when a part of them was asked); tried model by model down a `models`
fallback list; or asked of the Images API for a model only that API serves. A retry or the next
model is planned again through a `Replanner`.

`Exchange` is built from explicit dependencies (`app.api.services.exchange_for`): the upstream
client, the catalog's refresher, the Images API's model list, the client's request as upstream
needs it, and the request's log record. Its work runs inside `RelayResponse`.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

from starlette.responses import Response

from app.api import images_bridge
from app.api.outgoing import Outgoing, Replanner
from app.catalog.image_models import ImageModels
from app.catalog.records import Model
from app.catalog.refresh import CatalogRefresher
from app.errors import ProxyError, UpstreamFailure
from app.ops import memory_costs
from app.ops.metrics import Note
from app.ops.reservations import Reservations
from app.policy import fallbacks
from app.policy.plan import Call
from app.upstream import errors as upstream_errors
from app.upstream.caps import Caps
from app.upstream.client import read_error
from app.upstream.headers import Headers
from app.upstream.interface import Answer, Incoming, Run, UpstreamApi, Upstreamed
from app.upstream.relay import RelayResponse
from app.upstream.timeouts import Deadlines


@dataclass(frozen=True, slots=True)
class Exchange:
    """Exchange one request with upstream (see the module's docstring)."""

    upstream: UpstreamApi
    refresher: CatalogRefresher
    image_models: ImageModels
    deadlines: Deadlines
    incoming: Incoming
    note: Note
    caps: Caps  # what of upstream's answers the proxy holds at most
    held: Reservations  # what the request holds of the memory budget

    def relay(self, run: Run, headers: Headers) -> Response:
        """Return the answer that runs `run` once served and relays its result.

        `headers` go on the proxy's own 502 and 504."""
        return RelayResponse(run, self.deadlines, self.caps, headers, self.note, self.held.memory)

    def forward(self, outgoing: Outgoing) -> Response:
        """Return the answer that sends `outgoing` once served and relays upstream's."""
        return self.relay(lambda: self.send(outgoing), outgoing.headers)

    async def send(self, outgoing: Outgoing) -> Upstreamed:
        """Send `outgoing` with the client's request, and return upstream's answer to relay."""
        proxy_made = outgoing.reshaper is not None
        answer = await self.upstream.send(
            self.incoming, outgoing.path, outgoing.content, proxy_made
        )
        return Upstreamed(answer, outgoing.headers, outgoing.reshaper)

    async def with_one_retry(
        self, call: Call, first: Outgoing, replanner: Replanner, images_bridge: bool
    ) -> Upstreamed:
        """Send `first`, the plan of `call`, and try once more where upstream says how.

        If upstream refuses its modalities, send instead, once, all the model's outputs when
        `first` asked a part of them, else `call` planned again for what the model relearned
        says; if it says the model is served only by the Images API (and the route has the
        `images_bridge`), ask that instead (and go there directly for a while); else return the
        refusal as it came."""
        model_id = call.model_id
        assert model_id is not None, "only a call that names its model is retried"
        if images_bridge and self.image_models.is_images_only(model_id):
            return await self.through_images(model_id, first)
        exchanged = await self.send(first)
        answer = exchanged.answer
        if answer.status not in upstream_errors.TELLING_STATUSES:
            return exchanged
        body = await self._read_error(answer)
        encoding = answer.headers.get("Content-Encoding")
        error = upstream_errors.error_of(body, encoding, self.caps.error)
        if upstream_errors.refuses_modalities(answer.status, error):
            retry = await self._replanned(call, first, replanner)
            if retry is not None:
                self.note.retried = "subset" if first.subset else "modalities"
                return await self.send(retry)
        elif images_bridge and upstream_errors.wants_images_endpoint(answer.status, error):
            self.image_models.remember_images_only(model_id)
            self.note.retried = "images"
            return await self.through_images(model_id, first)
        return replace(exchanged, read=body)

    async def _read_error(self, answer: Answer) -> bytes:
        """Read the whole body of an error `answer`, its memory reserved first.

        What reading it costs, then parsing it as it may inflate (`app.ops.memory_costs`); see
        `app.upstream.client.read_error`."""
        limit = self.caps.error
        try:
            await self.held.memory(limit * memory_costs.ERROR_READ)
            body = await read_error(answer, limit)
            parsed = limit if answer.headers.get("Content-Encoding") else len(body)
            await self.held.memory(parsed * memory_costs.ERROR_PARSE)
        except ProxyError:
            answer.close()
            raise
        return body

    async def _replanned(
        self, call: Call, first: Outgoing, replanner: Replanner
    ) -> Outgoing | None:
        """Plan `call` again now that upstream refused the modalities of `first`.

        When `first` asked a part of the model's outputs, ask all of them (and from now on, for
        a while: `CatalogRefresher.remember_exact_modalities`); else plan for what upstream says
        of the model now (`CatalogRefresher.relearn`). None when that changes nothing, or the
        policy refuses it."""
        assert call.model_id is not None
        if first.subset:  # the catalog is right: the model wants its exact set
            self.refresher.remember_exact_modalities(call.model_id)
            model = await self.refresher.find(call.model_id)
        else:
            model = await self.refresher.relearn(call.model_id)
        if model is None:
            return None
        try:
            retry = replanner.outgoing(call, model, self.note)  # `call` is left as it is
        except ProxyError:
            return None
        return None if retry == first else retry

    async def with_fallbacks(
        self, tries: Sequence[tuple[Call, Model | None]], replanner: Replanner
    ) -> Upstreamed:
        """Ask each model in turn, alone with its own `modalities`, until one answers.

        Any answer but 404, 408, 429 or 5xx ends the list (a 400, 401, 402 or 403 is the
        client's to fix, and goes back as it is); a model whose plan the policy refuses is
        skipped. When all fail, the last failure goes back as it came (raised, when it was a
        refusal)."""
        last: Upstreamed | None = None
        refusal: ProxyError | None = None
        for position, (call, model) in enumerate(tries):
            self.note.fallback = position
            try:
                attempt = replanner.outgoing(call, model, self.note)
            except ProxyError as refused:
                last, refusal = None, refused
                continue
            exchanged = await self.send(attempt)
            if not fallbacks.tries_next(exchanged.answer.status):
                return exchanged
            body = await self._read_error(exchanged.answer)
            last, refusal = replace(exchanged, read=body), None
            self.note.retried = "fallback"
        if last is None:
            assert refusal is not None, "a fallback list has at least one model"
            raise refusal
        return last

    async def through_images(self, model_id: str, first: Outgoing) -> Upstreamed:
        """Ask the Images API for `first` (a chat body as planned), and return its answer made
        into chat's (`app.api.images_bridge`); ClientError (400) for what it cannot be asked."""
        try:
            served = await self.image_models.find(model_id)
        except UpstreamFailure:
            served = None  # the request goes unchecked: upstream says what it cannot take
        return await self.send(images_bridge.images_outgoing(model_id, first, served))
