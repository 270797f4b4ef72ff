"""Chat for the models only the Images API serves: a chat request asked of the Images API, and
its answer made into a chat completion or a chat stream's chunks (`app.translate.chat_images`,
`app.translate.chat_image_answers`). `Exchange.through_images` sends it."""

from typing import Any

import orjson

from app.api.outgoing import Outgoing
from app.catalog.image_models import ImageModel
from app.errors import ProxyError
from app.translate import chat_image_answers as answers
from app.translate import chat_images
from app.translate.whole import Parsed
from app.upstream.caps import Held
from app.upstream.reshape import Reshape


def images_outgoing(model_id: str, first: Outgoing, served: ImageModel | None) -> Outgoing:
    """Return the Images API request for `first`, a chat body as planned for `model_id`.

    `served` is the Images API's record of the model (None: unknown, sent unchecked). Its answer
    is collected whole and made into chat's, streamed or not as `first` asked; ClientError (400)
    for what the Images API cannot be asked, with `first`'s headers."""
    content = first.content
    payload = orjson.loads(content if isinstance(content, bytes) else b"".join(content))
    headers = [*first.headers, (b"x-served-by", b"images")]
    try:
        images_body = chat_images.images_request_from_chat(payload, served)
    except ProxyError as refused:
        raise refused.with_headers(headers) from None
    streamed = payload.get("stream") is True
    media_type = b"text/event-stream" if streamed else b"application/json"
    translate = answers.chat_chunks_from_images if streamed else answers.chat_completion_from_images

    def to_chat(images_answer: Any) -> bytes:
        return translate(images_answer, model=model_id)

    answer = Reshape(media_type, collect=lambda: Parsed(to_chat), held=Held.IMAGES)
    return Outgoing(b"images", orjson.dumps(images_body), headers, lambda _: answer)
