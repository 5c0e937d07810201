"""Each origin's robots.txt with an expiry: the ``robots`` table (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import robots_cache as shared

DDL = (
    """
    CREATE TABLE robots (
        origin text PRIMARY KEY,
        status integer NOT NULL,
        body text NOT NULL,
        fetched_at double precision NOT NULL,
        expires_at double precision NOT NULL
    )""",
)


class Robots(shared.Robots, TableStore):
    """The ``robots`` table."""
