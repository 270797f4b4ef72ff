"""What the handlers share: the services that the app's lifespan builds and owns."""

from dataclasses import dataclass

from starlette.requests import Request

from app.catalog.image_models import ImageModels
from app.catalog.refresh import CatalogRefresher
from app.ops.metrics import Metrics
from app.settings import Settings
from app.upstream.client import Upstream


@dataclass(frozen=True)
class Services:
    """What the handlers need; built and owned by the app's lifespan."""

    settings: Settings
    upstream: Upstream
    catalog: CatalogRefresher
    metrics: Metrics
    image_models: ImageModels
    client_keys: tuple[bytes, ...] = ()  # gateway mode when not empty


def services(request: Request) -> Services:
    found: Services = request.state.services
    return found
