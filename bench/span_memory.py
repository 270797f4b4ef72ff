"""`python -m bench.span_memory`: what a finished span waiting for export holds, with tracing on.

The proxy's own spans (`app.ops.spans.Tracing`: a server span and a client span a request, with
the attributes they carry, a model id of the longest the catalog has) behind an exporter that
never returns, so that they pile up in the SDK's batch queue: the memory traced (tracemalloc)
over the spans held, and what the queue and one batch in export hold at most
(OTEL_BSP_MAX_QUEUE_SIZE and OTEL_BSP_MAX_EXPORT_BATCH_SIZE at their defaults).
"""

import gc
import threading
import time
import tracemalloc
from collections.abc import Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from app.ops.metrics import Note
from app.ops.spans import Tracing
from app.ops.usage import AnswerFacts, Usage

QUEUE, BATCH = 2048, 512  # the SDK's defaults
MODEL = "google/gemini-2.5-flash-image-preview"
SCOPE = {
    "method": "POST",
    "path": "/v1/chat/completions",
    "headers": [(b"traceparent", b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")],
}


class Stuck(SpanExporter):
    """An exporter that holds its first batch until shut down: the rest wait in the queue."""

    def __init__(self) -> None:
        self.released = threading.Event()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.released.wait()
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        self.released.set()


def request(tracing: Tracing, number: int) -> None:
    """One chat request's spans, ended, with what its answer said of itself."""
    note = Note(f"{number:032x}", route="chat", model=MODEL, decision="rewrite", status=200)
    note.modalities_asked, note.modalities_sent = "image", "image,text"
    usage, answer_id = Usage(1200, 3400, 100, 50, 0.0123), "gen-1755600000-abcdefghijklmnopqrst"
    note.answer = AnswerFacts(usage, "read", MODEL, answer_id, ("stop",))
    trace = tracing.start(SCOPE, note)
    trace.call()
    trace.answered(200)
    trace.finish("/v1/chat/completions", lambda model: model)


def main() -> None:
    exporter = Stuck()
    tracing = Tracing("https://openrouter.ai/api/v1", False, exporter)
    request(tracing, 0)
    time.sleep(6)  # the batch thread takes that span and waits in `export`: the queue is empty
    gc.collect()
    tracemalloc.start()
    requests = QUEUE // 2  # two spans a request: the queue full, none dropped
    for number in range(requests):
        request(tracing, number)
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_span = held / (2 * requests)
    most = per_span * (QUEUE + BATCH)
    print(f"{2 * requests} spans queued: {held / 2**20:.2f} MiB, {per_span:,.0f} bytes a span")
    print(f"the queue ({QUEUE}) and one batch in export ({BATCH}): {most / 2**20:.1f} MiB")
    exporter.shutdown()
    tracing.shutdown()


if __name__ == "__main__":
    main()
