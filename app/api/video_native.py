"""OpenRouter's own video API at `/api/v1/videos`: its shape kept (what OpenRouter's SDKs and
`@openrouter/ai-sdk-provider` send), checked against the model's list before it goes (see
`app.translate.video_native`). Polling and content are forwarded as they are by the catch-all
route."""

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.bodies import parse_json_object, read_body
from app.api.outgoing import Outgoing
from app.api.services import exchange_for, services_of
from app.api.videos import listed_video_model
from app.errors import ClientError
from app.translate.video_native import checked_native

DROPPED = b"x-dropped-parameters"


async def create_native(request: Request) -> Response:
    """Answer `POST /api/v1/videos`, checked against the model's list.

    A value the model does not take is a 400 listing what it takes; `generate_audio` and `seed`
    for a model without them are dropped and named in `X-Dropped-Parameters`. A model the video
    list does not know goes as it is: upstream decides, and answers in its own shape."""
    services = services_of(request)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        message = "OpenRouter's video API takes JSON; OpenAI's client.videos goes to /v1/videos"
        raise ClientError(message, "invalid_json")
    body = await read_body(request, services.settings.proxy_max_body_bytes)
    payload = parse_json_object(body)
    model_id = payload.get("model")
    model = await listed_video_model(request, model_id) if isinstance(model_id, str) else None
    checked = checked_native(payload, model) if model is not None else None
    exchange = exchange_for(request)
    if checked is None or not checked.dropped:
        return exchange.forward(Outgoing(b"videos", body, []))
    named = [(DROPPED, ",".join(checked.dropped).encode())]
    return exchange.forward(Outgoing(b"videos", orjson.dumps(checked.payload), named))
