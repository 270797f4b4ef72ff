"""The `modality-proxy` command: serve the proxy under uvicorn (uvloop + httptools)."""

import copy
import os
from typing import Any

import click
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from app.settings import Settings

# Relayed answers carry upstream's own Date and Server headers: uvicorn adds none of its own.
SERVER_OPTIONS: dict[str, Any] = {
    "loop": "uvloop",
    "http": "httptools",
    "server_header": False,
    "date_header": False,
    "proxy_headers": False,  # nothing reads the client's address; skip rewriting it
}


def logging_config(level: str) -> dict[str, Any]:
    """uvicorn's logging config plus the proxy's own loggers (`app.*`), for every worker."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["app"] = {"handlers": ["default"], "level": level, "propagate": False}
    return config


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", help="Address to listen on. [env: PROXY_HOST; default: 127.0.0.1]")
@click.option("--port", type=int, help="Port to listen on. [env: PROXY_PORT; default: 8080]")
@click.option("--workers", type=int, help="Worker processes. [env: PROXY_WORKERS; default: 1]")
def main(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the proxy. Other settings come from environment variables (see the README)."""
    # Workers are separate processes that read their settings from the environment: options go
    # there too, so that every worker sees the same settings.
    options = {"PROXY_HOST": host, "PROXY_PORT": port, "PROXY_WORKERS": workers}
    os.environ.update({name: str(value) for name, value in options.items() if value is not None})
    settings = Settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.proxy_host,
        port=settings.proxy_port,
        workers=settings.proxy_workers,
        log_config=logging_config(settings.proxy_log_level),
        access_log=False,  # one line per chat request comes from app.routes, without secrets
        **SERVER_OPTIONS,
    )
