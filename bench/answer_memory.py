"""`python -m bench.answer_memory`: the proxy's memory when upstream sends a huge answer that the
proxy would hold whole, route by route (issue 22, findings 3 and 4).

Runs the hostile upstream of `app.dev.huge_answers` in this process (each answer `--mib` MiB,
made as it is sent, so that this process holds none of it) and, for each route, a new proxy
(`python -m app` of `--repo`, default this checkout) on 127.0.0.1: after one request with a 1 MiB
answer (to warm it up), it prints the proxy's answer to the huge one and its peak RSS growth
over its RSS before the request (the peak is reset first, through /proc/PID/clear_refs).
"""

import tempfile
from pathlib import Path

import click
import httpx2

from app.dev.big_bodies import BigRequest
from app.dev.huge_answers import MIB, ROUTES, asked, hostile
from app.dev.local_server import serve
from bench.fixtures import AUTHORIZATION, REPO
from bench.image_memory import reset_peak
from bench.procstat import peak_rss_bytes, rss_bytes
from bench.upstreams import Service, proxy


def measured(service: Service, request: BigRequest, size: int) -> tuple[float, str]:
    """Peak RSS growth of the proxy over one request whose answer is `size` bytes, and what the
    client got."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    sent = asked(request, size)
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1], "Content-Type": sent.content_type}
    headers |= dict(sent.headers)
    got_bytes, status = 0, 0
    try:
        url = f"{service.url}{sent.path}"
        stream = httpx2.stream("POST", url, content=sent.body, headers=headers, timeout=300)
        with stream as answer:
            status = answer.status_code
            for chunk in answer.iter_raw():
                got_bytes += len(chunk)
        got = f"{status}, {got_bytes:,} bytes"
    except httpx2.HTTPError as error:
        got = f"{status or 'no status'}, cut after {got_bytes:,} bytes ({type(error).__name__})"
    return (peak_rss_bytes(service.pid) - before) / MIB, got


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--mib", type=click.IntRange(1, 1024), default=200, show_default=True)
@click.option("--repo", type=click.Path(path_type=Path), default=REPO, show_default=True)
def main(mib: int, repo: Path) -> None:
    """Measure the proxy's memory for huge answers; see the module's docstring."""
    click.echo(f"{mib} MiB answers, proxy of {repo}")
    with (
        tempfile.TemporaryDirectory(prefix="answer-memory-") as work,
        serve(hostile()) as url,
    ):
        for route, request in ROUTES.items():
            with proxy(route.replace(" ", "-"), Path(work), Service("hostile", url, 0), repo) as it:
                measured(it, request, MIB)  # warm-up
                idle = rss_bytes(it.pid) / MIB
                growth, got = measured(it, request, mib * MIB)
                click.echo(
                    f"{route:>17}: {got}; proxy RSS {idle:.0f} MiB, peak growth {growth:.1f} MiB"
                )


if __name__ == "__main__":
    main()
