"""One row per (stage, url) that failed: the ``failures`` table (SQLite)."""

from __future__ import annotations

from collections.abc import Sequence

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import failures as shared

TABLE = Table(
    "failures",
    """
    CREATE TABLE IF NOT EXISTS failures (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL,
        url TEXT NOT NULL,
        error_class TEXT NOT NULL,
        message TEXT NOT NULL,
        retryable INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 1,
        first_failed_at REAL NOT NULL,
        last_failed_at REAL NOT NULL,
        next_retry_at REAL,
        host TEXT,
        UNIQUE (stage, url)
    )""",
    times=("first_failed_at", "last_failed_at", "next_retry_at"),
)


class Failures(shared.Failures, TableStore):
    """The ``failures`` table."""

    def hold(self, stage: str, url: str) -> None:
        """Nothing to do: the caller's ``BEGIN IMMEDIATE`` transaction already holds the file."""

    def clear(self, urls: Sequence[str], stages: Sequence[str]) -> None:
        self.conn.executemany(
            "DELETE FROM failures WHERE url = ? AND stage = ?", [(u, s) for u in urls for s in stages]
        )
