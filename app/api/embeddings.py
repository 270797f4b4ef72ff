"""Answer OpenAI's embeddings route, `/embeddings`, by OpenRouter's at the same path.

Upstream is always asked for `float` vectors; they are answered as the client asked, as the
answer streams (see `app.translate.embeddings` and `app.translate.embeddings_stream`)."""

import functools

import orjson
from starlette.requests import Request
from starlette.responses import Response

from app.api.bodies import parse_json_object, read_body
from app.api.model_check import model_for
from app.api.outgoing import Outgoing
from app.api.services import exchange_for, services_of
from app.policy.endpoints import EMBEDDINGS
from app.translate.embeddings import embeddings_request
from app.translate.embeddings_stream import EmbeddingsStream
from app.upstream.reshape import Reshape


async def embeddings(request: Request) -> Response:
    """Answer `client.embeddings.create`.

    The model is checked first, then asked for floats; the answer is relayed, or its vectors
    encoded one at a time once its first embedding is seen (an answer with none is a 502)."""
    services = services_of(request)
    body = parse_json_object(await read_body(request, services.settings.proxy_max_body_bytes))
    await model_for(request, body.get("model"), EMBEDDINGS)
    checked = embeddings_request(body)
    rewrite = functools.partial(EmbeddingsStream, body["model"], checked.base64)
    answer = Reshape(rewrite=rewrite)
    content = orjson.dumps(checked.payload)
    return exchange_for(request).forward(Outgoing(b"embeddings", content, [], lambda _: answer))
