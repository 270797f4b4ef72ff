"""What may become of a 200 answer before it reaches the client: collected whole into another
answer, or mapped event by event (or rewritten piece by piece) as it streams (see
`app.upstream.relay`, `app.upstream.collect`). Pure."""

from collections.abc import Callable
from dataclasses import dataclass

from app.translate.transcode import Rewriter
from app.translate.whole import Collector
from app.upstream.caps import Held


@dataclass(frozen=True)
class Reshape:
    """How a 200 answer changes before it reaches the client, as `content_type`: collected whole
    by a new `collect()`, whose result the client gets, mapped event by event as it streams
    (`each_event`, an SSE event without its blank line -> what to send instead), or rewritten
    piece by piece as it streams by a new `rewrite()`. A collected answer is `held`: the cap of
    that kind of answer (`app.upstream.caps`) bounds what the collector is fed (None: the
    collector bounds it itself)."""

    content_type: bytes = b"application/json"
    collect: Callable[[], Collector] | None = None
    held: Held | None = None
    each_event: Callable[[bytes], bytes] | None = None
    rewrite: Callable[[], Rewriter] | None = None


# Picks the Reshape for a 200 answer by its content type (None: relay it as it came).
Reshaper = Callable[[str], Reshape | None]
