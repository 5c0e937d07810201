"""Each origin's robots.txt with an expiry: the ``robots`` table (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.postgres.schema import TableStore

DDL = (
    """
    CREATE TABLE robots (
        origin text PRIMARY KEY,
        status integer NOT NULL,
        body text NOT NULL,
        fetched_at double precision NOT NULL,
        expires_at double precision NOT NULL
    )""",
)


class Robots(TableStore):
    """The ``robots`` table."""

    def get(self, origin: str, now: Stamp) -> tuple[int, str] | None:
        """(HTTP status, body) of ``origin``'s robots.txt unless expired at ``now``."""
        row = self.conn.execute(
            "SELECT status, body FROM robots WHERE origin = %s AND expires_at > %s", (origin, now)
        ).fetchone()
        return (int(row["status"]), str(row["body"])) if row else None

    def put(self, origin: str, status: int, body: str, now: Stamp, expires: Stamp) -> None:
        self.conn.execute(
            "INSERT INTO robots (origin, status, body, fetched_at, expires_at) VALUES (%s, %s, %s, %s, %s)"
            " ON CONFLICT (origin) DO UPDATE SET status = excluded.status, body = excluded.body,"
            " fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
            (origin, status, body, now, expires),
        )
