"""Chat for a model that only the Images API serves: pure translations, with no I/O.

The chat request becomes `POST {base}/images`: the prompt is the text of the last `user` message,
its `image_url` parts the `input_references`; `image_config.aspect_ratio` and `image_size` become
`aspect_ratio` and `resolution`; `n`, `seed` and `provider` are kept. Earlier messages (history,
system) are not sent. The Images API is always asked for the whole answer (no `stream`); a client
that streams gets that answer as the chunks of a streamed chat completion
(`app.translate.chat_image_answers`), as a chat image model's would: `message.images[]` holding
`data:` URLs.

Every other field is sent nowhere: either ignored (`IGNORED`: it changes nothing an image
generation answers) or refused with a 400 naming it (`REFUSED`, and any field not listed).
"""

from collections.abc import Mapping
from typing import Any, Final

from app.catalog.image_models import ImageModel
from app.errors import ProxyError
from app.translate import images
from app.translate.images import refused

# Sent, in the Images API's terms.
MAPPED: Final = frozenset({"model", "messages", "n", "seed", "provider", "image_config"})
IMAGE_CONFIG: Final = {"aspect_ratio": "aspect_ratio", "image_size": "resolution"}
# How the client wants the answer: read by the route, not sent.
ANSWER_FIELDS: Final = frozenset({"stream", "stream_options", "usage"})
# Sampling and length of text tokens: OpenRouter itself ignores those a model's providers do not
# take (image models take none), unless `provider.require_parameters` asks it not to.
SAMPLING: Final = frozenset(
    {
        "temperature", "top_p", "top_k", "min_p", "top_a", "frequency_penalty",
        "presence_penalty", "repetition_penalty", "logit_bias", "stop", "max_tokens",
        "max_completion_tokens", "reasoning", "reasoning_effort", "include_reasoning", "verbosity",
    }
)  # fmt: skip
# Bookkeeping, or settled before the bridge: `modalities` by the route's policy; `transforms`
# only compress the history, which is not sent; `route` only orders `models`, which is refused.
IGNORED: Final = SAMPLING | {
    "modalities", "user", "safety_identifier", "prompt_cache_key", "metadata", "store",
    "service_tier", "transforms", "route", "parallel_tool_calls",
}  # fmt: skip
# They ask for what an image generation cannot give: refused, unless they hold one of these
# values, which ask nothing.
REFUSED: Final[Mapping[str, tuple[Any, ...]]] = {
    "tools": ([],),
    "functions": ([],),
    "tool_choice": ("none", "auto"),
    "function_call": ("none", "auto"),
    "response_format": ({"type": "text"},),
    "logprobs": (False,),
    "top_logprobs": (0,),
    "audio": (),
    "prediction": (),
    "web_search_options": (),
    "plugins": ([],),
    "models": ([],),
}
# The names of the Images API's fields in a chat request, for the 400s of `images_request`.
CHAT_NAMES: Final = {
    "aspect_ratio": "image_config.aspect_ratio",
    "resolution": "image_config.image_size",
    "input_references": "the `image_url` parts of the last user message",
}


def images_request_from_chat(
    payload: Mapping[str, Any], model: ImageModel | None = None
) -> dict[str, Any]:
    """Return the Images API body for the chat body `payload`.

    It is checked against what `model` takes (by its `GET /images/models` descriptors; unchecked
    without it). Raises ProxyError (400, naming the field) for a field that cannot be honoured or an
    unusable last user message.
    """
    if model is None:
        model = _unchecked(payload.get("model"))
    for name, value in payload.items():
        _check_field(name, value, payload)
    prompt, references = _prompt_and_references(payload.get("messages"))
    config = _image_config(payload.get("image_config"))
    fields = {"prompt": prompt, "n": payload.get("n"), "seed": payload.get("seed"), **config}
    if "provider" in payload:
        fields["provider"] = payload["provider"]
    try:
        return images.images_request(fields, model, references).payload
    except ProxyError as error:
        raise _in_chat_terms(error) from None


def _unchecked(model_id: Any) -> ImageModel:
    if not isinstance(model_id, str) or not model_id:
        raise refused("model", "`model` is required")
    return ImageModel(model_id, {name: {} for name in ("seed", *CHAT_NAMES)})


def _check_field(name: str, value: Any, payload: Mapping[str, Any]) -> None:
    """Raise ProxyError for a field that is not mapped, read by the route or ignored."""
    if value is None or name in MAPPED or name in ANSWER_FIELDS:
        return
    if name in SAMPLING and _requires_parameters(payload.get("provider")):
        why = "`provider.require_parameters` asks that every parameter be honoured"
        raise refused(name, f"The Images API has no `{name}`, and {why}: leave one of them out")
    if name in IGNORED or value in REFUSED.get(name, ()):
        return
    served = f"{payload.get('model')} is served only by the Images API"
    if name in REFUSED:
        message = f"{served}, which makes images from a prompt: `{name}` cannot be honoured"
    else:
        message = f"{served}, which has no equivalent of `{name}`"
    raise refused(name, f"{message}; leave it out")


def _requires_parameters(provider: Any) -> bool:
    return isinstance(provider, dict) and provider.get("require_parameters") is True


def _prompt_and_references(messages: Any) -> tuple[str, list[str]]:
    """Return the text of the last user message and the URLs of its `image_url` parts.

    The text is its `text` parts joined by newlines.
    """
    if not isinstance(messages, list):
        raise refused("messages", "`messages` must be a list of messages")
    users = [item for item in messages if isinstance(item, dict) and item.get("role") == "user"]
    if not users:
        raise refused("messages", "`messages` holds no `user` message: its text is the prompt")
    content = users[-1].get("content")
    parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
    if not isinstance(parts, list):
        raise refused("messages", "the last user message's `content` must be text or parts")
    texts = [_text(part) for part in parts if _kind(part) == "text"]
    urls = [_url(part) for part in parts if _kind(part) == "image_url"]
    if not "\n".join(texts).strip():
        message = "the last user message has no text: it is the prompt of the image"
        raise refused("messages", message)
    return "\n".join(texts), urls


def _kind(part: Any) -> str:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind not in ("text", "image_url"):
        message = f"the last user message has a part of type {kind!r}: the Images API takes"
        raise refused("messages", f"{message} only `text` and `image_url` parts")
    return str(kind)


def _text(part: dict[str, Any]) -> str:
    text = part.get("text")
    if not isinstance(text, str):
        raise refused("messages", "a `text` part of the last user message has no `text` string")
    return text


def _url(part: dict[str, Any]) -> str:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url:
        raise refused("messages", "an `image_url` part of the last user message has no `url`")
    return url


def _image_config(config: Any) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise refused("image_config", "`image_config` must be an object")
    for name in config:
        if name not in IMAGE_CONFIG:
            message = f"`image_config.{name}` has no equivalent in the Images API: leave it out"
            raise refused("image_config", f"{message} (it takes {', '.join(IMAGE_CONFIG)})")
    return {IMAGE_CONFIG[name]: value for name, value in config.items()}


def _in_chat_terms(error: ProxyError) -> ProxyError:
    """Return `images.images_request`'s 400 naming the chat field beside the Images API's."""
    chat_name = CHAT_NAMES.get(error.code.removeprefix("unsupported_"))
    if chat_name is None:
        return error
    return ProxyError(error.status, f"{error.message} (from {chat_name})", error.code, error.kind)
