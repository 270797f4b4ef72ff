"""Many connections, a mix of requests, and upstream faults.

Like `test_soak.py` (the fake OpenRouter and `python -m app` as processes on 127.0.0.1), with
`CLIENTS` concurrent connections for `SECONDS`, each sending in turn the requests of `MIX`:
plain, streamed, image, audio and refused requests, and the fake's failing models: a connection
reset mid-answer (JSON and SSE), a stream that stalls, an error chunk mid-stream, a 429. Every
answer must be the one its kind expects (status, and bytes it holds, or a cut the client sees
as such); a stall must end within the proxy's read timeout (`STALL_TIMEOUT`) of the longest
wait of the other kinds (the queue under this load; the client gives up after 60 s); the
proxy's open file descriptors, after a pause past its keep-alive timeout, must be back to what
they were (two more at most). It prints per kind the answers and p50/p99/max seconds and the
proxy's RSS (start, after warm-up, end).
"""

import asyncio
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import psutil
import pytest

from bench.fixtures import AUTHORIZATION, PROMPT
from bench.upstreams import Service, fake_openrouter, proxy
from bench.usage import rss_bytes

pytestmark = pytest.mark.stress

MIB = 1024 * 1024
CLIENTS = 256
SECONDS = 60.0
CLOSE_DEADLINE = 15.0  # seconds; uvicorn closes idle kept-alive connections after 5
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


def report(tally: Tally, rss: list[int], seconds: float) -> list[str]:
    lines = [f"{'kind':<14}{'answers':>9}{'p50 s':>9}{'p99 s':>9}{'max s':>9}"]
    for kind in MIX:
        times = sorted(tally.seconds[kind.name]) or [0.0, 0.0]
        p50, p99 = (statistics.quantiles(times, n=100)[q] for q in (49, 98))
        lines.append(f"{kind.name:<14}{len(times):>9}{p50:>9.3f}{p99:>9.3f}{times[-1]:>9.3f}")
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


def test_every_fault_answered_as_its_kind_expects_and_nothing_left_open(tmp_path: Path) -> None:
    settings = {"PROXY_READ_TIMEOUT_SECONDS": str(STALL_TIMEOUT), "PROXY_LOG_LEVEL": "WARNING"}
    with (
        fake_openrouter(tmp_path) as fake,
        proxy("proxy", tmp_path, fake, settings=settings) as service,
    ):
        process = psutil.Process(service.pid)
        files_before = process.num_fds()
        tally, rss = asyncio.run(soak(service, CLIENTS, SECONDS))
        files_end = process.num_fds()
        deadline = time.monotonic() + CLOSE_DEADLINE
        while (files_after := process.num_fds()) > files_before + 2:
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    print(f"{CLIENTS} connections, {SECONDS:.0f} s, mix: {', '.join(k.name for k in MIX)}")
    print("\n".join(report(tally, rss, SECONDS)))
    print(f"proxy open files: before {files_before}, end {files_end}, after {files_after}")
    assert sorted(set(tally.errors))[:10] == [], f"{len(tally.errors)} errors"
    # Under this load every answer waits in a queue: a stall is cut by the read timeout when it
    # ends within that timeout of the longest wait of the other kinds (not the client's 60 s).
    queue = max(max(times) for name, times in tally.seconds.items() if name != "stall")
    assert max(tally.seconds["stall"]) <= STALL_TIMEOUT + queue + 1
    assert files_after <= files_before + 2
