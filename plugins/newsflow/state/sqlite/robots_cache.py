"""Each origin's robots.txt with an expiry: the ``robots`` table (SQLite)."""

from __future__ import annotations

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import robots_cache as shared

TABLE = Table(
    "robots",
    """
    CREATE TABLE IF NOT EXISTS robots (
        origin TEXT PRIMARY KEY,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        fetched_at REAL NOT NULL,
        expires_at REAL NOT NULL
    )""",
    times=("fetched_at", "expires_at"),
)


class Robots(shared.Robots, TableStore):
    """The ``robots`` table."""
