"""The state store's per-host operations: transient-failure backoff, request slots and pacing
shared by every process (politeness), and the robots.txt cache.

:class:`PerHostState` is the part of :class:`~newsflow.state.store.StateStore` that concerns
hosts rather than articles; it works on the same database and table stores.
"""

from __future__ import annotations

from newsflow.state import clock, owners
from newsflow.state.protocols import Database, Tables
from newsflow.state.reconnect import reconnecting_methods
from newsflow.state.records import HostState
from newsflow.state.retry import RetryPolicy


@reconnecting_methods()
class PerHostState:
    """Per-host state over the store's database (see :class:`~newsflow.state.store.StateStore`)."""

    _db: Database
    _tables: Tables
    retry: RetryPolicy

    # --- hosts ---------------------------------------------------------------------------
    def host_backoff(self, host: str) -> str | None:
        """The time until which ``host`` is backed off, or None when it may be fetched now."""
        with self._db.locked():
            _, until = self._tables.hosts.get(host)
        return clock.to_iso(until) if until is not None and until > clock.now() else None

    def record_host_failure(
        self, host: str, error: BaseException, *, threshold: int, backoff: float, at_least: float | None = None
    ) -> str | None:
        """Count one more consecutive transient failure of ``host``; back it off when the count
        reaches ``threshold`` (``backoff`` seconds, doubling with each further failure), or at
        once for ``at_least`` seconds (a 429's Retry-After). Returns the backoff time if any."""
        now = clock.now()
        with self._db.transaction():
            count, until = self._tables.hosts.for_update(host)
            delay = self.retry.host_delay(count + 1, threshold=threshold, backoff=backoff, at_least=at_least)
            if delay > 0:
                until = max(until or 0.0, now + delay)
            self._tables.hosts.put(host, count + 1, until, f"{type(error).__name__}: {error}", now)
        return clock.to_iso(until) if until is not None and until > now else None

    def record_host_success(self, host: str) -> None:
        with self._db.locked():
            self._tables.hosts.reset(host, clock.now())

    def hosts(self, *, backed_off_only: bool = False) -> list[HostState]:
        with self._db.locked():
            return self._tables.hosts.all(backed_off_after=clock.now() if backed_off_only else None)

    # --- per-host slots and pacing (politeness shared by every process) ----------------------
    def acquire_host_slot(
        self, host: str, owner: str, token: str, *, limit: int, delay: float, lease_seconds: float
    ) -> float:
        """Try to take one of ``host``'s ``limit`` request slots for ``owner`` under ``token``
        (unique per request) in one transaction across every process using this store.

        Taken (returns 0.0) only when fewer than ``limit`` unexpired slots are held and the
        host's next allowed start has come; that start then moves ``delay`` seconds ahead
        (the gap between two requests' starts). The slot is held until :meth:`release_host_slot`
        or, should its process die, ``lease_seconds`` from now; a slot whose owner
        (:func:`newsflow.state.owners.owner`) is a dead process of this machine is freed at
        once instead. Not taken: the seconds until the next allowed start, or a negative
        number when every slot is held (poll again).
        """
        with self._db.transaction():
            slots = self._tables.host_slots
            slots.lock(host)
            now = clock.now()  # once the host is ours: a wait for the lock must not count as the gap
            for held, name in slots.owners(host):
                if owners.is_dead_here(name):
                    slots.release(held)
            return slots.acquire(
                host, owner, token, now, limit=max(1, limit), delay=delay, until=now + lease_seconds
            )

    def release_host_slot(self, token: str) -> None:
        """Give back the slot taken under ``token`` (nothing when it has expired meanwhile)."""
        with self._db.locked():
            self._tables.host_slots.release(token)

    def host_slots_held(self, host: str) -> int:
        """How many of ``host``'s slots are held now (unexpired leases)."""
        with self._db.locked():
            return self._tables.host_slots.held(host, clock.now())

    # --- robots.txt ------------------------------------------------------------------------
    def robots(self, origin: str) -> tuple[int, str] | None:
        """The stored (HTTP status, body) of ``origin``'s robots.txt unless expired."""
        with self._db.locked():
            return self._tables.robots.get(origin, clock.now())

    def store_robots(self, origin: str, status: int, body: str, ttl: float) -> None:
        """Keep ``origin``'s robots.txt for ``ttl`` seconds."""
        now = clock.now()
        with self._db.locked():
            self._tables.robots.put(origin, status, body, now, now + ttl)
