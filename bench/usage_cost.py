"""`python -m bench.usage_cost`: the CPU that reading usage adds to the relay (issue 25).

`RelayResponse` relays a fake upstream answer (no sockets, so that the noise of a shared machine's
network and load tool stays out) once with the usage reader off (a route without usage) and once
on (chat): a 201-chunk SSE stream ending with its usage chunk, and the ~670-byte completion
`python -m bench` answers small requests with. The best of 5 rounds each; CPU time per chunk and
per answer.
"""

import asyncio
import time

import orjson
from starlette.types import Message

from app.ops.metrics import Note
from app.settings import Settings
from app.upstream.caps import Caps
from app.upstream.interface import Upstreamed
from app.upstream.relay import RelayResponse
from app.upstream.timeouts import Deadlines
from bench.fixtures import _completion
from tests.fake_upstream import FakeAnswer

CHUNK = b'data: {"id":"gen-1","choices":[{"index":0,"delta":{"content":"hello"}}]}\n\n'
USAGE = {"prompt_tokens": 3, "completion_tokens": 200, "cost": 0.1}
END = orjson.dumps({"id": "gen-1", "model": "m", "choices": [], "usage": USAGE})
STREAM = [CHUNK] * 200 + [b"data: " + END + b"\n\ndata: [DONE]\n\n"]
SMALL = [orjson.dumps(_completion({"role": "assistant", "content": "x" * 300}))]
ROUNDS = 5
CAPS = Caps.of(Settings())
DEADLINES = Deadlines(60, 600)


async def _relayed(route: str, pieces: list[bytes], content_type: str) -> None:
    async def run() -> Upstreamed:
        return Upstreamed(FakeAnswer(200, list(pieces), content_type), [])

    async def receive() -> Message:
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        pass

    relay = RelayResponse(run, DEADLINES, CAPS, [], Note("r", route=route))
    await relay({"type": "http", "state": {}}, receive, send)


async def _cpu(route: str, pieces: list[bytes], content_type: str, times: int) -> float:
    started = time.process_time()
    for _ in range(times):
        await _relayed(route, pieces, content_type)
    return (time.process_time() - started) / times


async def main() -> None:
    cases = [("stream", STREAM, "text/event-stream", 300, len(STREAM), "chunk")]
    cases.append(("small answer", SMALL, "application/json", 5000, 1, "answer"))
    for name, pieces, content_type, times, per, unit in cases:
        off = min([await _cpu("other", pieces, content_type, times) for _ in range(ROUNDS)])
        on = min([await _cpu("chat", pieces, content_type, times) for _ in range(ROUNDS)])
        print(
            f"{name}: usage off {off / per * 1e6:.2f} us/{unit}, on {on / per * 1e6:.2f}, "
            f"added {(on - off) / per * 1e6:.2f}"
        )


if __name__ == "__main__":
    asyncio.run(main())
