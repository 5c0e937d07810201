"""Per-host politeness shared by every process: request slots (leases) and the next time a
request may start: the ``host_slots`` and ``host_pace`` tables (SQLite)."""

from __future__ import annotations

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import host_slots as shared

FULL = shared.FULL

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


class HostSlots(shared.HostSlots, TableStore):
    """The ``host_slots`` and ``host_pace`` tables. :meth:`acquire` must run in the caller's
    ``BEGIN IMMEDIATE`` transaction, which holds the file against every other process."""

    def lock(self, host: str) -> None:
        """Nothing to do: the caller's ``BEGIN IMMEDIATE`` already holds the whole file."""
