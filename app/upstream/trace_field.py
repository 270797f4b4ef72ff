"""OpenRouter's `trace` body field (its Broadcast feature), filled from the proxy's span of the
call so that the spans OpenRouter exports nest under it (pure).

OpenRouter documents no `traceparent` support; it takes `trace: {trace_id, parent_span_id}` in a
JSON body and uses them as its spans' trace and parent. The body is edited at byte level
(`app.translate.json_patch`): every other byte stays the client's. A body that already has a
`trace` member keeps it, as the client's choice.
"""

import orjson

from app.translate import json_patch, json_scan
from app.upstream.sent_body import Content

FIELD = "trace"


def with_trace(content: Content, trace_id: str, span_id: str) -> Content:
    """`content` (a JSON object's bytes, or the pieces of one) with `trace` set to the ids,
    unless it has a `trace` already or is not an object (then as it came)."""
    body = content if isinstance(content, bytes) else b"".join(content)
    try:
        found, _ = json_scan.members(body)
    except json_scan.NotAnObject:
        return content
    if any(member.key == FIELD for member in found):
        return content
    value = orjson.dumps({"trace_id": trace_id, "parent_span_id": span_id})
    return json_patch.edited_pieces(body, {FIELD: value})
