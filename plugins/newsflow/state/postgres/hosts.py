"""Consecutive transient failures per host and its backoff: the ``hosts`` table (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.postgres.schema import TableStore
from newsflow.state.records import HostState, host_state

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


class Hosts(TableStore):
    """The ``hosts`` table."""

    def get(self, host: str) -> tuple[int, Stamp | None]:
        """(consecutive failures, backoff until) of ``host``; (0, None) when unknown."""
        row = self.conn.execute(
            "SELECT consecutive_failures, backoff_until FROM hosts WHERE host = %s", (host,)
        ).fetchone()
        return (int(row["consecutive_failures"]), row["backoff_until"]) if row else (0, None)

    def for_update(self, host: str) -> tuple[int, Stamp | None]:
        """:meth:`get`, holding ``host`` until the transaction ends: a transaction-scoped
        advisory lock on its name, so even a host without a row yet is counted once per process."""
        self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('hosts:' || %s, 0))", (host,))
        return self.get(host)

    def put(self, host: str, failures: int, until: Stamp | None, error: str, now: Stamp) -> None:
        self.conn.execute(
            """
            INSERT INTO hosts (host, consecutive_failures, backoff_until, last_error, updated_at)
            VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (host) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
                backoff_until = excluded.backoff_until, last_error = excluded.last_error,
                updated_at = excluded.updated_at
            """,
            (host, failures, until, error, now),
        )

    def reset(self, host: str, now: Stamp) -> None:
        """Zero the failure count (a running backoff, a 429's Retry-After, is left to expire)."""
        self.conn.execute(
            "UPDATE hosts SET consecutive_failures = 0, updated_at = %s WHERE host = %s AND consecutive_failures > 0",
            (now, host),
        )

    def all(self, *, backed_off_after: Stamp | None = None) -> list[HostState]:
        """Every host, or those backed off past ``backed_off_after``, by name."""
        if backed_off_after is None:
            rows = self.conn.execute("SELECT * FROM hosts ORDER BY host")
        else:
            rows = self.conn.execute("SELECT * FROM hosts WHERE backoff_until > %s ORDER BY host", (backed_off_after,))
        return [host_state(r) for r in rows]
