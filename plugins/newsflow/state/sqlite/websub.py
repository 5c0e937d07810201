"""WebSub subscriptions: the ``websub`` table (SQLite); its methods are shared
(:mod:`newsflow.state.tables.websub`)."""

from __future__ import annotations

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import websub as shared

TABLE = Table(
    "websub",
    """
    CREATE TABLE IF NOT EXISTS websub (
        feed_url TEXT PRIMARY KEY,
        hub TEXT NOT NULL,
        topic TEXT NOT NULL,
        status TEXT NOT NULL,
        callback_id TEXT UNIQUE,
        secret TEXT,
        lease_seconds REAL,
        requested_at REAL,
        verified_at REAL,
        expires_at REAL,
        last_push_at REAL,
        last_error TEXT,
        updated_at REAL NOT NULL
    )""",
    times=shared.TIMES,
)


class Subscriptions(shared.Subscriptions, TableStore):
    """The ``websub`` table."""
