"""`python -m bench.forged_labels`: what forged model names cost the proxy's metrics (issue 22).

Starts the fake OpenRouter and the proxy (`python -m app`, of `--repo`: another checkout may be
compared), then sends `--requests` forged video ids, each naming another model, to
`GET /v1/videos/{id}/content?variant=x` (answered 400 by the proxy, never sent upstream), on
one keep-alive connection, pipelined. Prints the proxy's RSS before and after (and its peak),
the size of `/metrics` and how long it takes to scrape (the slowest of `--scrapes`).
"""

import base64
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from tempfile import TemporaryDirectory

import click
import httpx2
import orjson

from app.dev import raw_http
from bench.fixtures import REPO
from bench.procstat import peak_rss_bytes, rss_bytes
from bench.upstreams import Service, fake_openrouter, proxy

MIB = 1024 * 1024


def forged_requests(count: int) -> Iterator[bytes]:
    """`count` requests for the content of videos that never were, each of another model."""
    for n in range(count):
        fields = [1, "job-1", f"forged/model-{n}", None, None, 0, ""]
        packed = base64.urlsafe_b64encode(orjson.dumps(fields)).rstrip(b"=").decode()
        target = f"/v1/videos/video_{packed}/content?variant=x"
        yield f"GET {target} HTTP/1.1\r\nHost: proxy\r\n\r\n".encode()


def scrape(service: Service, scrapes: int) -> tuple[int, float]:
    """The size of `/metrics` and the slowest of `scrapes` scrapes, in seconds."""
    slowest, size = 0.0, 0
    for _ in range(scrapes):
        started = time.perf_counter()
        size = len(httpx2.get(f"{service.url}/metrics", timeout=120).content)
        slowest = max(slowest, time.perf_counter() - started)
    return size, slowest


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--requests", type=click.IntRange(1), default=100_000, show_default=True)
@click.option("--scrapes", type=click.IntRange(1), default=3, show_default=True)
@click.option("--repo", type=click.Path(path_type=Path), default=REPO, show_default=True)
def main(requests: int, scrapes: int, repo: Path) -> None:
    """Measure what forged video ids cost the metrics; see the module's docstring."""
    with TemporaryDirectory(prefix="forged-labels-") as work:
        workdir = Path(work)
        with fake_openrouter(workdir) as fake, proxy("proxy", workdir, fake, repo) as service:
            size, seconds = scrape(service, scrapes)
            before = rss_bytes(service.pid) / MIB
            click.echo(f"before: RSS {before:.0f} MiB, /metrics {size:,} bytes, {seconds:.3f} s")
            started = time.perf_counter()
            statuses = Counter(raw_http.pipelined(service.url, forged_requests(requests)))
            took = time.perf_counter() - started
            after, peak = rss_bytes(service.pid) / MIB, peak_rss_bytes(service.pid) / MIB
            size, seconds = scrape(service, scrapes)
            click.echo(f"{requests:,} forged ids in {took:.1f} s, answered {dict(statuses)}")
            click.echo(
                f"after: RSS {after:.0f} MiB (peak {peak:.0f}), /metrics {size:,} bytes, "
                f"slowest of {scrapes} scrapes {seconds:.3f} s"
            )


if __name__ == "__main__":
    main()
