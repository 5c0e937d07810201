"""Each origin's robots.txt with an expiry: the ``robots`` table (SQLite)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.sqlite.schema import Table, TableStore

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


class Robots(TableStore):
    """The ``robots`` table."""

    def get(self, origin: str, now: Stamp) -> tuple[int, str] | None:
        """(HTTP status, body) of ``origin``'s robots.txt unless expired at ``now``."""
        row = self.conn.execute(
            "SELECT status, body FROM robots WHERE origin = ? AND expires_at > ?", (origin, now)
        ).fetchone()
        return (int(row["status"]), str(row["body"])) if row else None

    def put(self, origin: str, status: int, body: str, now: Stamp, expires: Stamp) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO robots (origin, status, body, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)",
            (origin, status, body, now, expires),
        )
