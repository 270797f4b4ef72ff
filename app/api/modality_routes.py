"""Plan a call to a route that takes `modalities` (chat, the Responses API) for its model.

The policy decides `modalities` (`app.policy.modalities`), the route's planner what else changes
(`app.policy.plan`); the result is the request to send upstream (`Outgoing`). Both routes are
built once, with the app's services (`app.api.services`).
"""

from dataclasses import dataclass

from app.api.outgoing import Outgoing
from app.catalog.records import Model
from app.errors import ClientError
from app.ops.metrics import Note
from app.policy.endpoints import CHAT, RESPONSES, Endpoint, refuse_on_chat
from app.policy.modalities import CHAT_MODALITIES, MISSING, RESPONSES_MODALITIES, Action, Policy
from app.policy.plan import Call, ChatPlanner, Planner, ResponsesPlanner
from app.settings import Settings
from app.translate.audio import AudioCollector
from app.upstream.caps import Held
from app.upstream.reshape import Reshape

NO_MODALITIES = [(b"x-modalities", b"none")]
ASKED_CHARS = 200  # of the modalities a request asked, as its trace shows them


@dataclass(frozen=True, slots=True)
class ModalityRoute:
    """A route that takes `modalities`: its upstream path, its policy, and its planner."""

    path: bytes
    policy: Policy
    planner: Planner
    images_bridge: bool = False  # models only the Images API serves are asked there instead
    fallbacks: bool = False  # a `models` list whose models need different bodies is run here
    endpoint: Endpoint = CHAT  # how a refusal of a model made for another route names this one

    def outgoing(
        self, call: Call, model: Model | None, note: Note, subsets: bool = False
    ) -> Outgoing:
        """Plan `call` for `model` (None: not in the catalog) and return what to send upstream.

        ClientError (400) when the policy refuses it: upstream is not called. With `subsets`,
        a part of the model's outputs goes as asked (see `Policy.decide`). Every answer carries
        `X-Modalities`; `note` gets the decision. `call` is left as it is."""
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
        if note.traced:  # what only the spans show
            note.modalities_asked = asked(call.requested)
            note.modalities_sent = sent[0][1].decode()
        if decision.action in (Action.INVALID, Action.REJECT):
            refusal = ClientError(decision.reason, f"modalities_{decision.action}")
            raise refusal.with_headers(sent)
        plan = self.planner.plan(call.payload, decision, model)
        if plan.dropped:
            sent.append((b"x-dropped-parameters", ",".join(plan.dropped).encode()))
        note.dropped, note.assembled = ",".join(plan.dropped), plan.assemble
        reshaper = assembled_audio if plan.assemble else None
        subset = decision.action is Action.SUBSET
        return Outgoing(self.path, plan.body(call.body), sent, reshaper, subset)


def chat_route(settings: Settings) -> ModalityRoute:
    """Build chat's route: tools dropped for image models, audio assembled, the Images API
    asked for the models only it serves, and `models` fallback lists run here when needed."""
    policy = Policy(settings.proxy_on_unsupported, CHAT_MODALITIES)
    planner = ChatPlanner(settings.proxy_drop_tools_for_image_models)
    path = b"chat/completions"
    return ModalityRoute(path, policy, planner, images_bridge=True, fallbacks=True)


def responses_route(settings: Settings) -> ModalityRoute:
    """Build the Responses API's route: `modalities` alone changes."""
    policy = Policy(settings.proxy_on_unsupported, RESPONSES_MODALITIES)
    return ModalityRoute(b"responses", policy, ResponsesPlanner(), endpoint=RESPONSES)


def assembled_audio(content_type: str) -> Reshape | None:
    """Assemble a streamed answer into one completion (see `app.translate.audio`)."""
    if content_type != "text/event-stream":
        return None
    return Reshape(collect=AudioCollector, held=Held.AUDIO)


def asked(requested: object) -> str:
    """Return a request's `modalities` as its trace shows them.

    The names comma-separated, at most `ASKED_CHARS` characters of them (a client may send any
    list); "" when it sent none."""
    if not isinstance(requested, list):
        return ""
    return ",".join(item for item in requested if isinstance(item, str))[:ASKED_CHARS]
