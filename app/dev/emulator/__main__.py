"""`python -m app.dev.emulator`: the fake OpenRouter (on 127.0.0.1 unless `--host` says otherwise),
for benchmarks and trying the proxy by hand (`OPENROUTER_BASE_URL=http://127.0.0.1:PORT/api/v1`).
Once it listens it says where, in one line on stderr."""

import base64

import click
import uvicorn

from app.dev.emulator import FakeOpenRouter


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--port", type=int, default=8081, show_default=True, help="0: any free port.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0 in a container, for the others on its network).",
)
@click.option(
    "--image-bytes",
    type=click.IntRange(0),
    default=0,
    help="Size of every generated image (0: a 1x1 PNG).",
)
@click.option(
    "--subsets-served",
    is_flag=True,
    help="Serve a subset of a model's outputs (default: only the exact set, as the seed saw).",
)
def main(port: int, host: str, image_bytes: int, subsets_served: bool) -> None:
    """Serve the fake OpenRouter's API under /api/v1."""
    fake = FakeOpenRouter()
    fake.subsets_served = subsets_served
    if image_bytes:
        fake.images.image_b64 = base64.b64encode(bytes(image_bytes)).decode()
    config = uvicorn.Config(fake.app, host=host, port=port, log_level="warning", loop="uvloop")
    listening = config.bind_socket()
    # Connections queue from now on, so that whoever reads the line can connect at once.
    listening.listen()
    url = base_url(host, listening.getsockname()[1])
    click.echo(f"fake OpenRouter on {url} (OPENROUTER_BASE_URL for the proxy)", err=True)
    uvicorn.Server(config).run(sockets=[listening])


def base_url(host: str, port: int) -> str:
    """The fake's API root at `host`:`port`, as OPENROUTER_BASE_URL takes it."""
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address
    return f"http://{shown}:{port}/api/v1"


if __name__ == "__main__":
    main()
