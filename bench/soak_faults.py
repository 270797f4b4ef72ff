"""`python -m bench.soak_faults`: many connections, a mix of requests, and upstream faults.

Like `bench.soak` (the fake OpenRouter and `python -m app` as processes on 127.0.0.1), with
`--clients` concurrent connections for `--seconds`, each sending in turn the requests of `MIX`:
plain, streamed, image, audio and refused requests, and the fake's failing models: a connection
reset mid-answer (JSON and SSE), a stream that stalls, an error chunk mid-stream, a 429. Every
answer must be the one its kind expects (status, and bytes it holds, or a cut the client sees
as such); a stall must end within the proxy's read timeout (`STALL_TIMEOUT`) plus a margin. It
prints the errors (must be 0), per kind the answers and p50/p99/max seconds, the proxy's RSS
(start, after warm-up, end) and its open file descriptors before, at the end and after a pause.
Exits 1 on any error.
"""

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import click

from bench.fixtures import AUTHORIZATION, PROMPT
from bench.procstat import rss_bytes
from bench.upstreams import Service, fake_openrouter, proxy

MIB = 1024 * 1024
STALL_TIMEOUT = 2.0  # the proxy's PROXY_READ_TIMEOUT_SECONDS in this run
CUT = -1  # an expected status: the client sees the answer cut short


@dataclass(frozen=True)
class Kind:
    name: str
    path: str
    body: dict[str, object] | None
    status: int
    expect: bytes = b""


def chat(model: str, stream: bool = False, **more: object) -> dict[str, object]:
    return {"model": model, "messages": PROMPT, "stream": stream, **more}


MIX = (
    Kind("plain", "/v1/chat/completions", chat("openai/gpt-5"), 200, b"Hello from"),
    Kind("stream", "/v1/chat/completions", chat("openai/gpt-5", True), 200, b"data: [DONE]"),
    Kind("image chat", "/v1/chat/completions",
         chat("black-forest-labs/flux.2-pro", modalities=["image", "text"]), 200, b'"images"'),
    Kind("images api", "/v1/images/generations",
         {"model": "black-forest-labs/flux.2-pro", "prompt": "A dot"}, 200, b'"b64_json"'),
    Kind("audio", "/v1/chat/completions",
         chat("openai/gpt-audio", modalities=["text", "audio"]), 200, b'"audio"'),
    Kind("refused", "/v1/chat/completions", chat("openai/gpt-5", modalities=["image"]), 400,
         b"modalities_reject"),
    Kind("models", "/v1/models?output_modalities=image", None, 200, b'"data"'),
    Kind("reset json", "/v1/chat/completions", chat("test/reset"), CUT),
    Kind("reset stream", "/v1/chat/completions", chat("test/stream-reset", True), 200,
         b'"error"'),
    Kind("stall", "/v1/chat/completions", chat("test/stream-stall", True), 200, b'"error"'),
    Kind("error chunk", "/v1/chat/completions", chat("test/stream-error", True), 200,
         b'"error"'),
    Kind("429", "/v1/chat/completions", chat("test/error-429"), 429, b'"error"'),
)  # fmt: skip


@dataclass
class Tally:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


async def ask(session: aiohttp.ClientSession, url: str, kind: Kind) -> str | None:
    """Send one request of `kind`; what was wrong with its answer, or None."""
    try:
        async with (
            session.post(url + kind.path, json=kind.body)
            if kind.body
            else session.get(url + kind.path) as answer
        ):
            body = await answer.read()
    except aiohttp.ClientPayloadError:
        return None if kind.status == CUT else "cut short"
    except aiohttp.ClientError as error:
        return f"{type(error).__name__}: {error}"
    if answer.status != kind.status or kind.expect not in body:
        return f"{answer.status} {body[:120]!r}"
    return None


async def client(
    session: aiohttp.ClientSession, url: str, until: float, tally: Tally, turn: int
) -> None:
    """Send the mix in turn, from kind `turn`, until `until`; tally every answer."""
    while time.monotonic() < until:
        kind = MIX[turn % len(MIX)]
        turn += 1
        started = time.perf_counter()
        wrong = await ask(session, url, kind)
        if wrong is not None:
            tally.errors.append(f"{kind.name}: {wrong}")
        tally.seconds[kind.name].append(time.perf_counter() - started)


async def soak(service: Service, clients: int, seconds: float) -> tuple[Tally, list[int]]:
    tally, rss = Tally(), [rss_bytes(service.pid)]
    until = time.monotonic() + seconds
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1]}
    timeout = aiohttp.ClientTimeout(total=60)
    connector = aiohttp.TCPConnector(limit=clients, force_close=False)
    async with aiohttp.ClientSession(headers=headers, connector=connector, timeout=timeout) as s:

        async def sample() -> None:
            while time.monotonic() < until:
                await asyncio.sleep(1)
                rss.append(rss_bytes(service.pid))

        await asyncio.gather(
            sample(), *(client(s, service.url, until, tally, n) for n in range(clients))
        )
    return tally, rss


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def report(tally: Tally, rss: list[int], seconds: float) -> list[str]:
    lines = [f"{'kind':<14}{'answers':>9}{'p50 s':>9}{'p99 s':>9}{'max s':>9}"]
    for kind in MIX:
        times = sorted(tally.seconds[kind.name]) or [0.0, 0.0]
        p50, p99 = (statistics.quantiles(times, n=100)[q] for q in (49, 98))
        lines.append(f"{kind.name:<14}{len(times):>9}{p50:>9.3f}{p99:>9.3f}{times[-1]:>9.3f}")
    stall = max(tally.seconds["stall"], default=0.0)
    if stall > STALL_TIMEOUT + 5:
        tally.errors.append(f"a stall took {stall:.1f} s, over its timeout {STALL_TIMEOUT} s")
    answers = sum(len(times) for times in tally.seconds.values())
    lines.append(f"answers: {answers} in {seconds:.0f} s ({answers / seconds:.0f}/s)")
    lines.append(f"errors: {len(tally.errors)}")
    lines += [f"  {error}" for error in sorted(set(tally.errors))[:10]]
    warm = rss[min(10, len(rss) - 1)]
    lines.append(
        f"proxy RSS MiB: start {rss[0] / MIB:.1f}, after 10 s {warm / MIB:.1f}, "
        f"end {rss[-1] / MIB:.1f}, max {max(rss) / MIB:.1f}"
    )
    return lines


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--clients", type=click.IntRange(1, 1024), default=256, show_default=True)
@click.option("--seconds", type=click.FloatRange(1, 3600), default=60, show_default=True)
def main(clients: int, seconds: float) -> None:
    """Soak the proxy with faults; see the module's docstring."""
    settings = {"PROXY_READ_TIMEOUT_SECONDS": str(STALL_TIMEOUT), "PROXY_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory(prefix="soak-faults-") as work:
        workdir = Path(work)
        with (
            fake_openrouter(workdir) as fake,
            proxy("proxy", workdir, fake, settings=settings) as service,
        ):
            files_before = open_files(service.pid)
            tally, rss = asyncio.run(soak(service, clients, seconds))
            files_end = open_files(service.pid)
            time.sleep(7)  # past uvicorn's keep-alive timeout
            files_after = open_files(service.pid)
    click.echo(f"{clients} connections, {seconds:.0f} s, mix: {', '.join(k.name for k in MIX)}")
    click.echo("\n".join(report(tally, rss, seconds)))
    click.echo(f"proxy open files: before {files_before}, end {files_end}, after {files_after}")
    sys.exit(1 if tally.errors or files_after > files_before + 2 else 0)


if __name__ == "__main__":
    main()
