"""Many clients, mixed plain and streamed requests, for a bounded time.

Starts the fake OpenRouter (`app.dev.emulator`) and the proxy (`python -m app`) as processes on
127.0.0.1, then runs `CLIENTS` concurrent clients for `SECONDS`, each sending, in turn, the
requests of `MIX` (plain and streamed, rewritten and not, and the model list). It fails on any
error (an answer that is not a 200 with the expected body) and when the proxy's RSS, sampled each
second, grows over the second half of the run by more than `RSS_SLACK_MIB`; it prints p50/p99
latency per kind (to the last byte) and the RSS samples.
"""

import asyncio
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from bench.fixtures import AUTHORIZATION, PROMPT
from bench.upstreams import Service, fake_openrouter, proxy
from bench.usage import rss_bytes

pytestmark = pytest.mark.stress

MIB = 1024 * 1024
CLIENTS = 64
SECONDS = 60.0
# RSS grows by a few MiB in the first half (buffers and pools reaching their working size) and
# then stays flat; a leak keeps growing.
RSS_SLACK_MIB = 8
FLUX = "black-forest-labs/flux.2-pro"
GEMINI = "google/gemini-2.5-flash-image"


@dataclass(frozen=True)
class Kind:
    """One kind of request of the mix, and what its answer must contain to count as right."""

    name: str
    method: str
    path: str
    body: dict[str, object] | None
    expect: bytes


def chat(model: str, modalities: list[str], stream: bool) -> dict[str, object]:
    return {"model": model, "modalities": modalities, "messages": PROMPT, "stream": stream}


MIX = (
    Kind("plain rewrite", "POST", "/v1/chat/completions", chat(FLUX, ["image", "text"], False),
         b'"images"'),
    Kind("plain as sent", "POST", "/v1/chat/completions", chat(GEMINI, ["image", "text"], False),
         b"Hello from"),
    Kind("stream rewrite", "POST", "/v1/chat/completions", chat(FLUX, ["image", "text"], True),
         b"data: [DONE]"),
    Kind("stream text", "POST", "/v1/chat/completions", chat("openai/gpt-5", ["text"], True),
         b"data: [DONE]"),
    Kind("models", "GET", "/v1/models?output_modalities=image", None, b'"data"'),
)  # fmt: skip


@dataclass
class Tally:
    """What the clients saw: seconds per answer by kind, and the errors."""

    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


async def client(session: aiohttp.ClientSession, url: str, until: float, tally: Tally) -> None:
    """Send the mix in turn until `until` (a monotonic time); tally every answer."""
    turn = 0
    while time.monotonic() < until:
        kind = MIX[turn % len(MIX)]
        turn += 1
        started = time.perf_counter()
        try:
            async with session.request(kind.method, url + kind.path, json=kind.body) as answer:
                body = await answer.read()
            if answer.status != 200 or kind.expect not in body:
                tally.errors.append(f"{kind.name}: {answer.status} {body[:120]!r}")
                continue
        except aiohttp.ClientError as error:
            tally.errors.append(f"{kind.name}: {type(error).__name__}: {error}")
            continue
        tally.seconds[kind.name].append(time.perf_counter() - started)


async def sample_rss(pid: int, until: float, samples: list[int]) -> None:
    while time.monotonic() < until:
        await asyncio.sleep(1)
        samples.append(rss_bytes(pid))


async def soak(service: Service, clients: int, seconds: float) -> tuple[Tally, list[int]]:
    tally, samples = Tally(), [rss_bytes(service.pid)]
    until = time.monotonic() + seconds
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1]}
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        await asyncio.gather(
            sample_rss(service.pid, until, samples),
            *(client(session, service.url, until, tally) for _ in range(clients)),
        )
    samples.append(rss_bytes(service.pid))
    return tally, samples


def report(tally: Tally, samples: list[int], seconds: float) -> str:
    lines = [f"{'kind':<16}{'answers':>9}{'p50 ms':>9}{'p99 ms':>9}"]
    for kind in MIX:
        times = sorted(tally.seconds[kind.name])
        p50, p99 = (statistics.quantiles(times, n=100)[q] * 1000 for q in (49, 98))
        lines.append(f"{kind.name:<16}{len(times):>9}{p50:>9.2f}{p99:>9.2f}")
    answers = sum(len(times) for times in tally.seconds.values())
    lines.append(f"answers: {answers} in {seconds:.0f} s ({answers / seconds:.0f}/s)")
    lines.append(f"errors: {len(tally.errors)}")
    lines += [f"  {error}" for error in tally.errors[:10]]
    middle = samples[len(samples) // 2]
    lines.append(
        f"proxy RSS MiB: start {samples[0] / MIB:.1f}, middle {middle / MIB:.1f}, "
        f"end {samples[-1] / MIB:.1f}, max {max(samples) / MIB:.1f} ({len(samples)} samples)"
    )
    return "\n".join(lines)


def test_many_clients_get_every_answer_right_in_bounded_memory(tmp_path: Path) -> None:
    with fake_openrouter(tmp_path) as fake, proxy("proxy", tmp_path, fake) as service:
        tally, samples = asyncio.run(soak(service, CLIENTS, SECONDS))
    print(f"{CLIENTS} clients, {SECONDS:.0f} s, mix: {', '.join(k.name for k in MIX)}")
    print(report(tally, samples, SECONDS))
    assert tally.errors[:10] == [], f"{len(tally.errors)} errors"
    middle = samples[len(samples) // 2]
    assert (samples[-1] - middle) / MIB <= RSS_SLACK_MIB
