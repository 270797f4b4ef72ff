"""`python -m bench.body_memory`: the proxy's memory for one request body, by its shape and size.

Starts the fake OpenRouter and the proxy (`python -m app`, its body limits raised out of the way
with `--unlimited`), and posts chat bodies of `--mib` MiB to `/v1/chat/completions` for flux
with `modalities: ["image","text"]` (so the body is parsed and written again, the costliest
path), one per shape: one base64 image (a `data:` URL, the common big body), and arrays of `{}`,
`[]`, `0`, `1.5` and `""` (the costliest per byte). For each it prints the proxy's peak RSS growth
over its RSS before the request, and the ratio to the body's size; `--kubernetes-mib` (the
manifests' memory limit) over the idle RSS then says how big a body of each shape fits.
"""

import tempfile
from pathlib import Path

import click
import httpx2

from bench.fixtures import AUTHORIZATION
from bench.upstreams import Service, fake_openrouter, proxy
from bench.usage import peak_rss_bytes, reset_peak, rss_bytes

MIB = 1024 * 1024
ITEMS = {"{}": b"{}", "[]": b"[]", "0": b"0", "1.5": b"1.5", '""': b'""'}


def body_of(shape: str, size: int) -> bytes:
    """A chat body of about `size` bytes whose bulk is `shape`."""
    head = b'{"model":"black-forest-labs/flux.2-pro","modalities":["image","text"],"messages":'
    if shape == "image":
        url = b"data:image/png;base64," + b"A" * size
        part = b'[{"type":"image_url","image_url":{"url":"' + url + b'"}}]'
        return head + b'[{"role":"user","content":' + part + b"}]}"
    item = ITEMS[shape]
    bulk = b"[" + b",".join([item] * (size // (len(item) + 1))) + b"]"
    return head + b'[{"role":"user","content":"hi"}],"bulk":' + bulk + b"}"


def growth_mib(service: Service, body: bytes) -> tuple[float, int]:
    """Peak RSS growth of the proxy over one request with `body`, and the answer's status."""
    reset_peak(service.pid)
    before = rss_bytes(service.pid)
    headers = {AUTHORIZATION[0]: AUTHORIZATION[1], "Content-Type": "application/json"}
    url = f"{service.url}/v1/chat/completions"
    answer = httpx2.post(url, content=body, headers=headers, timeout=120)
    return (peak_rss_bytes(service.pid) - before) / MIB, answer.status_code


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--mib", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option("--unlimited", is_flag=True, help="Raise the proxy's body limits out of the way.")
@click.option("--kubernetes-mib", type=int, default=256, show_default=True)
def main(mib: int, unlimited: bool, kubernetes_mib: int) -> None:
    """Measure the proxy's memory per body shape; see the module's docstring."""
    settings = {"PROXY_MAX_BODY_BYTES": str(1024 * MIB), "PROXY_MAX_JSON_ITEMS": str(10**9)}
    with tempfile.TemporaryDirectory(prefix="body-memory-") as work:
        workdir = Path(work)
        with (
            fake_openrouter(workdir) as fake,
            proxy("proxy", workdir, fake, settings=settings if unlimited else None) as service,
        ):
            growth_mib(service, body_of("image", MIB))  # warm-up
            idle = rss_bytes(service.pid) / MIB
            click.echo(f"proxy RSS before: {idle:.0f} MiB; limit {kubernetes_mib} MiB")
            for shape in ["image", *ITEMS]:
                body = body_of(shape, mib * MIB)
                growth, status = growth_mib(service, body)
                ratio = growth / (len(body) / MIB)
                fits = (kubernetes_mib - idle) / ratio if ratio else float("inf")
                click.echo(
                    f"{shape:>6}: body {len(body) / MIB:5.1f} MiB -> {status}, peak growth "
                    f"{growth:6.1f} MiB ({ratio:4.1f}x), fits in the limit up to {fits:5.0f} MiB"
                )


if __name__ == "__main__":
    main()
