"""Hold what the handlers share, and build each request's exchange with upstream from it.

The services are built once by the app's lifespan, which owns them (`app.main`)."""

from dataclasses import dataclass, field

from starlette.requests import Request

from app.api.exchange import Exchange
from app.api.modality_routes import ModalityRoute, chat_route, responses_route
from app.catalog.image_models import ImageModels
from app.catalog.refresh import CatalogRefresher
from app.ops.metrics import Metrics, Note
from app.ops.reservations import Pools, Reservations
from app.settings import Settings
from app.upstream.caps import Caps
from app.upstream.interface import Incoming, UpstreamApi
from app.upstream.timeouts import Deadlines


@dataclass(frozen=True)
class Services:
    """What the handlers need, built once and owned by the app's lifespan.

    What follows from the settings is built with them: timeouts, caps, and the routes that take
    `modalities`."""

    settings: Settings
    upstream: UpstreamApi
    refresher: CatalogRefresher
    metrics: Metrics
    image_models: ImageModels
    pools: Pools  # what requests may hold at once (app.ops.reservations)
    client_keys: tuple[bytes, ...] = ()  # gateway mode when not empty
    cors_origins: frozenset[str] = frozenset()  # the web pages that may call the proxy
    gateway_forwards: frozenset[str] = frozenset()  # "METHOD /path" the catch-all forwards
    deadlines: Deadlines = field(init=False)  # of upstream's answers: its start, its gaps
    caps: Caps = field(init=False)  # what of upstream's answers the proxy holds at most
    chat_route: ModalityRoute = field(init=False)
    responses_route: ModalityRoute = field(init=False)

    def __post_init__(self) -> None:
        settings = self.settings
        object.__setattr__(self, "deadlines", Deadlines.of(settings))
        object.__setattr__(self, "caps", Caps.of(settings))
        object.__setattr__(self, "chat_route", chat_route(settings))
        object.__setattr__(self, "responses_route", responses_route(settings))


# Read from the scope's `state` (ASGI's lifespan state), not `request.state`: each attribute of
# that is a property, a failed lookup and `State.__getattr__` (0.46 us against 0.03, timeit), and
# these are read ten times a request.
def services_of(request: Request) -> Services:
    """Return the services of the app that serves `request`."""
    found: Services = request.scope["state"]["services"]
    return found


def note_of(request: Request) -> Note:
    """Return the log record of `request` (`app.ops.observe` puts it in the scope's state)."""
    note: Note = request.scope["state"]["note"]
    return note


def reservations(request: Request) -> Reservations:
    """Return what `request` holds of the pools (`app.api.routes.ApiEndpoint` gives it all back
    when the answer is done)."""
    held: Reservations = request.scope["state"]["held"]
    return held


def exchange_for(request: Request) -> Exchange:
    """Build the exchange with upstream for `request`: the services, the client's request as
    upstream needs it, and its log record."""
    scope = request.scope
    state = scope["state"]
    services: Services = state["services"]
    note: Note = state["note"]
    trace = state.get("trace")
    incoming = Incoming(
        scope["method"], scope["query_string"], scope["headers"], note.request_id, trace
    )
    return Exchange(
        services.upstream,
        services.refresher,
        services.image_models,
        services.deadlines,
        incoming,
        note,
        services.caps,
        state["held"],
    )
