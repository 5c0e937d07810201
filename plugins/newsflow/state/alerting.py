"""The state store's saved-search operations (:mod:`newsflow.alerts`): each alert, the time
its last run started and every match it found, with whether it was delivered.

:class:`AlertState` is the part of :class:`~newsflow.state.store.StateStore` that concerns
alerts; it works on the same database and table stores (:mod:`newsflow.state.tables.alerts`).
"""

from __future__ import annotations

from collections.abc import Sequence

from newsflow.state import clock
from newsflow.state.protocols import Database, Tables
from newsflow.state.reconnect import reconnecting_methods
from newsflow.state.tables.alerts import Alert, Delivery


@reconnecting_methods()
class AlertState:
    """Saved searches over the store's database (see :class:`~newsflow.state.store.StateStore`)."""

    _db: Database
    _tables: Tables

    def add_alert(self, name: str, search: str, target: str) -> bool:
        """Save the search ``search`` (JSON) as ``name`` delivering to ``target``; it will look
        at documents indexed from now on. False (nothing changed) when the name is taken."""
        with self._db.locked():
            return self._tables.alerts.add(name, search, target, clock.now())

    def alert(self, name: str) -> Alert | None:
        with self._db.locked():
            return self._tables.alerts.get(name)

    def alerts(self) -> list[Alert]:
        """Every alert by name, with its delivered and waiting counts."""
        with self._db.locked():
            return self._tables.alerts.all()

    def remove_alert(self, name: str) -> bool:
        """Forget the alert and its delivery log (one transaction); False when there was none."""
        with self._db.transaction():
            return self._tables.alerts.remove(name)

    def claim_alert(self, name: str, owner: str, lease_seconds: float) -> bool:
        """Hold ``name`` for ``owner`` for ``lease_seconds`` (renewed by claiming again); False
        while another live run holds it. A killed run's hold lapses at its expiry."""
        now = clock.now()
        with self._db.locked():
            return self._tables.alerts.claim(name, owner, now, now + lease_seconds)

    def release_alert(self, name: str, owner: str) -> None:
        with self._db.locked():
            self._tables.alerts.release(name, owner)

    def alert_checked_at(self, name: str) -> float | None:
        """When the alert's last run started (its creation before the first), epoch seconds."""
        with self._db.locked():
            return self._tables.alerts.checked_since(name)

    def record_matches(self, name: str, matches: Sequence[tuple[str, str, str]], started: float) -> int:
        """Record ``matches`` ((doc id, delivery id, payload JSON)) as pending deliveries,
        except documents the alert matched before (a document matches an alert once, ever),
        and set its last run's start to ``started`` (epoch seconds): one transaction, so a run
        killed after it loses nothing. Returns how many were new."""
        with self._db.transaction():
            return self._tables.alerts.found(name, matches, started, clock.now())

    def waiting_deliveries(self, name: str) -> list[Delivery]:
        """The alert's matches not delivered yet (found earlier, failed, or cut off by a kill)."""
        with self._db.locked():
            return self._tables.alerts.waiting(name)

    def alert_deliveries(self, name: str) -> list[Delivery]:
        """Every match of the alert, delivered or not, oldest first."""
        with self._db.locked():
            return self._tables.alerts.deliveries(name)

    def delivery_sending(self, delivery_id: str) -> None:
        """About to send ``delivery_id``: if the run dies now, the next one knows it may have gone."""
        with self._db.locked():
            self._tables.alerts.sending(delivery_id)

    def deliveries_done(self, name: str, delivery_ids: Sequence[str]) -> None:
        """The receiver took these; clears the alert's last error."""
        with self._db.transaction():
            self._tables.alerts.delivered(name, delivery_ids, clock.now())

    def alert_failed(self, name: str, error: str, delivery_id: str | None = None) -> None:
        """Record why the alert failed this run (the delivery it was sending stays waiting)."""
        with self._db.transaction():
            self._tables.alerts.failed(name, delivery_id, error, clock.now())
