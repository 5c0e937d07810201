"""Consecutive transient failures per host and its backoff: the ``hosts`` table's methods, for
both dialects (a dialect gives :meth:`Hosts.for_update`)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.records import HostState, host_state
from newsflow.state.tables import TableStore


class Hosts(TableStore):
    """The ``hosts`` table."""

    def get(self, host: str) -> tuple[int, Stamp | None]:
        """(consecutive failures, backoff until) of ``host``; (0, None) when unknown."""
        row = self.run("SELECT consecutive_failures, backoff_until FROM hosts WHERE host = ?", (host,)).fetchone()
        return (int(row["consecutive_failures"]), row["backoff_until"]) if row else (0, None)

    def for_update(self, host: str) -> tuple[int, Stamp | None]:
        """:meth:`get`, with ``host`` held until the caller's transaction ends."""
        raise NotImplementedError

    def put(self, host: str, failures: int, until: Stamp | None, error: str, now: Stamp) -> None:
        self.run(
            """
            INSERT INTO hosts (host, consecutive_failures, backoff_until, last_error, updated_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (host) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
                backoff_until = excluded.backoff_until, last_error = excluded.last_error,
                updated_at = excluded.updated_at
            """,
            (host, failures, until, error, now),
        )

    def reset(self, host: str, now: Stamp) -> None:
        """Zero the failure count (a running backoff, a 429's Retry-After, is left to expire)."""
        self.run(
            "UPDATE hosts SET consecutive_failures = 0, updated_at = ? WHERE host = ? AND consecutive_failures > 0",
            (now, host),
        )

    def all(self, *, backed_off_after: Stamp | None = None) -> list[HostState]:
        """Every host, or those backed off past ``backed_off_after``, by name."""
        where, params = (" WHERE backoff_until > ?", (backed_off_after,)) if backed_off_after is not None else ("", ())
        return [host_state(r) for r in self.run(f"SELECT * FROM hosts{where} ORDER BY host", params)]
