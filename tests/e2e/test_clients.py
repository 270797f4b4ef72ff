"""Real clients, used as their READMEs show, against the proxy in front of the fake OpenRouter.

openai-python's synchronous client is mostly in test_chat.py; here are its async client,
LangChain's `ChatOpenAI`, and the Node clients in tests/e2e/clients/node (openai-node, the
Vercel AI SDK with OpenRouter's provider, and OpenRouter's own TypeScript SDK), which the tests
install themselves (`npm ci`) and skip only when node or npm is missing. Every client asks a text
model and an image-only model for ["image", "text"]: straight to the fake both fail with 404,
through the proxy both answer. Answers are summed up in one shape, `{"text", "images" (media
types), "chunks" (text pieces, when streamed)}`, and checked against one table, ANSWERS.
"""

import shutil
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openai
import orjson
import pytest
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessage, ChatCompletionMessageParam
from openai.types.chat.chat_completion_chunk import ChoiceDelta
from pydantic import SecretStr

from app.dev.emulator import FakeOpenRouter
from tests.conftest import images_of, sent_to

if TYPE_CHECKING:  # imported where used: 0.6 s off the collection of every xdist worker
    from langchain_core.messages import BaseMessage
    from langchain_openai import ChatOpenAI

MODELS = {"text": "openai/gpt-5", "image": "black-forest-labs/flux.2-pro"}
EXTRA_BODY = {"modalities": ["image", "text"]}
ANSWERS: dict[str, dict[str, Any]] = {
    "text": {"text": "Hello from openai/gpt-5", "images": []},
    "image": {"text": "", "images": ["image/png"]},
    "text streamed": {"text": "Hello from openai/gpt-5", "images": [], "chunks": 3},
    "image streamed": {"text": "", "images": ["image/png"], "chunks": 0},
}
PROMPT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "A red square"}]
NODE_DIR = Path(__file__).parent / "clients" / "node"
NODE_TIMEOUT_SECONDS = 60


def answer(
    parts: Iterable[ChatCompletionMessage | ChoiceDelta], *, streamed: bool
) -> dict[str, Any]:
    """A message, or the deltas of a stream, in the shape of ANSWERS."""
    parts = list(parts)
    images = [image for part in parts for image in images_of(part.model_extra)]
    summary = {
        "text": "".join(part.content or "" for part in parts),
        "images": [media_type(image["image_url"]["url"]) for image in images],
    }
    return {**summary, "chunks": sum(bool(part.content) for part in parts)} if streamed else summary


def media_type(data_url: str) -> str:
    return data_url.removeprefix("data:").split(";")[0]


def deltas(chunks: Iterable[ChatCompletionChunk]) -> Iterator[ChoiceDelta]:
    return (chunk.choices[0].delta for chunk in chunks if chunk.choices)


def test_openai_python_streams_a_text_model(proxy_url: str) -> None:
    with openai.OpenAI(base_url=f"{proxy_url}/v1", api_key="sk-or-test", max_retries=0) as client:
        stream = client.chat.completions.create(
            model=MODELS["text"], messages=PROMPT, stream=True, extra_body=EXTRA_BODY
        )
        assert answer(deltas(stream), streamed=True) == ANSWERS["text streamed"]


async def openai_async_answers(client: openai.AsyncOpenAI) -> dict[str, Any]:
    """Each model of MODELS asked once whole and once streamed, in the shape of ANSWERS."""
    answers = {}
    for name, model in MODELS.items():
        completion = await client.chat.completions.create(
            model=model, messages=PROMPT, extra_body=EXTRA_BODY
        )
        answers[name] = answer([completion.choices[0].message], streamed=False)
        stream = await client.chat.completions.create(
            model=model, messages=PROMPT, extra_body=EXTRA_BODY, stream=True
        )
        answers[f"{name} streamed"] = answer(deltas([c async for c in stream]), streamed=True)
    return answers


