"""What the handlers share: the services that the app's lifespan builds and owns, and the
exchange with upstream that each request gets from them."""

from dataclasses import dataclass, field

from starlette.requests import Request

from app.api.exchange import Exchange
from app.catalog.image_models import ImageModels
from app.catalog.refresh import CatalogRefresher
from app.ops.metrics import Metrics
from app.ops.reservations import Pools, Reservations
from app.settings import Settings
from app.upstream.caps import Caps
from app.upstream.interface import Incoming, UpstreamApi
from app.upstream.relay import Timeouts


@dataclass(frozen=True)
class Services:
    """What the handlers need; built and owned by the app's lifespan."""

    settings: Settings
    upstream: UpstreamApi
    catalog: CatalogRefresher
    metrics: Metrics
    image_models: ImageModels
    pools: Pools  # what requests may hold at once (app.ops.reservations)
    client_keys: tuple[bytes, ...] = ()  # gateway mode when not empty
    cors_origins: frozenset[str] = frozenset()  # the web pages that may call the proxy
    gateway_forwards: frozenset[str] = frozenset()  # "METHOD /path" the catch-all forwards
    timeouts: Timeouts = field(init=False)
    caps: Caps = field(init=False)  # what of upstream's answers the proxy holds at most

    def __post_init__(self) -> None:
        settings = self.settings
        object.__setattr__(self, "timeouts", Timeouts.of(settings))
        object.__setattr__(self, "caps", Caps.of(settings))


def services(request: Request) -> Services:
    found: Services = request.state.services
    return found


def reservations(request: Request) -> Reservations:
    """What `request` holds of the pools (`app.api.routes.ApiEndpoint` gives it all back when
    the answer is done)."""
    held: Reservations = request.state.held
    return held


def exchange_for(request: Request) -> Exchange:
    """The exchange with upstream for `request`: the services, the client's request as upstream
    needs it, and its log record."""
    proxy: Services = request.state.services
    note = request.state.note
    scope = request.scope
    trace = scope["state"].get("trace")
    incoming = Incoming(
        scope["method"], scope["query_string"], scope["headers"], note.request_id, trace
    )
    return Exchange(
        proxy.upstream,
        proxy.catalog,
        proxy.image_models,
        proxy.timeouts,
        incoming,
        note,
        proxy.caps,
        request.state.held,
    )
