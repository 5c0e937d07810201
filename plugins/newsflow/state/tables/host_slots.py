"""Per-host politeness shared by every process: the ``host_slots`` and ``host_pace`` tables'
methods, for both dialects (a dialect gives :meth:`HostSlots.lock`)."""

from __future__ import annotations

from newsflow.state.clock import Stamp
from newsflow.state.tables import TableStore

FULL = -1.0
"""What :meth:`HostSlots.acquire` returns when every slot of the host is held (the caller polls)."""


class HostSlots(TableStore):
    """The ``host_slots`` and ``host_pace`` tables. :meth:`acquire` must run in the caller's
    transaction after :meth:`lock`, so one process at a time decides about a host."""

    def lock(self, host: str) -> None:
        """Hold ``host`` until the caller's transaction ends."""
        raise NotImplementedError

    def acquire(
        self, host: str, owner: str, token: str, now: Stamp, *, limit: int, delay: float, until: Stamp
    ) -> float:
        """Take a slot of ``host`` (lease ``token`` until ``until``) when fewer than ``limit``
        unexpired ones are held and ``now`` is at or past its next allowed start, which becomes
        ``now + delay``: returns 0.0. Otherwise takes nothing and returns the seconds until
        the next allowed start, or :data:`FULL` when every slot is held. A ``token`` already
        held returns 0.0 (the same request asking again: a retry after a lost ``COMMIT``)."""
        run = self.run
        if run("SELECT 1 AS held FROM host_slots WHERE token = ?", (token,)).fetchone() is not None:
            return 0.0
        run("DELETE FROM host_slots WHERE host = ? AND expires_at <= ?", (host, now))
        row = run("SELECT next_allowed_at FROM host_pace WHERE host = ?", (host,)).fetchone()
        if row is not None and row["next_allowed_at"] > now:
            return float(row["next_allowed_at"]) - now
        if run("SELECT count(*) AS n FROM host_slots WHERE host = ?", (host,)).fetchone()["n"] >= limit:
            return FULL
        run("INSERT INTO host_slots (token, host, owner, expires_at) VALUES (?, ?, ?, ?)", (token, host, owner, until))
        run(
            "INSERT INTO host_pace (host, next_allowed_at) VALUES (?, ?)"
            " ON CONFLICT (host) DO UPDATE SET next_allowed_at = excluded.next_allowed_at",
            (host, now + max(delay, 0.0)),
        )
        return 0.0

    def owners(self, host: str) -> list[tuple[str, str]]:
        """``(token, owner)`` of every slot of ``host`` held now or expired."""
        return [(str(r["token"]), str(r["owner"])) for r in self.run(
            "SELECT token, owner FROM host_slots WHERE host = ?", (host,))]

    def release(self, token: str) -> None:
        self.run("DELETE FROM host_slots WHERE token = ?", (token,))

    def held(self, host: str, now: Stamp) -> int:
        """Unexpired slots of ``host``."""
        row = self.run("SELECT count(*) AS n FROM host_slots WHERE host = ? AND expires_at > ?", (host, now)).fetchone()
        return int(row["n"])
