"""Each origin's robots.txt with an expiry: the ``robots`` table's methods, for both dialects."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.tables import TableStore


class Robots(TableStore):
    """The ``robots`` table."""

    def get(self, origin: str, now: Stamp) -> tuple[int, str] | None:
        """(HTTP status, body) of ``origin``'s robots.txt unless expired at ``now``."""
        row = self.run("SELECT status, body FROM robots WHERE origin = ? AND expires_at > ?", (origin, now)).fetchone()
        return (int(row["status"]), str(row["body"])) if row else None

    def put(self, origin: str, status: int, body: str, now: Stamp, expires: Stamp) -> None:
        self.run(
            "INSERT INTO robots (origin, status, body, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (origin) DO UPDATE SET status = excluded.status, body = excluded.body,"
            " fetched_at = excluded.fetched_at, expires_at = excluded.expires_at",
            (origin, status, body, now, expires),
        )
