"""Upstream failing the proxy, in the client's terms: the error to raise before an answer has
started, and the last SSE event of a stream that upstream broke off (pure)."""

import aiohttp
import orjson

from app.errors import (
    AnswerTooLarge,
    ProxyError,
    UpstreamFailure,
    UpstreamTimeout,
    UpstreamUnavailable,
)

# What the relay counts as upstream failing, rather than the proxy.
FAILURES = (aiohttp.ClientError, TimeoutError)
# What ends an answer the relay has begun to read: those, or more of it than the proxy holds.
MID_ANSWER = (*FAILURES, AnswerTooLarge)


def failure_code(error: Exception) -> str:
    """The access log's and metrics' name for why an answer was cut short (a fixed few)."""
    if isinstance(error, AnswerTooLarge):
        return AnswerTooLarge.FAILURE
    if isinstance(error, ProxyError):
        return error.code  # a rewriter's reason to give up on an answer
    return UpstreamTimeout.CODE if isinstance(error, TimeoutError) else UpstreamUnavailable.CODE


def unavailable(error: Exception, mid_answer: bool = False) -> UpstreamFailure:
    """The 504 (timeout) or 502 (anything else) for an upstream that did not answer, or that
    broke off (`mid_answer`) an answer the proxy was reading whole."""
    if mid_answer:
        return broken_off(error)
    if isinstance(error, TimeoutError):
        return UpstreamTimeout("OpenRouter did not answer in time; try again later")
    message = f"OpenRouter could not be reached ({type(error).__name__}); try again later"
    return UpstreamUnavailable(message)


def broken_off(error: Exception) -> UpstreamFailure:
    if isinstance(error, UpstreamFailure):
        return error  # the proxy's own reason to stop reading (AnswerTooLarge)
    if isinstance(error, TimeoutError):
        return UpstreamTimeout("OpenRouter stopped sending mid-stream (timed out); try again later")
    message = f"OpenRouter broke off the stream ({type(error).__name__}); try again later"
    return UpstreamUnavailable(message)


def sse_error(error: Exception) -> bytes:
    """The last event of a stream that upstream broke off, or that the proxy stopped reading:
    OpenRouter's mid-stream error chunk (an `error` beside a choice whose finish_reason is
    "error"), which SDKs raise as an error."""
    failure = broken_off(error)
    message = failure.message.removesuffix("; try again later")
    body = {"code": failure.status, "message": message, "type": "upstream_error"}
    choice = {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
    event = {"object": "chat.completion.chunk", "choices": [choice], "error": body}
    return b"data: " + orjson.dumps(event) + b"\n\n"
