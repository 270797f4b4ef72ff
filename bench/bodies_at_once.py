"""`python -m bench.bodies_at_once`: the proxy's peak memory for large bodies sent at once.

Starts the fake OpenRouter and the proxy (`python -m app`, of `--repo`: another checkout may be
compared), then, per route of `--route`, sends `--count` bodies of `--mib` MiB at once
(`app.dev.big_bodies`: a data URL in a chat or Responses body, a long image prompt, an uploaded
transcription or image edit) and prints the answers' statuses, the proxy's peak RSS, its growth
over the RSS before, and that growth per byte of body: the parse factor `app.ops.memory_costs` holds
(`--count 1` for one body alone). Uploads spool to `--tmp` (default: a fresh directory).
"""

import concurrent.futures
import os
import tempfile
from collections import Counter
from pathlib import Path

import click
import httpx2

from app.dev.big_bodies import SHAPES, BigRequest
from bench.fixtures import AUTHORIZATION, REPO
from bench.upstreams import Service, fake_openrouter, proxy
from bench.usage import peak_rss_bytes, reset_peak, rss_bytes

MIB = 1024 * 1024


def send(url: str, request: BigRequest) -> int:
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1], "Content-Type": request.content_type}
    try:
        answer = httpx2.post(url + request.path, content=request.body, headers=headers, timeout=300)
    except httpx2.HTTPError:
        return 0  # no answer: the proxy went away, or dropped the connection
    return answer.status_code


def at_once(service: Service, request: BigRequest, count: int) -> tuple[str, float, float]:
    """The statuses of `count` copies of `request` sent at once, the proxy's peak RSS and its
    growth over the RSS before, in MiB."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        statuses = Counter(pool.map(lambda _: send(service.url, request), range(count)))
    peak = peak_rss_bytes(service.pid)
    shown = ", ".join(f"{n} x {status}" for status, n in sorted(statuses.items()))
    return shown, peak / MIB, (peak - before) / MIB


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--route", "routes", type=click.Choice(list(SHAPES)), multiple=True)
@click.option("--count", type=click.IntRange(1, 64), default=4, show_default=True)
@click.option("--mib", type=click.FloatRange(0.1, 32), default=28, show_default=True)
@click.option("--repo", type=click.Path(file_okay=False, path_type=Path), default=REPO)
@click.option("--setting", "settings", multiple=True, help="NAME=VALUE for the proxy.")
def main(
    routes: tuple[str, ...], count: int, mib: float, repo: Path, settings: tuple[str, ...]
) -> None:
    """Measure the proxy's peak memory for bodies at once; see the module's docstring."""
    size = int(mib * MIB)
    with tempfile.TemporaryDirectory(prefix="bodies-at-once-") as work:
        workdir = Path(work)
        env = dict(setting.split("=", 1) for setting in settings)
        os.environ.setdefault("TMPDIR", str(workdir))
        with (
            fake_openrouter(workdir) as fake,
            proxy("proxy", workdir, fake, repo, settings=env) as service,
        ):
            at_once(service, SHAPES["chat"](MIB), 1)  # warm-up
            click.echo(f"proxy RSS before: {rss_bytes(service.pid) / MIB:.0f} MiB ({repo})")
            for route in routes or SHAPES:
                request = SHAPES[route](size)
                statuses, peak, growth = at_once(service, request, count)
                body_mib = len(request.body) / MIB
                click.echo(
                    f"{route:>13}: {count} x {body_mib:5.1f} MiB -> {statuses}; peak RSS "
                    f"{peak:5.0f} MiB, growth {growth:5.0f} MiB "
                    f"({growth / (count * body_mib):4.2f} per body byte)"
                )


if __name__ == "__main__":
    main()
