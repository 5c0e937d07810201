"""``newsflow serve-websub``: the WebSub callback endpoint, until Ctrl-C."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsflow.cli.root import app, err, out, settings_of
from newsflow.render import esc


@app.command("serve-websub")
def serve_websub(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (a reverse proxy in front makes it public).")] = (
        "127.0.0.1"),
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = 8731,
    feeds: Annotated[Path | None, typer.Option(help="Feed list (YAML); default from settings.")] = None,
    maintain_every: Annotated[float, typer.Option(
        min=0.1, help="Seconds between subscription upkeeps (renewals, unsubscriptions).")] = 60.0,
    inbox: Annotated[Path | None, typer.Option(
        help="Under Airflow: hand pushed entries to this inbox directory (the newsflow_inbox DAG) "
        "instead of processing them here.")] = None,
) -> None:
    """Receive WebSub pushes: answer hubs' verifications, index pushed entries at once, renew leases.

    Needs the setting websub_callback_url (the public URL hubs reach this endpoint at).
    """
    import time

    from newsflow.websub.server import running

    settings = settings_of(ctx).replace(feeds_file=feeds)
    with running(settings, host=host, port=port, maintain_every=maintain_every, inbox=inbox) as url:
        out.print(f"WebSub callback endpoint on {esc(url)} (public: {esc(settings.websub_callback_url)}) "
                  "until Ctrl-C", soft_wrap=True)
        out.file.flush()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            err.print("stopped")
