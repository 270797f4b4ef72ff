"""The collected answer: the whole of upstream's, made into another by a reshape's collector."""

from starlette.responses import Response

from app.errors import AnswerTooLarge, ProxyError
from app.ops.memory_costs import covered_ahead
from app.ops.metrics import Note
from app.upstream.failures import MID_ANSWER, failure_code, unavailable
from app.upstream.headers import relayed_headers
from app.upstream.interface import Reserve, Upstreamed
from app.upstream.reshape import Reshape
from app.upstream.timeouts import Reading
from app.upstream.usage_watch import UsageWatch


async def collected(
    exchanged: Upstreamed,
    reshape: Reshape,
    body: Reading,
    limit: int | None,
    usage: UsageWatch | None,
    note: Note,
    reserve: Reserve | None = None,
) -> Response:
    """Return the collector's answer to the whole of upstream's `body` (read within its
    timeout, `app.upstream.timeouts`), fed to `usage` too.

    Raise the 502 or 504 when upstream fails before its end (noted in `note.failure`), the 502
    when it sends more than `limit` bytes (the cap of the answer `reshape.held` says it is), and
    the collector's `ProxyError` when it makes no answer; each with the proxy's headers.

    What the answer will cost in memory is taken with `reserve` a step ahead of the bytes read
    (`covered_ahead`, at `reshape.held.per_byte`); its Busy (503) is raised with the headers too.
    """
    assert reshape.collect is not None
    collector = reshape.collect()
    size = covered = 0
    try:
        with body:
            async for piece in body.pieces:
                size += len(piece)
                if reshape.held and limit is not None and size > limit:
                    raise AnswerTooLarge(reshape.held.value, limit)
                if reserve is not None and reshape.held and size > covered:
                    ahead = covered_ahead(size, covered, limit)
                    await reserve((ahead - covered) * reshape.held.per_byte)
                    covered = ahead
                if usage is not None:
                    usage.feed(piece)
                collector.feed(piece)
    except MID_ANSWER as error:
        note.failure = failure_code(error)
        failure = unavailable(error, mid_answer=True)
        raise failure.with_headers(exchanged.extra_headers) from None
    except ProxyError as busy:  # the memory budget's, from `reserve`
        raise busy.with_headers(exchanged.extra_headers) from None
    try:
        result = collector.result()
    except ProxyError as error:
        raise error.with_headers(exchanged.extra_headers) from None
    answer = Response(result, media_type=reshape.content_type.decode())
    raw = exchanged.answer.raw_headers
    answer.raw_headers.extend(relayed_headers(raw, exchanged.extra_headers, reshaped=True))
    return answer
