"""Per-host politeness shared by every process: request slots (leases) and the next time a
request may start: the ``host_slots`` and ``host_pace`` tables (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.postgres.schema import TableStore

FULL = -1.0
"""What :meth:`HostSlots.acquire` returns when every slot of the host is held (the caller polls)."""

DDL = (
    """
    CREATE TABLE host_slots (
        token text PRIMARY KEY,
        host text NOT NULL,
        owner text NOT NULL,
        expires_at double precision NOT NULL
    )""",
    "CREATE INDEX host_slots_host ON host_slots (host, expires_at)",
    """
    CREATE TABLE host_pace (
        host text PRIMARY KEY,
        next_allowed_at double precision NOT NULL
    )""",
)


class HostSlots(TableStore):
    """The ``host_slots`` and ``host_pace`` tables. :meth:`acquire` must run in the caller's
    transaction after :meth:`lock`, so one process at a time decides about a host (even one
    without a row yet)."""

    def lock(self, host: str) -> None:
        """Hold ``host`` until the transaction ends: a transaction-scoped advisory lock on its name."""
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('host_slots:' || %s, 0))", (host,))

    def acquire(
        self, host: str, owner: str, token: str, now: Stamp, *, limit: int, delay: float, until: Stamp
    ) -> float:
        """Take a slot of ``host`` (lease ``token`` until ``until``) when fewer than ``limit``
        unexpired ones are held and ``now`` is at or past its next allowed start, which becomes
        ``now + delay``: returns 0.0. Otherwise takes nothing and returns the seconds until
        the next allowed start, or :data:`FULL` when every slot is held."""
        run = self.conn.execute
        run("DELETE FROM host_slots WHERE host = %s AND expires_at <= %s", (host, now))
        row = run("SELECT next_allowed_at FROM host_pace WHERE host = %s", (host,)).fetchone()
        if row is not None and row["next_allowed_at"] > now:
            return float(row["next_allowed_at"]) - now
        if run("SELECT count(*) AS n FROM host_slots WHERE host = %s", (host,)).fetchone()["n"] >= limit:
            return FULL
        run("INSERT INTO host_slots (token, host, owner, expires_at) VALUES (%s, %s, %s, %s)",
            (token, host, owner, until))
        run(
            "INSERT INTO host_pace (host, next_allowed_at) VALUES (%s, %s)"
            " ON CONFLICT (host) DO UPDATE SET next_allowed_at = excluded.next_allowed_at",
            (host, now + max(delay, 0.0)),
        )
        return 0.0

    def release(self, token: str) -> None:
        self.conn.execute("DELETE FROM host_slots WHERE token = %s", (token,))

    def held(self, host: str, now: Stamp) -> int:
        """Unexpired slots of ``host``."""
        row = self.conn.execute(
            "SELECT count(*) AS n FROM host_slots WHERE host = %s AND expires_at > %s", (host, now)
        ).fetchone()
        return int(row["n"])
