"""What forged model names cost the proxy's metrics (issue 22).

Starts the fake OpenRouter and the proxy (`python -m app`), then sends `REQUESTS` forged video
ids, each naming another model, to `GET /v1/videos/{id}/content?variant=x` (answered 400 by the
proxy, never sent upstream), on one keep-alive connection, pipelined. The proxy's RSS and the
size of `/metrics` must stay within their bounds: when the id's model was a label, the same run
grew the proxy from 60 to 138 MiB and `/metrics` to 22 MB (6.8 s a scrape).
"""

import base64
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx2
import orjson
import pytest

from app.dev import raw_http
from bench.upstreams import fake_openrouter, proxy
from bench.usage import peak_rss_bytes, rss_bytes

pytestmark = pytest.mark.stress

MIB = 1024 * 1024
REQUESTS = 100_000
GROWTH_AT_MOST_MIB = 16  # measured with bounded labels: 60 -> 60 MiB (peak 61)
METRICS_AT_MOST_BYTES = 64 * 1024  # measured: 3,416 bytes


def forged_requests(count: int) -> Iterator[bytes]:
    """`count` requests for the content of videos that never were, each of another model."""
    for n in range(count):
        fields = [1, "job-1", f"forged/model-{n}", None, None, 0, ""]
        packed = base64.urlsafe_b64encode(orjson.dumps(fields)).rstrip(b"=").decode()
        target = f"/v1/videos/video_{packed}/content?variant=x"
        yield f"GET {target} HTTP/1.1\r\nHost: proxy\r\n\r\n".encode()


def test_forged_model_names_leave_memory_and_metrics_bounded(tmp_path: Path) -> None:
    with fake_openrouter(tmp_path) as fake, proxy("proxy", tmp_path, fake) as service:
        before = rss_bytes(service.pid) / MIB
        statuses = Counter(raw_http.pipelined(service.url, forged_requests(REQUESTS)))
        after, peak = rss_bytes(service.pid) / MIB, peak_rss_bytes(service.pid) / MIB
        metrics = httpx2.get(f"{service.url}/metrics", timeout=120).content
    print(f"{REQUESTS:,} forged ids, answered {dict(statuses)}")
    print(f"RSS {before:.0f} -> {after:.0f} MiB (peak {peak:.0f}), /metrics {len(metrics):,} bytes")
    assert statuses == {400: REQUESTS}
    assert after - before <= GROWTH_AT_MOST_MIB
    assert len(metrics) <= METRICS_AT_MOST_BYTES
