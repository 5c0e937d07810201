"""The ``newsflow`` Typer application: its global options, logging, consoles and the helpers
every command shares (settings from the context, JSON-or-text output, a run's summary)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from newsflow import pipeline
from newsflow.config import Settings, load_settings
from newsflow.index.request import utc as utc  # a date option read as UTC (shared with the web API)
from newsflow.render import make_console, print_failures_brief, summary_table

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="newsflow: RSS/Atom feeds → clean, enriched articles → a searchable index.")
out = make_console()
err = make_console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


def settings_of(ctx: typer.Context) -> Settings:
    """The settings :func:`main_options` loaded for this invocation."""
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def emit(data: Any, *, as_json: bool, text: Callable[[], None]) -> None:
    """Print ``data`` as JSON on stdout with ``--json``, else call ``text`` to print it for people."""
    if as_json:
        out.print_json(json.dumps(data))
    else:
        text()


@app.callback()
def main_options(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option(help="TOML config file (else NEWSFLOW_CONFIG).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Directory of the index and state files.")] = None,
    index: Annotated[Path | None, typer.Option(help="Embedded index file.")] = None,
    backend: Annotated[str | None, typer.Option(help="embedded or elasticsearch.")] = None,
    es_url: Annotated[str | None, typer.Option(help="Elasticsearch URL.")] = None,
    verbose: Annotated[bool, typer.Option("-v", "--verbose", help="Log progress details.")] = False,
) -> None:
    """newsflow: RSS/Atom feeds → clean, enriched articles → a searchable index."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter(verbose))
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR, handlers=[handler])
    ctx.obj = load_settings(config, data_dir=data_dir, index_path=index, backend=backend, es_url=es_url)


class _LogFormatter(logging.Formatter):
    """Log lines on stderr: a logged exception is one line (its type and message) unless
    ``--verbose``, so no traceback reaches a user who did not ask for it."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        if self.verbose or not record.exc_info:
            return super().format(record)
        exc = record.exc_info[1]
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return super().format(plain) + (f" ({type(exc).__name__}: {exc}; -v shows the traceback)" if exc else "")


def finish(summary: pipeline.RunSummary, *, as_json: bool) -> None:
    """Print a run's summary (JSON or a table with the first failures) and exit with its code."""

    def table() -> None:
        out.print(summary_table(summary))
        print_failures_brief(out, summary)

    emit(summary.as_dict(), as_json=as_json, text=table)
    raise typer.Exit(summary.exit_code)
