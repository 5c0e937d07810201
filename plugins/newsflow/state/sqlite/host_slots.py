"""Per-host politeness shared by every process: request slots (leases) and the next time a
request may start: the ``host_slots`` and ``host_pace`` tables (SQLite)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.sqlite.schema import Table, TableStore

FULL = -1.0
"""What :meth:`HostSlots.acquire` returns when every slot of the host is held (the caller polls)."""

SLOTS = Table(
    "host_slots",
    """
    CREATE TABLE IF NOT EXISTS host_slots (
        token TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        owner TEXT NOT NULL,
        expires_at REAL NOT NULL
    )""",
    indexes=("CREATE INDEX IF NOT EXISTS host_slots_host ON host_slots (host, expires_at)",),
    times=("expires_at",),
)

PACE = Table(
    "host_pace",
    """
    CREATE TABLE IF NOT EXISTS host_pace (
        host TEXT PRIMARY KEY,
        next_allowed_at REAL NOT NULL
    )""",
    times=("next_allowed_at",),
)


class HostSlots(TableStore):
    """The ``host_slots`` and ``host_pace`` tables. :meth:`acquire` must run in the caller's
    ``BEGIN IMMEDIATE`` transaction, which holds the file against every other process."""

    def lock(self, host: str) -> None:
        """Nothing to do: the caller's ``BEGIN IMMEDIATE`` already holds the whole file."""

    def acquire(
        self, host: str, owner: str, token: str, now: Stamp, *, limit: int, delay: float, until: Stamp
    ) -> float:
        """Take a slot of ``host`` (lease ``token`` until ``until``) when fewer than ``limit``
        unexpired ones are held and ``now`` is at or past its next allowed start, which becomes
        ``now + delay``: returns 0.0. Otherwise takes nothing and returns the seconds until
        the next allowed start, or :data:`FULL` when every slot is held."""
        run = self.conn.execute
        run("DELETE FROM host_slots WHERE host = ? AND expires_at <= ?", (host, now))
        row = run("SELECT next_allowed_at FROM host_pace WHERE host = ?", (host,)).fetchone()
        if row is not None and row[0] > now:
            return float(row[0]) - now
        if run("SELECT count(*) FROM host_slots WHERE host = ?", (host,)).fetchone()[0] >= limit:
            return FULL
        run("INSERT INTO host_slots (token, host, owner, expires_at) VALUES (?, ?, ?, ?)", (token, host, owner, until))
        run(
            "INSERT INTO host_pace (host, next_allowed_at) VALUES (?, ?)"
            " ON CONFLICT (host) DO UPDATE SET next_allowed_at = excluded.next_allowed_at",
            (host, now + max(delay, 0.0)),
        )
        return 0.0

    def release(self, token: str) -> None:
        self.conn.execute("DELETE FROM host_slots WHERE token = ?", (token,))

    def held(self, host: str, now: Stamp) -> int:
        """Unexpired slots of ``host``."""
        row = self.conn.execute(
            "SELECT count(*) FROM host_slots WHERE host = ? AND expires_at > ?", (host, now)
        ).fetchone()
        return int(row[0])

