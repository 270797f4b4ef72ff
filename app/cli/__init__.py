"""Run the `modality-proxy` command: serve the proxy (the default), or look into the catalog.

The catalog the commands look into is loaded by `app.cli.catalog`.
"""

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson
import uvicorn

from app.catalog import video_models, video_views
from app.catalog import views as catalog_views
from app.catalog.filters import Match, ModelFilter
from app.catalog.records import Model, listing_of
from app.catalog.video_models import VideoModels
from app.cli.catalog import catalog_option, command_catalog
from app.dev import DemoExtraMissing
from app.main import SERVER_OPTIONS
from app.ops.logging_config import logging_config
from app.policy import endpoints
from app.policy.explain import explain as explained
from app.settings import Settings

Command = TypeVar("Command", bound=Callable[..., Any])


def server_options(command: Command) -> Command:
    """Add --host, --port and --workers to `command` (`modality-proxy` alone, and `serve`)."""
    for option in reversed(
        [
            click.option(
                "--host", help="Address to listen on. [env: PROXY_HOST; default: 127.0.0.1]"
            ),
            click.option("--port", type=int, help="Port. [env: PROXY_PORT; default: 8080]"),
            click.option("--workers", type=int, help="Processes. [env: PROXY_WORKERS; default: 1]"),
        ]
    ):
        command = option(command)
    return command


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@server_options
@click.pass_context
def main(context: click.Context, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the proxy (the default: `serve`), or look into the model catalog. Settings come from
    environment variables (docs/settings.md)."""
    if context.invoked_subcommand is None:
        serve_proxy(host, port, workers)


@main.command()
@server_options
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Run the proxy."""
    serve_proxy(host, port, workers)


def serve_proxy(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the proxy under uvicorn until SIGTERM or SIGINT; None takes the setting's value."""
    # Workers are separate processes that read their settings from the environment: options go
    # there too, so that every worker sees the same settings.
    options = {"PROXY_HOST": host, "PROXY_PORT": port, "PROXY_WORKERS": workers}
    os.environ.update({name: str(value) for name, value in options.items() if value is not None})
    settings = Settings()
    # uvicorn handles SIGTERM (stops accepting, lets requests in flight finish), then raises it
    # again for the handler that was there before it: this one makes that an exit with status 0.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=settings.proxy_host,
        port=settings.proxy_port,
        workers=settings.proxy_workers,
        # SIGTERM: stop accepting, let requests and streams in flight finish for this long.
        timeout_graceful_shutdown=settings.proxy_shutdown_grace_seconds,
        log_config=logging_config(settings.proxy_log_level),
        access_log=False,  # the proxy writes its own line per request, without secrets
        **SERVER_OPTIONS,
    )


@main.command()
@click.option("--output", "outputs", help="Output modalities, comma-separated (or `all`).")
@click.option("--input", "inputs", help="Input modalities, comma-separated.")
@click.option(
    "--match", type=click.Choice([m.value for m in Match]), default="any", show_default=True
)
@click.option("--params", help="Supported parameters the models must all have, comma-separated.")
@click.option("--q", "text", help="Case-insensitive substring of the id or name.")
@click.option("--json", "as_json", is_flag=True, help="Print OpenRouter's JSON shape instead.")
@catalog_option
def models(
    outputs: str | None,
    inputs: str | None,
    match: str,
    params: str | None,
    text: str | None,
    as_json: bool,
    catalog_file: Path | None,
) -> None:
    """List the models, filtered as GET /v1/models filters them."""
    query = {"output_modalities": outputs, "input_modalities": inputs, "match": match}
    query |= {"supported_parameters": params, "q": text}
    wanted = ModelFilter.from_query({k: v for k, v in query.items() if v is not None})
    catalog = command_catalog(catalog_file)
    found = [model for model in catalog.models if wanted.accepts(model)]
    if outputs == "video" and catalog.videos is not None:
        _video_models(catalog.videos, found, as_json)
    elif as_json:
        click.echo(orjson.dumps(orjson.loads(listing_of(found)), option=orjson.OPT_INDENT_2))
    else:
        click.echo(catalog_views.table(found))
        click.echo(f"{len(found)} models", err=True)


def _video_models(videos: VideoModels, found: list[Model], as_json: bool) -> None:
    """Print the video models among `found`, with what each takes (the video API's own list)."""
    listed = [video for model in found if (video := videos.lookup(model.id)) is not None]
    if as_json:
        listing = orjson.loads(video_models.listing_of(listed))
        click.echo(orjson.dumps(listing, option=orjson.OPT_INDENT_2))
    else:
        click.echo(catalog_views.aligned(video_views.video_table(listed)))
        click.echo(f"{len(listed)} video models", err=True)


@main.command()
@click.argument("model")
@click.option("--modalities", help="What the request asks for, comma-separated; omit for none.")
@click.option(
    "--wants-exact",
    is_flag=True,
    help="As a proxy that has learned that upstream refuses MODEL a part of its outputs.",
)
@catalog_option
def explain(
    model: str, modalities: str | None, wants_exact: bool, catalog_file: Path | None
) -> None:
    """Say what the proxy would send upstream for a chat request to MODEL, and why, and which
    route MODEL is for; for a video model, what its video requests become."""
    asked = None if modalities is None else [m.strip() for m in modalities.split(",") if m.strip()]
    catalog = command_catalog(catalog_file)
    found = catalog.lookup(model)
    if found is None or endpoints.endpoint_for(found.output_modalities) in (endpoints.CHAT, None):
        click.echo(explained(catalog, model, asked, Settings(), wants_exact))
    if found is not None:
        click.echo(endpoints.route_in_words(found.id, found.output_modalities))
    video = catalog.videos.lookup(model) if catalog.videos else None
    if video is not None:
        click.echo(video_views.explain_video(video))


@main.command(name="demo")
def demo_command() -> None:
    """See the proxy fix the requests that fail on OpenRouter: an emulated OpenRouter (no key
    needed) asked straight and through the proxy, side by side."""
    # Imported here: its HTTP client (httpx2) would add 5 MiB to every serving process, and a
    # plain install has none.
    try:
        from app.dev import demo
    except DemoExtraMissing as missing:
        raise click.ClickException(str(missing)) from None

    click.echo(catalog_views.aligned([demo.COLUMNS, *demo.run()]))
