"""OpenAI's embeddings route, `/embeddings`, asked of OpenRouter's at the same path: always for
`float` vectors, answered as the client asked (see `app.translate.embeddings`)."""

import functools

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.bodies import parse_json_object, read_body
from app.api.exchange import Outgoing
from app.api.model_check import model_for
from app.api.services import exchange_for, services
from app.policy.endpoints import EMBEDDINGS
from app.translate.embeddings import EmbeddingsAnswer, embeddings_request
from app.upstream.reshape import Reshape


async def embeddings(request: Request) -> Response:
    """`client.embeddings.create`: the model checked first, then asked for floats; the answer
    collected, to encode its vectors or to turn an empty one into a 502."""
    proxy = services(request)
    body = parse_json_object(await read_body(request, proxy.settings.proxy_max_body_bytes))
    await model_for(request, body.get("model"), EMBEDDINGS)
    checked = embeddings_request(body)
    collect = functools.partial(EmbeddingsAnswer, body["model"], checked.base64)
    answer = Reshape(collect=collect)
    content = orjson.dumps(checked.payload)
    return exchange_for(request).forward(Outgoing(b"embeddings", content, [], lambda _: answer))
