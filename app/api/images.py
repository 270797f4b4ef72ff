"""Answer OpenAI's image routes, `/images/generations` and `/images/edits`.

They are served by OpenRouter's Images API, or through chat for a model that only chat serves
(see `app.translate.images`)."""

from collections.abc import Callable, Sequence
from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from app.api import multipart
from app.api.bodies import parse_json_object, read_body
from app.api.outgoing import Outgoing
from app.api.services import Services, exchange_for, note_of, services_of
from app.catalog.image_models import ImageModel
from app.catalog.records import Model
from app.errors import ClientError, UpstreamFailure, UpstreamUnavailable
from app.policy.modalities import Action, Policy
from app.settings import OnUnsupported
from app.translate import image_answers, images
from app.translate.images import ImageRequest
from app.translate.whole import Parsed
from app.upstream.caps import Held
from app.upstream.reshape import Reshape, Reshaper

GENERATION, EDIT = "image_generation", "image_edit"  # how OpenAI names each one's stream events
FIND_IMAGE_MODELS = "pick one from GET /v1/models?output_modalities=image"
NUMBER_FIELDS = frozenset({"n", "output_compression", "partial_images"})
MAX_DIGITS = 9  # far beyond any count, and far within a 64-bit integer
MAX_UPLOADS = 16
EDIT_FORM = multipart.FormKind(max_files=MAX_UPLOADS + 1)  # and a mask
CHAT_IMAGES_POLICY = Policy(OnUnsupported.REJECT)  # images asked of chat: a model makes them


async def image_generations(request: Request) -> Response:
    """Answer `client.images.generate`: OpenAI's JSON body."""
    services = services_of(request)
    settings = services.settings
    body = parse_json_object(
        await read_body(request, settings.proxy_max_body_bytes), settings.proxy_max_json_items
    )
    return await generate(request, body, (), GENERATION)


async def image_edits(request: Request) -> Response:
    """Answer `client.images.edit`: OpenAI's multipart form, its images sent as
    `input_references`."""
    services = services_of(request)
    fields, uploads = await read_edit_form(request, services.settings.proxy_max_body_bytes)
    return await generate(request, fields, uploads, EDIT)


async def generate(
    request: Request, body: dict[str, Any], uploads: Sequence[str], kind: str
) -> Response:
    """Check the model against the catalog (one that makes no images is refused, upstream not
    called), then ask the Images API, or chat for a model that only chat serves."""
    services = services_of(request)
    model_id = body.get("model")
    if not isinstance(model_id, str) or not model_id:
        raise ClientError(f"`model` is required: {FIND_IMAGE_MODELS}", "invalid_model")
    model = await services.refresher.find(model_id)
    note_of(request).model = model.id if model else model_id  # labelled "unknown"
    if model is not None and "image" not in model.output_modalities:
        outputs = ", ".join(model.output_modalities)
        message = f"{model.id} does not make images (it outputs {outputs}); {FIND_IMAGE_MODELS}"
        raise ClientError(message, "model_not_image")
    served = await _images_api_model(services, model_id)
    if served is not None:
        checked = images.images_request(body, served, uploads)
        path, content = b"images", orjson.dumps(checked.payload)
    elif model is not None:
        checked = images.images_request(body, _chat_bridged(model), uploads)
        path, content = b"chat/completions", orjson.dumps(_chat_request(checked, model))
    else:
        message = f"{model_id} is not a model OpenRouter lists; {FIND_IMAGE_MODELS}"
        raise ClientError(message, "model_not_found")
    reshaper = _reshaper(checked, kind, through_chat=served is None)
    dropped = [(b"x-dropped-parameters", ",".join(checked.dropped).encode())]
    headers = dropped if checked.dropped else []
    return exchange_for(request).forward(Outgoing(path, content, headers, reshaper))


async def _images_api_model(services: Services, model_id: str) -> ImageModel | None:
    try:
        return await services.image_models.find(model_id)
    except UpstreamFailure as error:
        message = f"OpenRouter's Images API could not be asked: {error}; try again later"
        raise UpstreamUnavailable(message) from None


def _chat_bridged(model: Model) -> ImageModel:
    return ImageModel(model.id, images.CHAT_BRIDGE_PARAMETERS)


def _chat_request(checked: ImageRequest, model: Model) -> dict[str, Any]:
    """Build the chat body, with the `modalities` that the model answers images to."""
    decision = CHAT_IMAGES_POLICY.decide(["image"], model.id, model)
    modalities = decision.modalities if decision.action is Action.REWRITE else ("image",)
    return images.chat_body(checked, modalities)


def _reshaper(checked: ImageRequest, kind: str, through_chat: bool) -> Reshaper:
    """What becomes of a 200 answer: OpenAI's ImagesResponse (upstream's bytes as they come but
    its `usage`, in OpenAI's terms, where they fit; else collected), or OpenAI's stream events
    (upstream's own, named as OpenAI names them, or one `completed` event per image when the
    answer came whole)."""
    media_type = b"text/event-stream" if checked.stream else b"application/json"
    if through_chat or checked.stream or checked.response_format == "url":
        answer = _answer(checked, kind, through_chat)
        whole = Reshape(media_type, collect=lambda: Parsed(answer), held=Held.IMAGES)
    else:  # only the usage to translate: never held whole
        whole = Reshape(media_type, rewrite=image_answers.usage_rewriter)
    renamed = Reshape(media_type, each_event=image_answers.as_edit_event) if kind == EDIT else None

    def reshape(content_type: str) -> Reshape | None:
        if content_type == "text/event-stream" and not through_chat:
            return renamed
        return whole

    return reshape


def _answer(checked: ImageRequest, kind: str, through_chat: bool) -> Callable[[Any], bytes]:
    """The client's answer made of upstream's whole (parsed), as `checked` asks for it."""
    first = image_answers.images_from_chat if through_chat else image_answers.as_images_response

    def answer(upstream: Any) -> bytes:
        made = first(upstream)
        if checked.stream:
            return image_answers.completed_events(made, kind)
        if checked.response_format == "url":
            made = image_answers.with_urls(made)
        return orjson.dumps(made)

    return answer


async def read_edit_form(request: Request, limit: int) -> tuple[dict[str, Any], list[str]]:
    """The fields of OpenAI's multipart edit form, and its images (`image` or `image[]`) as data
    URLs; a `mask` becomes a data URL field too. Read by `multipart.read_form`, within `limit`
    bytes (413 beyond); ClientError (400) for a body that is not such a form."""
    form = await multipart.read_form(request, limit, EDIT_FORM)
    fields: dict[str, Any] = {}
    uploads: list[str] = []
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                url = images.data_url(await value.read(), value.content_type)
                if name == "mask":
                    fields["mask"] = url
                elif name in ("image", "image[]"):
                    uploads.append(url)
                else:
                    raise ClientError(f"Unexpected file field `{name}`", "invalid_form")
            else:
                fields[name] = _form_value(name, value)
    finally:
        await form.close()
    if not uploads:
        raise ClientError("An edit needs at least one `image` file", "invalid_form")
    return fields, uploads


def _form_value(name: str, value: str) -> Any:
    """A form field as the JSON body would carry it: numbers and `stream` typed."""
    if name == "stream":
        return value.lower() == "true"
    if name in NUMBER_FIELDS:
        if not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
            message = f"`{name}` must be a whole number of at most {MAX_DIGITS} digits"
            raise ClientError(message, f"unsupported_{name}")
        return int(value)
    return value
