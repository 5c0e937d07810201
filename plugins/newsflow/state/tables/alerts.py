"""Saved searches and their delivery log: the ``alerts`` and ``alert_deliveries`` tables'
methods, for both dialects (every statement is SQL both accept).

An ``alerts`` row is one saved search (:mod:`newsflow.alerts`): its name, the search as JSON,
where matches go, and ``checked_at``, the time its last run started (the next run searches
the documents indexed from shortly before then on). ``owner``/``lease_until`` let one run at a
time work on an alert; a killed run's claim expires.

An ``alert_deliveries`` row is one match of one alert, keyed by (alert, document id): a
document matches an alert once, ever. It is written ``pending`` with the payload to send and
its ``delivery_id`` (the receiver's idempotency key) before anything is sent, moves to
``sending`` just before each attempt and to ``delivered`` once the receiver took it; a
failed attempt puts it back to ``pending`` with the reason. Times are stored form
(:mod:`~newsflow.state.clock`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from newsflow.state.clock import Stamp, to_iso
from newsflow.state.tables import TableStore

ALERT_TIMES = ("created_at", "checked_at", "last_run_at", "failed_at", "lease_until")
DELIVERY_TIMES = ("found_at", "delivered_at")


@dataclass(frozen=True, slots=True)
class Alert:
    """One saved search as stored. ``search``: its JSON (:class:`newsflow.alerts.SavedSearch`);
    ``target``: a webhook URL or a JSONL file path; times ISO 8601 UTC."""

    name: str
    search: str
    target: str
    created_at: str
    checked_at: str
    last_run_at: str | None = None
    last_error: str | None = None
    failed_at: str | None = None
    delivered: int = 0
    waiting: int = 0
    """Matches found but not delivered yet (pending or in flight)."""

    def as_dict(self) -> dict[str, Any]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Delivery:
    """One match of one alert. ``status``: ``pending``, ``sending`` or ``delivered``;
    ``payload``: the JSON sent; ``attempts``: sends tried so far."""

    alert: str
    doc_id: str
    delivery_id: str
    payload: str
    status: str
    attempts: int = 0
    last_error: str | None = None
    found_at: str | None = None
    delivered_at: str | None = None


def _alert(row: Any) -> Alert:
    return Alert(
        name=row["name"], search=row["search"], target=row["target"],
        created_at=to_iso(row["created_at"]) or "", checked_at=to_iso(row["checked_at"]) or "",
        last_run_at=to_iso(row["last_run_at"]), last_error=row["last_error"], failed_at=to_iso(row["failed_at"]),
        delivered=int(row["delivered"] or 0), waiting=int(row["waiting"] or 0),
    )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        alert=row["alert"], doc_id=row["doc_id"], delivery_id=row["delivery_id"], payload=row["payload"],
        status=row["status"], attempts=int(row["attempts"]), last_error=row["last_error"],
        found_at=to_iso(row["found_at"]), delivered_at=to_iso(row["delivered_at"]),
    )


_SELECT_ALERTS = """
    SELECT a.*,
           (SELECT count(*) FROM alert_deliveries AS d WHERE d.alert = a.name AND d.status = 'delivered') AS delivered,
           (SELECT count(*) FROM alert_deliveries AS d WHERE d.alert = a.name AND d.status <> 'delivered') AS waiting
    FROM alerts AS a"""


class Alerts(TableStore):
    """The ``alerts`` and ``alert_deliveries`` tables."""

    def add(self, name: str, search: str, target: str, now: Stamp) -> bool:
        """Save a search; False (nothing changed) when ``name`` is taken."""
        cur = self.run(
            "INSERT INTO alerts (name, search, target, created_at, checked_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO NOTHING",
            (name, search, target, now, now),
        )
        return bool(cur.rowcount)

    def get(self, name: str) -> Alert | None:
        row = self.run(f"{_SELECT_ALERTS} WHERE a.name = ?", (name,)).fetchone()
        return _alert(row) if row else None

    def all(self) -> list[Alert]:
        return [_alert(r) for r in self.run(f"{_SELECT_ALERTS} ORDER BY a.name")]

    def checked_since(self, name: str) -> Stamp | None:
        """When the alert's last run started (its creation before any run), stored form."""
        row = self.run("SELECT checked_at FROM alerts WHERE name = ?", (name,)).fetchone()
        return None if row is None else float(row["checked_at"])

    def remove(self, name: str) -> bool:
        """Forget the alert and its delivery log; False when there was none."""
        self.run("DELETE FROM alert_deliveries WHERE alert = ?", (name,))
        return bool(self.run("DELETE FROM alerts WHERE name = ?", (name,)).rowcount)

    def claim(self, name: str, owner: str, now: Stamp, until: Stamp) -> bool:
        """Hold the alert for ``owner`` until ``until`` unless another owner holds it now."""
        cur = self.run(
            "UPDATE alerts SET owner = ?, lease_until = ? WHERE name = ?"
            " AND (owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until < ?)",
            (owner, until, name, owner, now),
        )
        return bool(cur.rowcount)

    def release(self, name: str, owner: str) -> None:
        self.run("UPDATE alerts SET owner = NULL, lease_until = NULL WHERE name = ? AND owner = ?", (name, owner))

    def found(self, name: str, matches: Sequence[tuple[str, str, str]], checked_at: Stamp, now: Stamp) -> int:
        """Record ``matches`` ((doc id, delivery id, payload)) as pending, skipping documents
        the alert matched before, and move ``checked_at`` on; how many were new."""
        added = 0
        for doc_id, delivery_id, payload in matches:
            cur = self.run(
                "INSERT INTO alert_deliveries (alert, doc_id, delivery_id, payload, status, attempts, found_at)"
                " VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (alert, doc_id) DO NOTHING",
                (name, doc_id, delivery_id, payload, now),
            )
            added += cur.rowcount
        self.run("UPDATE alerts SET checked_at = ?, last_run_at = ? WHERE name = ?", (checked_at, now, name))
        return added

    def waiting(self, name: str) -> list[Delivery]:
        """The alert's matches not delivered yet, oldest first."""
        rows = self.run(
            "SELECT * FROM alert_deliveries WHERE alert = ? AND status <> 'delivered' ORDER BY found_at, doc_id",
            (name,),
        )
        return [_delivery(r) for r in rows]

    def deliveries(self, name: str) -> list[Delivery]:
        rows = self.run("SELECT * FROM alert_deliveries WHERE alert = ? ORDER BY found_at, doc_id", (name,))
        return [_delivery(r) for r in rows]

    def sending(self, delivery_id: str) -> None:
        self.run(
            "UPDATE alert_deliveries SET status = 'sending', attempts = attempts + 1 WHERE delivery_id = ?",
            (delivery_id,),
        )

    def delivered(self, name: str, delivery_ids: Sequence[str], now: Stamp) -> None:
        for delivery_id in delivery_ids:
            self.run(
                "UPDATE alert_deliveries SET status = 'delivered', delivered_at = ?, last_error = NULL"
                " WHERE delivery_id = ?",
                (now, delivery_id),
            )
        self.run("UPDATE alerts SET last_error = NULL, failed_at = NULL WHERE name = ?", (name,))

    def failed(self, name: str, delivery_id: str | None, error: str, now: Stamp) -> None:
        """Record the alert's failure (``delivery_id``: the match it was sending, back to pending)."""
        if delivery_id is not None:
            self.run(
                "UPDATE alert_deliveries SET status = 'pending', last_error = ? WHERE delivery_id = ?",
                (error, delivery_id),
            )
        self.run("UPDATE alerts SET last_error = ?, failed_at = ?, last_run_at = ? WHERE name = ?",
                 (error, now, now, name))
