"""A call upstream as its trace sees it, when tracing is on (`Incoming.trace`): the client span
started and carried in the call's headers (and, with PROXY_TRACE_BODY_FIELD, in OpenRouter's
`trace` body field), and upstream's status noted on it. The SDK itself is `app.ops.spans`'s."""

from collections.abc import AsyncIterable, Awaitable
from typing import TYPE_CHECKING, TypeGuard

import aiohttp
from multidict import CIMultiDict

from app.upstream import sent_body, trace_field

if TYPE_CHECKING:  # the OpenTelemetry SDK is imported only when tracing is on
    from app.ops.spans import RequestTrace

# A request body: bytes, the pieces of one, or chunks as they come.
Sent = sent_body.Content | AsyncIterable[bytes]
# The client's trace headers, replaced by those of the call's span.
PROPAGATED = ("traceparent", "tracestate")


def call_started(
    trace: "RequestTrace", headers: CIMultiDict[str], content: Sent, body_field: bool
) -> Sent:
    """Start the span of the call about to go (`RequestTrace.call`): its `traceparent` and
    `tracestate` replace the client's in `headers`; with `body_field`, its ids go in a whole
    JSON body's `trace` field (`app.upstream.trace_field`). The body to send."""
    carried = trace.call()
    for name in PROPAGATED:
        headers.popall(name, None)
    headers.update(carried)
    json_body = headers.get("Content-Type", "").startswith("application/json")
    if body_field and json_body and _whole(content):
        return trace_field.with_trace(content, *trace.call_ids())
    return content


async def answered(
    sent: Awaitable[aiohttp.ClientResponse], trace: "RequestTrace"
) -> aiohttp.ClientResponse:
    """`sent`'s answer, its status noted on the call's span (`RequestTrace.answered`); an
    error ends that span at once (`RequestTrace.failed`)."""
    try:
        answer = await sent
    except BaseException as error:
        trace.failed(error)
        raise
    trace.answered(answer.status)
    return answer


def _whole(content: Sent) -> TypeGuard[sent_body.Content]:
    return not isinstance(content, AsyncIterable)
