"""The route each kind of model is for, and the refusal of a model asked on another route.

OpenRouter serves each kind of model at its own endpoint: chat answers text, images and audio;
embeddings, speech, transcription, video, rerank and decision models each have theirs. Asked on
the wrong one, upstream answers an error that does not say where to go; the proxy says it first.
Pure.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A route, and the output modalities of the models it serves."""

    name: str  # how a refusal names the route: "chat", "speech", ...
    route: str  # where a client goes: "POST /v1/embeddings", or a sentence when none
    outputs: frozenset[str]

    @property
    def listing(self) -> str:
        """Where a client finds the models this route serves."""
        return f"GET /v1/models?output_modalities={','.join(sorted(self.outputs))}"


CHAT: Final = Endpoint("chat", "POST /v1/chat/completions", frozenset({"text", "image", "audio"}))
RESPONSES: Final = Endpoint("the Responses API", "POST /v1/responses", CHAT.outputs)
EMBEDDINGS: Final = Endpoint("embeddings", "POST /v1/embeddings", frozenset({"embeddings"}))
SPEECH: Final = Endpoint("speech", "POST /v1/audio/speech", frozenset({"speech"}))
TRANSCRIPTION: Final = Endpoint(
    "transcription", "POST /v1/audio/transcriptions", frozenset({"transcription"})
)
VIDEO: Final = Endpoint("video", "POST /v1/videos", frozenset({"video"}))
RERANK: Final = Endpoint("rerank", "POST /api/v1/rerank", frozenset({"rerank"}))
DECISIONS: Final = Endpoint(
    "decisions",
    "OpenRouter's POST /api/alpha/decisions (no OpenAI route: call OpenRouter for it)",
    frozenset({"decisions"}),
)
# In the order a model's route is picked: chat first, for a model that chat can serve at all.
ENDPOINTS: Final = (CHAT, EMBEDDINGS, SPEECH, TRANSCRIPTION, VIDEO, RERANK, DECISIONS)


@dataclass(frozen=True, slots=True)
class Refusal:
    """The 400 for a model asked on a route not made for it."""

    message: str
    code: str


def endpoint_for(outputs: Collection[str]) -> Endpoint | None:
    """Return the route a model with these output modalities is for.

    None when none of them is known (an empty list, or modalities that appeared after this was
    written).
    """
    return next((endpoint for endpoint in ENDPOINTS if endpoint.outputs & set(outputs)), None)


def refuse_on_chat(model_id: str, outputs: Sequence[str], asked: Endpoint) -> Refusal | None:
    """Return the refusal of a chat-like request to a model another route serves, or None.

    `asked` is CHAT or RESPONSES. The model is refused when none of its outputs is one chat can
    return; one whose outputs are all unknown goes on: upstream may serve it, and the proxy
    cannot say where.
    """
    if set(outputs) & asked.outputs:
        return None
    home = endpoint_for(outputs)
    if home is None:
        return None
    message = (
        f"{model_id} outputs {_words(outputs)}, which {asked.name} cannot return; "
        f"use {home.route} for it"
    )
    return Refusal(message, "wrong_endpoint")


def refuse_on(model_id: str, outputs: Sequence[str], asked: Endpoint) -> Refusal | None:
    """Return the refusal of a request on `asked` to a model that makes none of what it answers.

    `asked` is a route for one kind of model. None when the model makes what it answers.
    """
    if set(outputs) & asked.outputs:
        return None
    home = endpoint_for(outputs)
    elsewhere = f"; use {home.route} for it" if home is not None else ""
    made = "/".join(sorted(asked.outputs))
    message = (
        f"{model_id} does not make {made} (it outputs {_words(outputs)}{elsewhere}); "
        f"pick a model from {asked.listing}"
    )
    return Refusal(message, f"model_not_{made}")


def _words(outputs: Sequence[str]) -> str:
    return " and ".join(outputs) if outputs else "nothing the catalog names"


def route_in_words(model_id: str, outputs: Sequence[str]) -> str:
    """Describe the route a model is for, and what chat answers when it cannot serve the model.

    For a model chat cannot serve, chat and Responses answer 400 themselves (`modality-proxy
    explain`).
    """
    home = endpoint_for(outputs)
    if home is None:
        return f"Route: none of the proxy's routes knows what {model_id} outputs."
    refusal = refuse_on_chat(model_id, outputs, CHAT)
    if refusal is None:
        return f"Route: {home.route}."
    return (
        f"Route: {home.route}, not chat. On chat or Responses the proxy answers 400 itself, "
        f"whatever `modalities` asks; nothing goes upstream.\nWhy: {refusal.message}."
    )
