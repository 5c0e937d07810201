"""Consecutive transient failures per host and its backoff: the ``hosts`` table (SQLite)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import hosts as shared

TABLE = Table(
    "hosts",
    """
    CREATE TABLE IF NOT EXISTS hosts (
        host TEXT PRIMARY KEY,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        backoff_until REAL,
        last_error TEXT,
        updated_at REAL NOT NULL
    )""",
    times=("backoff_until", "updated_at"),
)


class Hosts(shared.Hosts, TableStore):
    """The ``hosts`` table."""

    def for_update(self, host: str) -> tuple[int, Stamp | None]:
        """:meth:`get`: the caller's ``BEGIN IMMEDIATE`` transaction already holds the file."""
        return self.get(host)
