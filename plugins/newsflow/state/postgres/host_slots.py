"""Per-host politeness shared by every process: request slots (leases) and the next time a
request may start: the ``host_slots`` and ``host_pace`` tables (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import host_slots as shared

FULL = shared.FULL

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


class HostSlots(shared.HostSlots, TableStore):
    """The ``host_slots`` and ``host_pace`` tables. :meth:`acquire` must run in the caller's
    transaction after :meth:`lock`, so one process at a time decides about a host (even one
    without a row yet)."""

    def lock(self, host: str) -> None:
        """Hold ``host`` until the transaction ends: a transaction-scoped advisory lock on its name."""
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('host_slots:' || %s, 0))", (host,))
