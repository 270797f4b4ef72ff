"""How much one proxied, non-streamed chat request adds on loopback.

Starts the fake OpenRouter and the proxy (`python -m app`) as separate processes on 127.0.0.1,
then sends the same requests straight to the fake and through the proxy, interleaved so that
drift hits both alike, one at a time over kept-alive connections. Prints medians, p99s and the
difference. Usage: `python -m bench.added_latency [--requests N]`.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx2

from app.dev.local_server import free_port
from bench.upstreams import fake_openrouter, run_process

CASES: dict[str, dict[str, object]] = {
    "rewrite (flux, image+text -> image)": {
        "model": "black-forest-labs/flux.2-pro",
        "modalities": ["image", "text"],
    },
    "no rewrite (gemini, image+text)": {
        "model": "google/gemini-2.5-flash-image",
        "modalities": ["image", "text"],
    },
}


def timings(client: httpx2.Client, url: str, body: dict[str, object]) -> float:
    start = time.perf_counter()
    response = client.post(url, json=body)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    requests = parser.parse_args().requests
    proxy_port = free_port()
    proxy = f"http://127.0.0.1:{proxy_port}"
    command = [sys.executable, "-m", "app", "--port", str(proxy_port)]
    with (
        tempfile.TemporaryDirectory(prefix="added-latency-") as work,
        fake_openrouter(Path(work)) as upstream,
        run_process(
            "proxy",
            command,
            f"{proxy}/readyz",
            Path(work) / "proxy.log",
            {**os.environ, "OPENROUTER_BASE_URL": f"{upstream.url}/api/v1"},
        ),
        httpx2.Client(headers={"Authorization": "Bearer bench"}) as client,
    ):
        fake = upstream.url
        for name, body in CASES.items():
            direct_body = {**body, "modalities": ["image"]} if "flux" in name else body
            direct, proxied = [], []
            for _ in range(requests):
                direct.append(timings(client, f"{fake}/api/v1/chat/completions", direct_body))
                proxied.append(timings(client, f"{proxy}/v1/chat/completions", body))
            report(name, direct, proxied)


def report(name: str, direct: list[float], proxied: list[float]) -> None:
    def ms(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1] * 1000

    added = statistics.median(proxied) - statistics.median(direct)
    print(
        f"{name}: direct p50 {ms(direct, 50):.3f} ms p99 {ms(direct, 99):.3f} ms | "
        f"proxied p50 {ms(proxied, 50):.3f} ms p99 {ms(proxied, 99):.3f} ms | "
        f"added p50 {added * 1000:.3f} ms ({len(direct)} requests each)"
    )


if __name__ == "__main__":
    main()
