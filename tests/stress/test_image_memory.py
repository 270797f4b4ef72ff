"""The proxy's memory while it relays a big generated image.

Starts the fake OpenRouter (`python -m app.dev.emulator`, every image `IMAGE_MIB` MiB) and the
proxy (`python -m app`) on 127.0.0.1 and asks `/v1/images/generations` for one image, as it
comes (`b64_json`: relayed as upstream sent it) and as a `data:` URL (`response_format: "url"`:
the answer is collected and rewritten in memory); the proxy's peak RSS growth over its RSS
before the request (the peak is reset first) must stay within each format's bound: 16 MiB for
`b64_json` (the target), and for `url` what the memory budget reserves for an image answer
(`app.ops.budget.IMAGE_ANSWER` bytes a byte).
"""

from collections.abc import Iterator

import httpx2
import pytest

from app.ops.budget import IMAGE_ANSWER
from bench.fixtures import AUTHORIZATION
from bench.upstreams import Service, fake_openrouter, proxy
from bench.usage import peak_rss_bytes, reset_peak, rss_bytes

pytestmark = pytest.mark.stress

MIB = 1024 * 1024
MODEL = "black-forest-labs/flux.2-pro"
IMAGE_MIB = 10
B64_JSON_GROWTH_AT_MOST_MIB = 16


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    workdir = tmp_path_factory.mktemp("image-memory")
    with (
        fake_openrouter(workdir, image_bytes=IMAGE_MIB * MIB) as fake,
        proxy("proxy", workdir, fake) as started,
    ):
        growth_mib(started, "b64_json")  # warm-up: the Images API's model list is loaded
        yield started


def growth_mib(service: Service, response_format: str) -> tuple[float, int]:
    """Peak RSS growth of the proxy over one image request, and the answer's size."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    body = {"model": MODEL, "prompt": "A lighthouse", "response_format": response_format}
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1]}
    size = 0
    url = f"{service.url}/v1/images/generations"
    with httpx2.stream("POST", url, json=body, headers=headers, timeout=60) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_raw():
            size += len(chunk)
    return (peak_rss_bytes(service.pid) - before) / MIB, size


def test_a_big_image_as_it_comes_is_relayed_in_bounded_memory(service: Service) -> None:
    growth, size = growth_mib(service, "b64_json")
    print(f"b64_json: answer {size / MIB:.1f} MiB, proxy peak growth {growth:.1f} MiB")
    assert size > IMAGE_MIB * MIB  # the whole image, in base64
    assert growth <= B64_JSON_GROWTH_AT_MOST_MIB


@pytest.mark.xfail(
    reason="measured 2026-12-06: +66 to +80 MiB for a 13.3 MiB answer, 5-6 bytes a byte against "
    "the budget's 4 (+39.6 MiB on 2026-11-25)",
    strict=True,
)
def test_a_big_image_as_a_data_url_stays_within_what_the_budget_reserves(
    service: Service,
) -> None:
    growth, size = growth_mib(service, "url")
    print(f"url: answer {size / MIB:.1f} MiB, proxy peak growth {growth:.1f} MiB")
    assert size > IMAGE_MIB * MIB
    assert growth * MIB <= IMAGE_ANSWER * size
