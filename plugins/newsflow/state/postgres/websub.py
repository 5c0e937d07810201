"""WebSub subscriptions: the ``websub`` table (PostgreSQL); its methods are shared
(:mod:`newsflow.state.tables.websub`)."""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import websub as shared

DDL = (
    """
    CREATE TABLE websub (
        feed_url text PRIMARY KEY,
        hub text NOT NULL,
        topic text NOT NULL,
        status text NOT NULL,
        callback_id text UNIQUE,
        secret text,
        lease_seconds double precision,
        requested_at double precision,
        verified_at double precision,
        expires_at double precision,
        last_push_at double precision,
        last_error text,
        updated_at double precision NOT NULL
    )""",
)


class Subscriptions(shared.Subscriptions, TableStore):
    """The ``websub`` table."""
