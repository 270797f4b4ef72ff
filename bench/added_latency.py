"""How much one proxied, non-streamed chat request adds on loopback.

Starts the fake OpenRouter and the proxy (`python -m app`) as separate processes on 127.0.0.1,
then sends the same requests straight to the fake and through the proxy, interleaved so that
drift hits both alike, one at a time over kept-alive connections. Prints medians, p99s and the
difference. Usage: `python -m bench.added_latency [--requests N]`.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2

from app.local_server import free_port

FAKE = (
    "import uvicorn; from app.emulator import FakeOpenRouter; "
    "uvicorn.run(FakeOpenRouter().app, host='127.0.0.1', port={port}, log_level='warning', "
    "loop='uvloop', http='httptools')"
)
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


@contextmanager
def process(
    command: list[str], ready_url: str, env: dict[str, str] | None = None
) -> Iterator[None]:
    child = subprocess.Popen(command, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx2.get(ready_url).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not get ready")
            time.sleep(0.05)
        yield
    finally:
        child.terminate()
        child.wait(10)


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
    fake_port, proxy_port = free_port(), free_port()
    fake, proxy = f"http://127.0.0.1:{fake_port}", f"http://127.0.0.1:{proxy_port}"
    env = {"OPENROUTER_BASE_URL": f"{fake}/api/v1"}
    with (
        process([sys.executable, "-c", FAKE.format(port=fake_port)], f"{fake}/api/v1/models"),
        process([sys.executable, "-m", "app", "--port", str(proxy_port)], f"{proxy}/readyz", env),
        httpx2.Client(headers={"Authorization": "Bearer bench"}) as client,
    ):
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
