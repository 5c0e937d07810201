"""Saved searches and their delivery log: the ``alerts`` and ``alert_deliveries`` tables
(PostgreSQL); their methods are shared (:mod:`newsflow.state.tables.alerts`)."""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import alerts as shared

DDL = (
    """
    CREATE TABLE alerts (
        name text PRIMARY KEY,
        search text NOT NULL,
        target text NOT NULL,
        created_at double precision NOT NULL,
        checked_at double precision NOT NULL,
        last_run_at double precision,
        last_error text,
        failed_at double precision,
        owner text,
        lease_until double precision
    )""",
    """
    CREATE TABLE alert_deliveries (
        alert text NOT NULL,
        doc_id text NOT NULL,
        delivery_id text NOT NULL UNIQUE,
        payload text NOT NULL,
        status text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        found_at double precision NOT NULL,
        delivered_at double precision,
        PRIMARY KEY (alert, doc_id)
    )""",
    "CREATE INDEX alert_deliveries_waiting ON alert_deliveries (alert, status)",
)


class Alerts(shared.Alerts, TableStore):
    """The ``alerts`` and ``alert_deliveries`` tables."""
