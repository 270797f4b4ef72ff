"""The proxy's memory when upstream sends a huge answer that the proxy would hold whole, route by
route (issue 22, findings 3 and 4).

Runs the hostile upstream of `app.dev.huge_answers` in this process (each answer `ANSWER_MIB`
MiB, made as it is sent, so that this process holds none of it) and, for each route, a new proxy
(`python -m app`) on 127.0.0.1: after one request with a 1 MiB answer (to warm it up), the
proxy's peak RSS growth over its RSS before the huge one (the peak is reset first) must stay
under `GROWTH_AT_MOST_MIB`, and the client must not get the whole answer: the proxy holds up to
a cap, then answers a 502 (or ends a stream with an error event) and drops the connection.
Before the caps, the same answers grew the proxy by 200 to 970 MiB.
"""

from pathlib import Path

import httpx2
import pytest

from app.dev.big_bodies import BigRequest
from app.dev.huge_answers import MIB, ROUTES, asked, hostile
from app.dev.local_server import serve
from bench.fixtures import AUTHORIZATION
from bench.upstreams import Service, proxy
from bench.usage import peak_rss_bytes, reset_peak, rss_bytes

pytestmark = pytest.mark.stress

ANSWER_MIB = 200
# The largest cap (assembled audio, 32 MiB) held once, with what parsing it costs; measured
# after the caps: +1 to +34 MiB.
GROWTH_AT_MOST_MIB = 64


def measured(service: Service, request: BigRequest, size: int) -> tuple[float, str, int]:
    """Peak RSS growth of the proxy (MiB) over one request whose answer is `size` bytes, and
    what the client got: its status (or why it had none) and the bytes it read."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    sent = asked(request, size)
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1], "Content-Type": sent.content_type}
    headers |= dict(sent.headers)
    got_bytes, status = 0, "no status"
    try:
        url = f"{service.url}{sent.path}"
        stream = httpx2.stream("POST", url, content=sent.body, headers=headers, timeout=300)
        with stream as answer:
            status = str(answer.status_code)
            for chunk in answer.iter_raw():
                got_bytes += len(chunk)
    except httpx2.HTTPError as error:
        status += f", cut ({type(error).__name__})"
    return (peak_rss_bytes(service.pid) - before) / MIB, status, got_bytes


@pytest.mark.parametrize("route", ROUTES)
def test_a_huge_answer_is_cut_at_its_cap_in_bounded_memory(route: str, tmp_path: Path) -> None:
    request = ROUTES[route]
    with serve(hostile()) as url, proxy("proxy", tmp_path, Service("hostile", url, 0)) as it:
        measured(it, request, MIB)  # warm-up
        growth, status, got_bytes = measured(it, request, ANSWER_MIB * MIB)
    print(f"{route}: {status}, {got_bytes:,} bytes; proxy peak growth {growth:.1f} MiB")
    assert got_bytes < ANSWER_MIB * MIB
    assert growth <= GROWTH_AT_MOST_MIB
