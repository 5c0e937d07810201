"""Saved searches and their delivery log: the ``alerts`` and ``alert_deliveries`` tables
(SQLite); their methods are shared (:mod:`newsflow.state.tables.alerts`)."""

from __future__ import annotations

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import alerts as shared

ALERTS = Table(
    "alerts",
    """
    CREATE TABLE IF NOT EXISTS alerts (
        name TEXT PRIMARY KEY,
        search TEXT NOT NULL,
        target TEXT NOT NULL,
        created_at REAL NOT NULL,
        checked_at REAL NOT NULL,
        last_run_at REAL,
        last_error TEXT,
        failed_at REAL,
        owner TEXT,
        lease_until REAL
    )""",
    times=shared.ALERT_TIMES,
)
DELIVERIES = Table(
    "alert_deliveries",
    """
    CREATE TABLE IF NOT EXISTS alert_deliveries (
        alert TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        delivery_id TEXT NOT NULL UNIQUE,
        payload TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        found_at REAL NOT NULL,
        delivered_at REAL,
        PRIMARY KEY (alert, doc_id)
    )""",
    indexes=("CREATE INDEX IF NOT EXISTS alert_deliveries_waiting ON alert_deliveries (alert, status)",),
    times=shared.DELIVERY_TIMES,
)


class Alerts(shared.Alerts, TableStore):
    """The ``alerts`` and ``alert_deliveries`` tables."""
