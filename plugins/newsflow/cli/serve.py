"""``newsflow serve``: the read-only search page and JSON API (:mod:`newsflow.web`), until Ctrl-C."""

from __future__ import annotations

import contextlib
import functools
import ipaddress
import socket
from typing import Annotated

import typer

from newsflow.cli.root import app, err, out, settings_of
from newsflow.errors import ConfigError
from newsflow.index import open_backend
from newsflow.render import esc


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(
        help="Address to listen on (default: the web_host setting, 127.0.0.1: this machine only).")] = None,
    port: Annotated[int | None, typer.Option(
        min=0, max=65535, help="Port to listen on (default: the web_port setting, 8770; 0: any free port).")] = None,
) -> None:
    """Serve the search page, entity timelines, story threads and the JSON API (/api, schema at /openapi.json).

    Read-only: nothing on the page or in the API changes the index.
    """
    import uvicorn

    from newsflow.web.app import create_app
    from newsflow.web.stories import StorySource

    settings = settings_of(ctx)
    host = settings.web_host if host is None else host
    port = settings.web_port if port is None else port
    with contextlib.closing(open_backend(settings)) as index:  # fail here, not on the first page
        where = getattr(index, "path", None) or settings.es_url
    web = create_app(functools.partial(open_backend, settings),
                     stories=StorySource(settings.state_location, settings.story_window_hours))
    try:
        sock = socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host} port {port}: {exc.strerror or exc}") from exc
    bound = sock.getsockname()[1]
    url = f"http://[{host}]:{bound}/" if ":" in host else f"http://{host}:{bound}/"
    out.print(f"newsflow search page on {esc(url)} over {esc(str(where))} until Ctrl-C", soft_wrap=True)
    if not ipaddress.ip_address(sock.getsockname()[0]).is_loopback:
        err.print(f"listening on {esc(host)}, not loopback only: anyone who can reach this port can read the index "
                  "(the page has no login)", soft_wrap=True)
    out.file.flush()
    with sock:
        uvicorn.Server(uvicorn.Config(web, log_level="warning")).run(sockets=[sock])
