"""A maximal embeddings batch (2,048 inputs of OpenAI's largest model, 3,072 dimensions: ~75 MiB
of float JSON from upstream) through a real proxy process, in either encoding, in bounded memory:
the proxy's peak RSS (VmHWM) grows by a small constant, not with the batch (issue 22)."""

import base64
import struct
from typing import Any

import httpx2
import orjson
import pytest

from app.dev.emulator.embeddings import MAX_DIMENSIONS, vector
from bench.usage import peak_rss_bytes, reset_peak, rss_bytes
from tests.conftest import wait_for
from tests.e2e.conftest import command_line_proxy

MIB = 1024 * 1024
MODEL = "openai/text-embedding-3-large"
BATCH = 2048  # the most inputs OpenAI takes in one request
AUTHORIZATION = {"Authorization": "Bearer sk-or-test"}
USAGE = {"prompt_tokens": BATCH, "total_tokens": BATCH, "cost": 0.00001}  # as the fake counts
# The growth allowed: a few of upstream's and the client's socket buffers and one embedding at
# a time; the answer whole would be 75 MiB (float) before parsing, and 500 MiB parsed.
GROWTH_AT_MOST_MIB = 32


def embedded(url: str, encoding: str) -> dict[str, Any]:
    """The batch's answer from the proxy, read as a client streams it in."""
    texts = [f"passage {i}" for i in range(BATCH)]
    body = {
        "model": MODEL,
        "input": texts,
        "dimensions": MAX_DIMENSIONS,
        "encoding_format": encoding,
    }
    with httpx2.stream("POST", f"{url}/v1/embeddings", json=body, headers=AUTHORIZATION) as answer:
        read = b"".join(answer.iter_raw())
    assert answer.status_code == 200, read[:500]
    parsed: dict[str, Any] = orjson.loads(read)
    return parsed


def vector_of(item: dict[str, Any]) -> list[float]:
    embedding = item["embedding"]
    if isinstance(embedding, list):
        return embedding
    return list(struct.unpack(f"<{MAX_DIMENSIONS}f", base64.b64decode(embedding)))


@pytest.mark.parametrize("encoding", ["float", "base64"])
def test_a_maximal_batch_passes_in_bounded_memory(fake_url: str, encoding: str) -> None:
    with command_line_proxy(fake_url) as proxy:
        wait_for("the proxy to load its catalog", lambda: b"catalog loaded" in b"".join(proxy.log))
        pid = proxy.process.pid
        warm_up = {"model": MODEL, "input": "warm-up", "encoding_format": encoding}
        warmed = httpx2.post(f"{proxy.url}/v1/embeddings", json=warm_up, headers=AUTHORIZATION)
        assert warmed.status_code == 200  # what any request needs is loaded before the peak
        reset_peak(pid)
        before = rss_bytes(pid)
        answer = embedded(proxy.url, encoding)
        growth_mib = (peak_rss_bytes(pid) - before) / MIB
    data = answer.pop("data")
    assert answer == {"object": "list", "model": MODEL, "usage": USAGE}
    assert [item["index"] for item in data] == list(range(BATCH))
    assert vector_of(data[0]) == vector("passage 0", MAX_DIMENSIONS)
    assert vector_of(data[-1]) == vector(f"passage {BATCH - 1}", MAX_DIMENSIONS)
    assert growth_mib <= GROWTH_AT_MOST_MIB, f"peak RSS grew {growth_mib:.0f} MiB"
