"""The proxy's memory while it relays a big generated image.

Starts the fake OpenRouter (`python -m app.dev.emulator`, every image `IMAGE_MIB` MiB) and the
proxy (`python -m app`) on 127.0.0.1 and asks for one image of a model only the Images API
serves: from `/v1/images/generations` as it comes (`b64_json`: relayed as upstream sent it), and
each way the proxy collects the Images API's answer whole and rewrites it in memory (as a `data:`
URL, as one `completed` event of a stream the model cannot make, as a chat completion, whole or
streamed). The proxy's peak RSS growth over its RSS before the request (the peak is reset
first) must stay within each one's bound: 16 MiB as it comes (the target), else what the memory
budget reserves for an image answer (`app.ops.memory_costs.IMAGE_ANSWER` bytes a byte).
"""

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from app.ops.memory_costs import IMAGE_ANSWER
from bench.fixtures import AUTHORIZATION
from bench.upstreams import Service, fake_openrouter, proxy
from bench.usage import peak_rss_bytes, reset_peak, rss_bytes

pytestmark = pytest.mark.stress

MIB = 1024 * 1024
# Only the Images API serves it (chat asks it there), and it never streams.
MODEL = "qwen/qwen-image-3"
IMAGE_MIB = 10
B64_JSON_GROWTH_AT_MOST_MIB = 16
PROMPT = "A lighthouse"
Request = tuple[str, dict[str, Any]]  # the path after /v1/, the body's fields but `model`
AS_IT_COMES: Request = ("images/generations", {"prompt": PROMPT, "response_format": "b64_json"})
MESSAGES = [{"role": "user", "content": PROMPT}]
COLLECTED: dict[str, Request] = {  # the Images API's answer collected whole, each way it can be
    "data URL": ("images/generations", {"prompt": PROMPT, "response_format": "url"}),
    "stream asked whole": ("images/generations", {"prompt": PROMPT, "stream": True}),
    "chat": ("chat/completions", {"messages": MESSAGES}),
    "chat streamed": ("chat/completions", {"messages": MESSAGES, "stream": True}),
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    workdir = tmp_path_factory.mktemp("image-memory")
    with (
        fake_openrouter(workdir, image_bytes=IMAGE_MIB * MIB) as fake,
        proxy("proxy", workdir, fake) as started,
    ):
        growth_mib(started, *AS_IT_COMES)  # warm-up: the Images API's model list is loaded
        yield started


def growth_mib(service: Service, path: str, fields: dict[str, Any]) -> tuple[float, int]:
    """Peak RSS growth of the proxy over one request to `path` for an image, and the answer's
    size."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1]}
    size = 0
    url = f"{service.url}/v1/{path}"
    body = {"model": MODEL, **fields}
    with httpx2.stream("POST", url, json=body, headers=headers, timeout=60) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_raw():
            size += len(chunk)
    return (peak_rss_bytes(service.pid) - before) / MIB, size


def test_a_big_image_as_it_comes_is_relayed_in_bounded_memory(service: Service) -> None:
    growth, size = growth_mib(service, *AS_IT_COMES)
    print(f"b64_json: answer {size / MIB:.1f} MiB, proxy peak growth {growth:.1f} MiB")
    assert size > IMAGE_MIB * MIB  # the whole image, in base64
    assert growth <= B64_JSON_GROWTH_AT_MOST_MIB


@pytest.mark.parametrize("way", COLLECTED)
def test_a_big_image_collected_stays_within_what_the_budget_reserves(
    service: Service, way: str
) -> None:
    growth, size = growth_mib(service, *COLLECTED[way])
    print(f"{way}: answer {size / MIB:.1f} MiB, proxy peak growth {growth:.1f} MiB")
    assert size > IMAGE_MIB * MIB
    assert growth * MIB <= IMAGE_ANSWER * size
