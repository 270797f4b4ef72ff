"""Many concurrent SSE streams at once, timed chunk by chunk.

Each stream is one raw connection (asyncio + httptools, so that the client costs little next to
what it measures) that POSTs a `stream: true` chat request and reads the events of the streaming
stand-in (`bench.stand_in`): each carries its send time, so receive time minus send time is the
delay of that chunk, on one clock since everything runs on this machine.
"""

import asyncio
import time
from dataclasses import dataclass
from functools import partial
from typing import cast

import httptools
import uvloop

from bench.fixtures import AUTHORIZATION
from bench.load import host_and_port, percentile, raw_request

SENT_PREFIX = b'data: {"sent_ns":'
DONE = b"data: [DONE]"


@dataclass(frozen=True)
class Round:
    """One round: `streams` streams opened at once, each read to its end (or cut at the limit)."""

    streams: int
    complete: int  # streams that got status 200 and `data: [DONE]`
    seconds: float  # from the first request sent to the last stream finished
    delays_ns: list[int]  # receive minus send time, one per chunk received
    ttfbs_ns: list[int]  # request written to first response byte, one per stream


@dataclass(frozen=True)
class StreamsResult:
    """Rounds pooled: percentiles over every chunk (and every stream) of every round."""

    rounds: int
    streams: int  # over all rounds
    complete: int
    chunks: int
    seconds: float
    delay_p50_us: float
    delay_p99_us: float
    ttfb_p50_us: float
    ttfb_p99_us: float

    @property
    def chunks_per_second(self) -> float:
        return self.chunks / self.seconds


def pooled(rounds: list[Round]) -> StreamsResult:
    delays = sorted(delay for one in rounds for delay in one.delays_ns)
    ttfbs = sorted(ttfb for one in rounds for ttfb in one.ttfbs_ns)
    return StreamsResult(
        rounds=len(rounds),
        streams=sum(one.streams for one in rounds),
        complete=sum(one.complete for one in rounds),
        chunks=len(delays),
        seconds=sum(one.seconds for one in rounds),
        delay_p50_us=percentile(delays, 50) / 1000,
        delay_p99_us=percentile(delays, 99) / 1000,
        ttfb_p50_us=percentile(ttfbs, 50) / 1000,
        ttfb_p99_us=percentile(ttfbs, 99) / 1000,
    )


class _Stream(asyncio.Protocol):
    """Sends one request on connect; records per-event delays until the response ends."""

    def __init__(self, request: bytes, finished: "asyncio.Future[None]") -> None:
        self.delays_ns: list[int] = []
        self.ttfb_ns: int | None = None
        self.status = 0
        self.done = False
        self._request = request
        self._finished = finished
        self._parser = httptools.HttpResponseParser(self)
        self._transport: asyncio.Transport | None = None
        self._sent_at = 0
        self._received_at = 0  # time.time_ns() of the read being parsed
        self._pending = b""  # the start of an event split across reads

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its interface.
        self._transport = cast(asyncio.Transport, transport)
        self._sent_at = time.perf_counter_ns()
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        # One timestamp per read: every event in it arrived then.
        self._received_at = time.time_ns()
        if self.ttfb_ns is None:
            self.ttfb_ns = time.perf_counter_ns() - self._sent_at
        self._parser.feed_data(data)

    def on_body(self, body: bytes) -> None:
        *events, self._pending = (self._pending + body).split(b"\n\n")
        for event in events:
            if event.startswith(SENT_PREFIX):
                sent = int(event[len(SENT_PREFIX) : event.index(b",", len(SENT_PREFIX))])
                self.delays_ns.append(self._received_at - sent)
            elif event == DONE:
                self.done = True

    def on_message_complete(self) -> None:
        self.status = self._parser.get_status_code()
        assert self._transport is not None
        self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._finished.done():
            self._finished.set_result(None)

    def close(self) -> None:
        assert self._transport is not None
        self._transport.close()


def run_round(base_url: str, path: str, body: bytes, streams: int, limit: float) -> Round:
    """Open `streams` connections to `base_url` at once, each streaming one chat answer. Streams
    not finished after `limit` seconds are cut and count as incomplete."""
    return uvloop.run(_run(base_url, path, body, streams, limit))


async def _run(base_url: str, path: str, body: bytes, count: int, limit: float) -> Round:
    loop = asyncio.get_running_loop()
    host, port = host_and_port(base_url)
    headers = (AUTHORIZATION, ("Accept", "text/event-stream"))
    request = raw_request(base_url, path, body, headers)
    finished = [loop.create_future() for _ in range(count)]
    start = time.perf_counter()
    connected = await asyncio.gather(
        *(loop.create_connection(partial(_Stream, request, done), host, port) for done in finished)
    )
    await asyncio.wait(finished, timeout=limit)
    seconds = time.perf_counter() - start
    clients = [client for _, client in connected]
    for client in clients:
        client.close()  # those still streaming: cut; the others are closed already
    return Round(
        streams=count,
        complete=sum(1 for client in clients if client.status == 200 and client.done),
        seconds=seconds,
        delays_ns=[delay for client in clients for delay in client.delays_ns],
        ttfbs_ns=[client.ttfb_ns for client in clients if client.ttfb_ns is not None],
    )
