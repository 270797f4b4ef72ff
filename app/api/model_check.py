"""Check the model of a request to a route made for one kind of model.

Speech, transcription and embeddings: the model is looked up, and refused before upstream is
called when it is made for another route."""

from starlette.requests import Request

from app.api.services import note_of, services_of
from app.catalog.records import Model
from app.errors import ClientError
from app.policy.endpoints import Endpoint, refuse_on


async def model_for(request: Request, model_id: object, endpoint: Endpoint) -> Model | None:
    """Return the catalog's record of `model_id`, checked for `endpoint`.

    None for a model the catalog does not know (upstream says what it makes of it). ClientError
    (400) for no model, or one that makes none of what `endpoint` answers, naming what it
    outputs and where to go."""
    if not isinstance(model_id, str) or not model_id:
        message = f"`model` is required: pick one from {endpoint.listing}"
        raise ClientError(message, "invalid_model")
    model = await services_of(request).refresher.find(model_id)
    note_of(request).model = model.id if model else model_id  # labelled "unknown"
    if model is not None:
        refusal = refuse_on(model_id, model.output_modalities, endpoint)
        if refusal is not None:
            raise ClientError(refusal.message, refusal.code)
    return model
