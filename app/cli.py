"""The `modality-proxy` command: serve the proxy under uvicorn (uvloop + httptools)."""

import logging
from typing import Any

import click
import uvicorn

from app.main import create_app
from app.settings import Settings

# Relayed answers carry upstream's own Date and Server headers: uvicorn adds none of its own.
SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "server_header": False,
    "date_header": False,
    "proxy_headers": False,  # nothing reads the client's address; skip rewriting it
}


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", help="Address to listen on. [env: PROXY_HOST; default: 127.0.0.1]")
@click.option("--port", type=int, help="Port to listen on. [env: PROXY_PORT; default: 8080]")
def main(host: str | None, port: int | None) -> None:
    """Run the proxy. Other settings come from environment variables (see the README)."""
    overrides: dict[str, Any] = {"proxy_host": host, "proxy_port": port}
    settings = Settings(**{name: value for name, value in overrides.items() if value is not None})
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvicorn.run(
        create_app(settings),
        host=settings.proxy_host,
        port=settings.proxy_port,
        **SERVER_OPTIONS,
        access_log=False,  # one line per chat request comes from app.routes, without secrets
        log_level="info",
    )