@pytest.mark.anyio
async def test_openai_python_async_fails_straight_and_works_through_the_proxy(
    fake_url: str, proxy_url: str
) -> None:
    async with (
        openai.AsyncOpenAI(base_url=f"{fake_url}/api/v1", api_key="k", max_retries=0) as straight,
        openai.AsyncOpenAI(base_url=f"{proxy_url}/v1", api_key="k", max_retries=0) as proxied,
    ):
        with pytest.raises(openai.NotFoundError, match="No endpoints found that support"):
            await openai_async_answers(straight)
        assert await openai_async_answers(proxied) == ANSWERS
        models = [model.id async for model in proxied.models.list()]
    assert len(models) == 549
    assert MODELS["image"] in models


def chat_openai(base_url: str, model: str, **http_clients: Any) -> "ChatOpenAI":
    """LangChain's ChatOpenAI as its docs say to pass `modalities`, with usage in streams."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=base_url,
        api_key=SecretStr("sk-or-test"),
        model=model,
        max_retries=0,
        model_kwargs=EXTRA_BODY,
        stream_usage=True,  # sends stream_options, which must survive the rewrite
        include_response_headers=True,
        **http_clients,
    )


def langchain_answer(messages: "Sequence[BaseMessage]", *, streamed: bool) -> dict[str, Any]:
    """Messages in the shape of ANSWERS. ChatOpenAI keeps no `images` (OpenRouter's field): the
    image reaches it, and it drops it."""
    summary = {"text": "".join(m.text for m in messages), "images": []}
    return {**summary, "chunks": sum(bool(m.text) for m in messages)} if streamed else summary


@pytest.mark.parametrize(("name", "sent"), [("text", "none"), ("image", "image")])
def test_langchain_fails_straight_and_works_through_the_proxy(
    fake: FakeOpenRouter, fake_url: str, proxy_url: str, name: str, sent: str
) -> None:
    from langchain_core.messages import AIMessageChunk

    with openai.DefaultHttpxClient() as http_client:
        straight = chat_openai(f"{fake_url}/api/v1", MODELS[name], http_client=http_client)
        with pytest.raises(openai.NotFoundError, match="No endpoints found that support"):
            straight.invoke("A red square")
        chat = chat_openai(f"{proxy_url}/v1", MODELS[name], http_client=http_client)
        whole = chat.invoke("A red square")
        pieces = list(chat.stream("A red square"))
    assert langchain_answer([whole], streamed=False) == {**ANSWERS[name], "images": []}
    assert langchain_answer(pieces, streamed=True) == {**ANSWERS[f"{name} streamed"], "images": []}
    assert whole.response_metadata["headers"]["x-modalities"] == sent
    streamed = sum(pieces[1:], pieces[0])
    assert isinstance(streamed, AIMessageChunk)
    assert streamed.usage_metadata is not None
    assert streamed.usage_metadata["total_tokens"] == 15
    assert orjson.loads(sent_to(fake, "chat/completions")[-1].body)["stream_options"] == {
        "include_usage": True
    }


@pytest.mark.anyio
async def test_langchain_ainvoke_through_the_proxy(proxy_url: str) -> None:
    async with openai.DefaultAsyncHttpxClient() as http_async_client:
        chat = chat_openai(f"{proxy_url}/v1", MODELS["image"], http_async_client=http_async_client)
        message = await chat.ainvoke("A red square")
    assert message.response_metadata["headers"]["x-modalities"] == "image"


@pytest.fixture(scope="session")
def node() -> str:
    """The `node` to run tests/e2e/clients/node with, its packages installed by `npm ci` when
    node_modules is missing or older than package-lock.json; skips only without node or npm."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("the Node client tests need node and npm (Node 20+)")
    if not _installed():
        command = [npm, "ci", "--no-audit", "--no-fund", "--update-notifier=false"]
        subprocess.run(command, cwd=NODE_DIR, check=True, timeout=600)
    return node


def _installed() -> bool:
    """Whether node_modules holds what package-lock.json pins (npm ci rewrites its own copy)."""
    installed = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    return installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime


def run_node(node: str, script: str, base_url: str) -> dict[str, Any]:
    """The JSON report of tests/e2e/clients/node/`script` run against `base_url`: `calls` (each an
    answer or `{"error": {"status", "message"}}`) and `requests` (method and path of each)."""
    done = subprocess.run(
        [node, script, base_url],
        cwd=NODE_DIR,
        capture_output=True,
        timeout=NODE_TIMEOUT_SECONDS,
    )
    assert done.returncode == 0, done.stderr.decode()
    report: dict[str, Any] = orjson.loads(done.stdout)
    return report


@pytest.mark.parametrize(
    ("script", "prefix", "more_answers", "fields_sent"),
    [
        pytest.param(
            "openai.mjs", "/v1", {"models": {"count": 549, "flux": True}}, {}, id="openai-node"
        ),
        pytest.param("ai-sdk.mjs", "/api/v1", {}, {"usage": {"include": True}}, id="vercel-ai-sdk"),
    ],
)
def test_node_clients_fail_straight_and_work_through_the_proxy(
    node: str,
    fake: FakeOpenRouter,
    fake_url: str,
    proxy_url: str,
    script: str,
    prefix: str,
    more_answers: dict[str, Any],
    fields_sent: dict[str, Any],
) -> None:
    straight = run_node(node, script, f"{fake_url}/api/v1")["calls"]
    proxied = run_node(node, script, f"{proxy_url}{prefix}")
    assert {name: straight[name]["error"]["status"] for name in ANSWERS} == dict.fromkeys(
        ANSWERS, 404
    )
    assert proxied["calls"] == {**ANSWERS, **more_answers}
    # Anything else (telemetry, a gateway) would show here as a full URL, refused.
    assert set(proxied["requests"]) <= {f"POST {prefix}/chat/completions", f"GET {prefix}/models"}
    for request in sent_to(fake, "chat/completions"):
        assert fields_sent.items() <= orjson.loads(request.body).items()


SEED_MODELS = ["black-forest-labs/flux.2-pro", "google/gemini-2.5-flash-image", "openai/gpt-5"]
TS_SDK_ANSWERS: dict[str, Any] = {
    "black-forest-labs/flux.2-pro": ANSWERS["image"],
    "google/gemini-2.5-flash-image": {
        "text": "Hello from google/gemini-2.5-flash-image",
        "images": ["image/png"],
    },
    "openai/gpt-5": ANSWERS["text"],
    # The SDK's stream deltas have no `images`: streams are checked by their text and finish.
    "black-forest-labs/flux.2-pro streamed": {"text": "", "finished": "stop"},
    "google/gemini-2.5-flash-image streamed": {
        "text": "Hello from google/gemini-2.5-flash-image",
        "finished": "stop",
    },
    "openai/gpt-5 streamed": {"text": "Hello from openai/gpt-5", "finished": "stop"},
    "qwen/qwen-image-3": ANSWERS["image"],
    "image models": {"pages": 3, "count": 45, "unique": 45},  # 20, 20, 5
    "images": {"images": [True]},
    "embeddings": {"vectors": [True, True]},
    "speech": {"audio": True},
    "transcription": {"text": True},
}


def test_openrouters_typescript_sdk(node: str, fake: FakeOpenRouter, proxy_url: str) -> None:
    """OpenRouter's official TypeScript SDK (tests/e2e/clients/node/openrouter-sdk.mjs), which
    validates answers against OpenRouter's schema: chat, models paged with `for await` (which
    never ended before the proxy paged), images, embeddings, speech and transcription."""
    report = run_node(node, "openrouter-sdk.mjs", f"{proxy_url}/api/v1")
    calls = report["calls"]
    listing = calls.pop("models")
    assert "error" not in listing, listing  # "still paging after 10 pages" before the fix
    assert listing.pop("ids") == [model["id"] for model in fake.models]
    assert listing == {"pages": 2, "count": 549, "unique": 549}  # 500, then 49
    calls["image models"].pop("ids")
    assert calls == TS_SDK_ANSWERS
    assert {request.split("?")[0] for request in report["requests"]} <= {
        f"{method} /api/v1/{path}"
        for method, path in [
            ("POST", "chat/completions"),
            ("GET", "models"),
            ("POST", "images"),
            ("POST", "embeddings"),
            ("POST", "audio/speech"),
            ("POST", "audio/transcriptions"),
        ]
    }
