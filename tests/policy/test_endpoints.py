"""Which route a model is for, and the refusal of a model asked on the wrong one: tables."""

import pytest

from app.policy import endpoints
from app.policy.endpoints import (
    CHAT,
    EMBEDDINGS,
    RESPONSES,
    SPEECH,
    TRANSCRIPTION,
    Endpoint,
    endpoint_for,
    refuse_on,
    refuse_on_chat,
    route_in_words,
)


@pytest.mark.parametrize(
    ("outputs", "route"),
    [
        (("text",), "POST /v1/chat/completions"),
        (("image",), "POST /v1/chat/completions"),
        (("text", "audio"), "POST /v1/chat/completions"),
        (("embeddings",), "POST /v1/embeddings"),
        (("speech",), "POST /v1/audio/speech"),
        (("transcription",), "POST /v1/audio/transcriptions"),
        (("video",), "POST /v1/videos"),
        (("rerank",), "POST /api/v1/rerank"),
        (("hologram", "embeddings"), "POST /v1/embeddings"),
    ],
)
def test_endpoint_for_reads_the_outputs(outputs: tuple[str, ...], route: str) -> None:
    found = endpoint_for(outputs)
    assert found is not None
    assert found.route == route


def test_decision_models_have_no_openai_route() -> None:
    found = endpoint_for(("decisions",))
    assert found is endpoints.DECISIONS
    assert "/api/alpha/decisions" in found.route
    assert "no OpenAI route" in found.route


@pytest.mark.parametrize("outputs", [(), ("hologram",)])
def test_no_endpoint_for_unknown_outputs(outputs: tuple[str, ...]) -> None:
    assert endpoint_for(outputs) is None


@pytest.mark.parametrize(
    ("model", "outputs", "asked", "route"),
    [
        ("openai/text-embedding-3-small", ("embeddings",), CHAT, "POST /v1/embeddings"),
        ("hexgrad/kokoro-82m", ("speech",), CHAT, "POST /v1/audio/speech"),
        ("openai/whisper-1", ("transcription",), RESPONSES, "POST /v1/audio/transcriptions"),
        ("google/veo-3.1", ("video",), CHAT, "POST /v1/videos"),
        ("cohere/rerank-v3.5", ("rerank",), RESPONSES, "POST /api/v1/rerank"),
        ("acme/decider", ("decisions",), CHAT, "/api/alpha/decisions"),
    ],
)
def test_chat_refuses_models_of_other_routes(
    model: str, outputs: tuple[str, ...], asked: Endpoint, route: str
) -> None:
    refusal = refuse_on_chat(model, outputs, asked)
    assert refusal is not None
    assert refusal.code == "wrong_endpoint"
    assert model in refusal.message
    assert f"outputs {outputs[0]}" in refusal.message
    assert f"which {asked.name} cannot return" in refusal.message
    assert route in refusal.message


@pytest.mark.parametrize(
    "outputs", [("text",), ("image",), ("audio", "text"), ("image", "text"), (), ("hologram",)]
)
def test_chat_lets_chat_and_unknown_models_go(outputs: tuple[str, ...]) -> None:
    assert refuse_on_chat("some/model", outputs, CHAT) is None
    assert refuse_on_chat("some/model", outputs, RESPONSES) is None


@pytest.mark.parametrize(
    ("model", "outputs", "asked", "elsewhere"),
    [
        ("openai/gpt-5", ("text",), SPEECH, "use POST /v1/chat/completions for it"),
        ("hexgrad/kokoro-82m", ("speech",), EMBEDDINGS, "use POST /v1/audio/speech for it"),
        ("openai/text-embedding-3-small", ("embeddings",), TRANSCRIPTION, "/v1/embeddings"),
        ("openai/whisper-1", ("transcription",), SPEECH, "POST /v1/audio/transcriptions"),
        ("acme/new", ("hologram",), SPEECH, "it outputs hologram)"),
        ("acme/bare", (), EMBEDDINGS, "it outputs nothing the catalog names)"),
    ],
)
def test_each_route_refuses_models_made_for_another(
    model: str, outputs: tuple[str, ...], asked: Endpoint, elsewhere: str
) -> None:
    refusal = refuse_on(model, outputs, asked)
    assert refusal is not None
    made = next(iter(asked.outputs))
    assert refusal.code == f"model_not_{made}"
    assert refusal.message.startswith(f"{model} does not make {made} (it outputs")
    assert elsewhere in refusal.message
    assert refusal.message.endswith(f"GET /v1/models?output_modalities={made}")


@pytest.mark.parametrize(
    ("outputs", "asked"),
    [(("speech",), SPEECH), (("embeddings",), EMBEDDINGS), (("transcription",), TRANSCRIPTION)],
)
def test_each_route_takes_its_own_models(outputs: tuple[str, ...], asked: Endpoint) -> None:
    assert refuse_on("some/model", outputs, asked) is None


@pytest.mark.parametrize(
    ("outputs", "says"),
    [
        (("image", "text"), "Route: POST /v1/chat/completions."),
        (("hologram",), "Route: none of the proxy's routes knows what some/model outputs."),
        (("rerank",), "Route: POST /api/v1/rerank, not chat. On chat or Responses the proxy"),
    ],
)
def test_route_in_words(outputs: tuple[str, ...], says: str) -> None:
    assert route_in_words("some/model", outputs).startswith(says)


def test_route_in_words_says_why_chat_refuses() -> None:
    words = route_in_words("cohere/rerank-v3.5", ("rerank",))
    assert words.endswith(
        "Why: cohere/rerank-v3.5 outputs rerank, which chat cannot return; "
        "use POST /api/v1/rerank for it."
    )


@pytest.mark.parametrize(
    ("asked", "says"),
    [
        (CHAT, "acme/decider outputs decisions, which chat cannot return; use "),
        (RESPONSES, "acme/decider outputs decisions, which the Responses API cannot return; use "),
    ],
)
def test_the_refusal_on_chat_in_full(asked: Endpoint, says: str) -> None:
    refusal = refuse_on_chat("acme/decider", ("decisions",), asked)
    assert refusal is not None
    assert refusal.message == (
        f"{says}OpenRouter's POST /api/alpha/decisions (no OpenAI route: call OpenRouter for it) "
        "for it"
    )


def test_an_audio_only_model_is_for_chat() -> None:
    assert endpoint_for(("audio",)) is CHAT
    assert refuse_on_chat("acme/voice", ("audio",), CHAT) is None


def test_a_refusal_names_every_output_of_the_model() -> None:
    refusal = refuse_on("openai/gpt-audio", ("text", "audio"), SPEECH)
    assert refusal is not None
    assert "(it outputs text and audio; use POST /v1/chat/completions for it)" in refusal.message
