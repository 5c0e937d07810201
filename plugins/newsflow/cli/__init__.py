"""The ``newsflow`` command. Exit codes: 0 ok, 1 failures recorded, 2 usage or config error,
3 unexpected error (a bug), 130 interrupted.

The Typer application and its shared options live in :mod:`newsflow.cli.root`; the commands
are grouped by job: :mod:`~newsflow.cli.ingest` (run, retry, reprocess, demo),
:mod:`~newsflow.cli.archive` (import-warc),
:mod:`~newsflow.cli.reading` (search, show, stats, failures) and :mod:`~newsflow.cli.admin`
(feeds, es, config), :mod:`~newsflow.cli.state` (state migrate), :mod:`~newsflow.cli.websub` (serve-websub),
:mod:`~newsflow.cli.alerts` (alerts), :mod:`~newsflow.cli.serve` (serve),
:mod:`~newsflow.cli.stories` (stories). :func:`main` (the console script) turns every error into one message
and an exit code (:mod:`~newsflow.cli.exits`).
"""

from __future__ import annotations

# importing registers the commands, in the order `newsflow --help` lists them
from newsflow.cli import ingest  # noqa: F401

# isort: split
from newsflow.cli import archive  # noqa: F401

# isort: split
from newsflow.cli import reading  # noqa: F401

# isort: split
from newsflow.cli import admin  # noqa: F401

# isort: split
from newsflow.cli import state  # noqa: F401

# isort: split
from newsflow.cli import websub  # noqa: F401

# isort: split
from newsflow.cli import (
    alerts,  # noqa: F401
    serve,  # noqa: F401
)

# isort: split
from newsflow.cli import stories  # noqa: F401

# isort: split
from newsflow.cli.exits import EXIT_BUG, crash_log, main
from newsflow.cli.root import _LogFormatter, app

__all__ = ["EXIT_BUG", "_LogFormatter", "app", "crash_log", "main"]
