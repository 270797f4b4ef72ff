"""The bodies of a models listing, joined from the catalog's entries as OpenRouter sent them.

OpenRouter's shape (`/api/v1/models`) and OpenAI's `ListModelsResponse` (`/v1/models`), which is
the same listing with `"object": "list"` and each model's `object` and `owned_by` added. Pure
bytes in, bytes out: a listing is joined, never parsed again.
"""

from collections.abc import Iterable

import orjson

_OPENAI_LIST = b'"object":"list",'


def listing(
    entries: Iterable[bytes], total_count: int, next_url: str | None, *, openai: bool
) -> bytes:
    """Return `{"data": [entries], "total_count", "links": {"next"}}` as bytes.

    With `openai`, OpenAI's `object: "list"` comes first (the entries must then be
    `openai_entry`'s).
    """
    tail = orjson.dumps({"total_count": total_count, "links": {"next": next_url}})
    head = b"{" + _OPENAI_LIST if openai else b"{"
    return head + b'"data":[' + b",".join(entries) + b"]," + tail[1:]


def openai_entry(raw: bytes, model_id: str) -> bytes:
    """Return a catalog entry (a JSON object) as OpenAI's model object.

    `object` and `owned_by` are added after OpenRouter's fields, so that they win over any of the
    same name (JSON parsers keep a key's last value). `id` and `created` are OpenRouter's own.
    """
    members = raw.strip()[1:-1].strip()
    added = b'"object":"model","owned_by":' + orjson.dumps(owner(model_id))
    return b"{" + members + b"," + added + b"}" if members else b"{" + added + b"}"


def owner(model_id: str) -> str:
    """Return who owns a model, for OpenAI's `owned_by`.

    That is the author part of its id (`~x-ai/grok-latest` is x-ai's), or `openrouter` for an id
    without one.
    """
    author, slash, _ = model_id.removeprefix("~").partition("/")
    return author if slash and author else "openrouter"
