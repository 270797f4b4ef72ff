"""`python -m bench.embeddings_memory`: the proxy's memory and CPU for embeddings (issue 22).

Starts the fake OpenRouter (`python -m app.dev.emulator`) and the proxy (`python -m app`, of
`--repo`: another checkout may be compared) on 127.0.0.1; prints the proxy's CPU per small
request (2 texts, 4 dimensions, in each encoding) and, for a maximal batch (2,048 inputs x 3,072
dimensions) in each encoding, its peak RSS (VmHWM, reset through /proc/PID/clear_refs before the
request) and the growth over its RSS before it, and the CPU the request cost.
"""

import tempfile
from pathlib import Path

import click
import httpx2

from bench.fixtures import AUTHORIZATION, REPO
from bench.upstreams import fake_openrouter, proxy
from bench.usage import cpu_seconds, peak_rss_bytes, reset_peak, rss_bytes

MIB = 1024 * 1024
SMALL = {"model": "openai/text-embedding-3-small", "input": ["a lighthouse", "at dawn"]}
TEXTS = [f"passage {i}" for i in range(2048)]
LARGE = {"model": "openai/text-embedding-3-large", "input": TEXTS, "dimensions": 3072}


def small_cpu_us(client: httpx2.Client, url: str, pid: int, encoding: str, count: int) -> float:
    body = {**SMALL, "encoding_format": encoding}
    for _ in range(count // 10):  # warm-up
        client.post(url, json=body).raise_for_status()
    before = cpu_seconds(pid)
    for _ in range(count):
        client.post(url, json=body).raise_for_status()
    return 1e6 * (cpu_seconds(pid) - before) / count


def large(client: httpx2.Client, url: str, pid: int, encoding: str) -> str:
    reset_peak(pid)
    before, cpu = rss_bytes(pid), cpu_seconds(pid)
    size = 0
    with client.stream("POST", url, json={**LARGE, "encoding_format": encoding}) as answer:
        for chunk in answer.iter_raw():
            size += len(chunk)
    peak = peak_rss_bytes(pid)
    return (
        f"2,048 x 3,072 {encoding:>6}: {answer.status_code}, answer {size / MIB:.1f} MiB, proxy "
        f"RSS before {before / MIB:.1f} MiB, peak {peak / MIB:.1f} MiB "
        f"(+{(peak - before) / MIB:.1f}), CPU {cpu_seconds(pid) - cpu:.2f} s"
    )


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--repo", type=click.Path(path_type=Path), default=REPO, show_default=True)
@click.option("--count", type=click.IntRange(10), default=1000, show_default=True)
def main(repo: Path, count: int) -> None:
    """Measure the proxy's embeddings; see the module's docstring."""
    with tempfile.TemporaryDirectory(prefix="embeddings-memory-") as work:
        workdir = Path(work)
        with (
            fake_openrouter(workdir) as fake,
            proxy("proxy", workdir, fake, repo=repo) as service,
            httpx2.Client(headers=dict([AUTHORIZATION]), timeout=120) as client,
        ):
            url = f"{service.url}/v1/embeddings"
            for encoding in ("float", "base64"):
                cpu = small_cpu_us(client, url, service.pid, encoding, count)
                click.echo(f"small {encoding:>6}: proxy CPU {cpu:.0f} µs a request")
            for encoding in ("float", "base64"):
                click.echo(large(client, url, service.pid, encoding))


if __name__ == "__main__":
    main()
