"""What real OpenRouter answers look like, as recorded (docs/openrouter.md, "What real answers
look like"): ids, compact JSON, usage in full, SSE headers, and the exact error bodies. The
fake's answers are built from these, so that the proxy meets the real shapes in every test."""

from __future__ import annotations

import gzip
import json
import secrets
import string
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

ALPHABET = string.ascii_letters + string.digits
USER_ID = "user_2fake0000000000000000000"
# Every field the recordings show (2026-07/08: no `is_byok`).
USAGE: dict[str, Any] = {
    "prompt_tokens": 10,
    "completion_tokens": 5,
    "total_tokens": 15,
    "cost": 0.0000625,
    "prompt_tokens_details": {
        "cached_tokens": 0,
        "audio_tokens": 0,
        "video_tokens": 0,
        "cache_write_tokens": 0,
    },
    "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0, "audio_tokens": 0},
    "cost_details": {
        "upstream_inference_cost": 0.0000625,
        "upstream_inference_prompt_cost": 0.0000125,
        "upstream_inference_completions_cost": 0.00005,
    },
    "server_tool_use_details": {"web_search_requests": 0},
}
SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


def generation_id() -> str:
    """`gen-<unix seconds>-<20 letters and digits>`, unique per answer."""
    tail = "".join(secrets.choice(ALPHABET) for _ in range(20))
    return f"gen-{int(time.time())}-{tail}"


def compact(payload: Any) -> bytes:
    """JSON as OpenRouter writes it: no spaces after `,` and `:`."""
    return json.dumps(payload, separators=(",", ":")).encode()


def canonical_slug(model: dict[str, Any]) -> str:
    """What answers name as `model` since 2026-03: the canonical slug, which may differ from
    the id asked (`openai/gpt-5-mini` answers `openai/gpt-5-mini-2025-08-07`)."""
    slug = model.get("canonical_slug")
    return slug if isinstance(slug, str) and slug else str(model["id"])


def json_answer(
    payload: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
    request: Request | None = None,
) -> Response:
    """A JSON answer in OpenRouter's compact form; gzipped when `request` accepts it (as chat
    answers and `/models` are)."""
    body, headers = compact(payload), dict(headers or {})
    if request is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6)
        headers |= {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
    return Response(body, status, headers, media_type="application/json")


def provider_error(status: int, message: str, raw: str) -> Response:
    """A provider's failure as relayed: `metadata.raw` (a string), `provider_name`, `user_id`;
    no `Retry-After`, even on a 429."""
    metadata = {"raw": raw, "provider_name": "FakeProvider", "is_byok": False}
    body = {"error": {"message": message, "code": status, "metadata": metadata}}
    return json_answer({**body, "user_id": USER_ID}, status)


def rate_limited() -> Response:
    raw = "fake/model is temporarily rate-limited upstream. Please retry shortly."
    return provider_error(429, "Provider returned error", raw)


def needs_credits() -> Response:
    message = (
        "This request requires more credits, or fewer max_tokens. You requested up to 65536 "
        "tokens, but can only afford 1000. To increase, visit https://openrouter.ai/settings/"
        "credits and upgrade to a paid account"
    )
    return json_answer({"error": {"message": message, "code": 402}, "user_id": USER_ID}, 402)


def user_not_found() -> Response:
    """The 401 for a key OpenRouter does not know."""
    return json_answer({"error": {"message": "User not found.", "code": 401}}, 401)
