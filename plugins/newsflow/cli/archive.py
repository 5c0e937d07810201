"""``newsflow import-warc``: ingest WARC files from elsewhere; prints the run's summary and
exits with its code."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsflow import pipeline
from newsflow.cli.root import JsonOpt, app, err, finish, settings_of
from newsflow.render import StageBars


@app.command("import-warc")
def import_warc(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="WARC files (.warc or .warc.gz, e.g. CC-NEWS).")],
    as_json: JsonOpt = False,
) -> None:
    """Ingest WARC files: each HTML response becomes an article (fetch time: its WARC-Date).

    Importing a file again changes nothing; a bad record (truncated, not HTML, too large,
    damaged gzip) is recorded as a failure of stage import and the rest goes on."""
    with StageBars(err) as bars:
        summary = pipeline.import_warc(settings_of(ctx), files, progress=bars)
    finish(summary, as_json=as_json)
