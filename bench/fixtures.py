"""What the stand-ins serve and the load generators send, written once per run into a work dir.

Everything is deterministic (a seeded generator makes the base64 payloads), so two runs send and
receive the same bytes. The stand-ins never look inside request bodies, except the streaming one,
which reads `stream`.
"""

import base64
import random
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parent.parent
CATALOG = REPO / "tests" / "data" / "models-all-2026-08-19.json"

CHAT_PATH = "/api/v1/chat/completions"
MODELS_PATH = "/api/v1/models"
# The proxy forwards any header it does not know, so a header can pick the stand-in's answer.
BIG_RESPONSE_HEADER = ("X-Bench-Response", "big")
AUTHORIZATION = ("Authorization", "Bearer bench")

MIB = 1024 * 1024
SMALL_COMPLETION_BYTES = 600
BIG_RESPONSE_BYTES = 10 * MIB
BIG_REQUEST_BYTES = 5 * MIB
HUGE_REQUEST_BYTES = 20 * MIB

IMAGE_MODEL = "black-forest-labs/flux.2-pro"  # outputs ["image"] in the catalog
STREAM_MODEL = "openai/gpt-4o-mini"  # outputs ["text"]
PROMPT = [{"role": "user", "content": "A lighthouse at dawn"}]

# Chat bodies by name: `rewrite` makes the proxy re-serialize the body (flux cannot answer
# ["image","text"]), `no_rewrite` is forwarded byte-for-byte.
REWRITE = {"model": IMAGE_MODEL, "modalities": ["image", "text"], "messages": PROMPT}
NO_REWRITE = {"model": IMAGE_MODEL, "modalities": ["image"], "messages": PROMPT}
STREAM = {"model": STREAM_MODEL, "stream": True, "messages": PROMPT}


@dataclass(frozen=True)
class Fixtures:
    """Paths of the generated files. `www` is the stand-ins' document root."""

    www: Path
    models: Path  # www/models.json: the real catalog snapshot
    completion: Path  # www/completion.json: ~600 bytes
    big_completion: Path  # www/big.json: ~10 MiB, an image in message.images[0]
    bodies: dict[str, Path]  # request bodies by name (see `write_fixtures`)


def write_fixtures(workdir: Path) -> Fixtures:
    """Write every fixture under `workdir` (which must exist) and return their paths."""
    www = workdir / "www"
    www.mkdir()
    models = www / "models.json"
    shutil.copyfile(CATALOG, models)
    completion = www / "completion.json"
    completion.write_bytes(small_completion())
    big = www / "big.json"
    big.write_bytes(big_completion())
    bodies_dir = workdir / "bodies"
    bodies_dir.mkdir()
    bodies: dict[str, Path] = {}
    for name, body in {
        "rewrite": orjson.dumps(REWRITE),
        "no_rewrite": orjson.dumps(NO_REWRITE),
        "big_request": big_request(BIG_REQUEST_BYTES, REWRITE),
        "big_no_rewrite": big_request(BIG_REQUEST_BYTES, NO_REWRITE),
        "huge_request": big_request(HUGE_REQUEST_BYTES, REWRITE),
        "huge_no_rewrite": big_request(HUGE_REQUEST_BYTES, NO_REWRITE),
        "stream": orjson.dumps(STREAM),
    }.items():
        bodies[name] = bodies_dir / f"{name}.json"
        bodies[name].write_bytes(body)
    return Fixtures(www, models, completion, big, bodies)


def small_completion() -> bytes:
    """A chat completion in OpenRouter's shape, padded to exactly `SMALL_COMPLETION_BYTES`.

    It holds no `$`, `'` or backslash, so nginx can serve it verbatim with `return 200 '...'`.
    """
    message: dict[str, object] = {"role": "assistant", "content": "", "refusal": None}
    padding = SMALL_COMPLETION_BYTES - len(orjson.dumps(_completion(message)))
    message["content"] = ("A lighthouse on a rocky point as dawn breaks over the sea. " * 20)[
        :padding
    ]
    body = orjson.dumps(_completion(message))
    assert len(body) == SMALL_COMPLETION_BYTES
    return body


def big_completion() -> bytes:
    """An image-output chat completion of about `BIG_RESPONSE_BYTES`: the image is a base64 data
    URL in `message.images[0].image_url.url`, as OpenRouter returns generated images."""
    message: dict[str, object] = {"role": "assistant", "content": "", "images": []}
    overhead = len(orjson.dumps(_completion(message))) + 80
    url = _data_url(BIG_RESPONSE_BYTES - overhead, seed=1)
    message["images"] = [{"type": "image_url", "image_url": {"url": url}}]
    return orjson.dumps(_completion(message))


def big_request(size: int, template: Mapping[str, object]) -> bytes:
    """A chat request like `template` (`REWRITE` or `NO_REWRITE`) of about `size` bytes: an
    image input as a base64 data URL in the message content, as image-to-image requests send."""
    content: list[dict[str, object]] = [{"type": "text", "text": "The same lighthouse, at dusk"}]
    body = {**template, "messages": [{"role": "user", "content": content}]}
    overhead = len(orjson.dumps(body)) + 80
    content.append({"type": "image_url", "image_url": {"url": _data_url(size - overhead, 2)}})
    return orjson.dumps(body)


def _completion(message: dict[str, object]) -> dict[str, object]:
    return {
        "id": "gen-1755600000-bench0000000000000000",
        "provider": "Black Forest Labs",
        "model": IMAGE_MODEL,
        "object": "chat.completion",
        "created": 1755600000,
        "choices": [
            {
                "logprobs": None,
                "finish_reason": "stop",
                "native_finish_reason": "stop",
                "index": 0,
                "message": message,
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 96, "total_tokens": 108},
    }


def _data_url(length: int, seed: int) -> str:
    """A PNG data URL of about `length` characters (base64 of seeded random bytes)."""
    prefix = "data:image/png;base64,"
    raw = random.Random(seed).randbytes((length - len(prefix)) * 3 // 4)
    return prefix + base64.b64encode(raw).decode()
