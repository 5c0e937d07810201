"""Consecutive transient failures per host and its backoff: the ``hosts`` table (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import hosts as shared

DDL = (
    """
    CREATE TABLE hosts (
        host text PRIMARY KEY,
        consecutive_failures integer NOT NULL DEFAULT 0,
        backoff_until double precision,
        last_error text,
        updated_at double precision NOT NULL
    )""",
)


class Hosts(shared.Hosts, TableStore):
    """The ``hosts`` table."""

    def for_update(self, host: str) -> tuple[int, Stamp | None]:
        """:meth:`get`, holding ``host`` until the transaction ends: a transaction-scoped
        advisory lock on its name, so even a host without a row yet is counted once per process."""
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('hosts:' || %s, 0))", (host,))
        return self.get(host)
