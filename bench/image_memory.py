"""`python -m bench.image_memory`: the proxy's memory while it relays a big generated image.

Starts the fake OpenRouter (`python -m app.dev.emulator`, every image `--mib` MiB) and the proxy
(`python -m app`) on 127.0.0.1; asks `/v1/images/generations` for one image, first as it comes
(`b64_json`: relayed as upstream sent it), then as a `data:` URL (`response_format: "url"`: the
answer is rewritten in memory); and prints, for each, the proxy's peak RSS growth over its RSS
before the request (the peak is reset first, through /proc/PID/clear_refs). The target for
`b64_json` is 16 MiB at most for a 10 MiB image.
"""

import tempfile
from pathlib import Path

import click
import httpx2

from bench.fixtures import AUTHORIZATION
from bench.procstat import peak_rss_bytes, rss_bytes
from bench.upstreams import Service, fake_openrouter, proxy

MIB = 1024 * 1024
MODEL = "black-forest-labs/flux.2-pro"


def reset_peak(pid: int) -> None:
    """Set `pid`'s peak RSS (VmHWM) to its RSS now (Linux's clear_refs, value 5)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


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


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--mib", type=click.IntRange(1, 256), default=10, show_default=True)
def main(mib: int) -> None:
    """Measure the proxy's memory for one big image; see the module's docstring."""
    with tempfile.TemporaryDirectory(prefix="image-memory-") as work:
        workdir = Path(work)
        with (
            fake_openrouter(workdir, image_bytes=mib * MIB) as fake,
            proxy("proxy", workdir, fake) as service,
        ):
            growth_mib(service, "b64_json")  # warm-up: the Images API's model list is loaded
            for response_format in ("b64_json", "url"):
                growth, size = growth_mib(service, response_format)
                click.echo(
                    f"{mib} MiB image, {response_format:>8}: answer {size / MIB:.1f} MiB, "
                    f"proxy peak RSS growth {growth:.1f} MiB"
                )


if __name__ == "__main__":
    main()
