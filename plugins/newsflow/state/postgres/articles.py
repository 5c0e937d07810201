"""Seen URLs, pending work and its leases: the ``articles`` table (PostgreSQL).

Each row is an article URL ever seen, its feed entry (JSON text) and status (``pending``,
``done``, ``failed``); ``lease_owner``/``lease_until`` is a live run's claim on it. Claiming
is one ``UPDATE … WHERE url IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …``: rows another
transaction is claiming are skipped, not waited for, and a row whose lease another run
committed meanwhile is re-checked by PostgreSQL before it is taken.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsflow.models import FeedEntry
from newsflow.state.clock import Stamp
from newsflow.state.postgres.schema import TableStore
from newsflow.state.records import entry_of
from newsflow.state.tables import articles as shared

DDL = (
    """
    CREATE TABLE articles (
        url text PRIMARY KEY,
        doc_id text NOT NULL,
        feed_url text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        entry text NOT NULL,
        first_seen_at double precision NOT NULL,
        updated_at double precision NOT NULL,
        lease_owner text,
        lease_until double precision
    )""",
    "CREATE INDEX articles_status ON articles (status, first_seen_at)",
    "CREATE INDEX articles_lease_owner ON articles (lease_owner) WHERE lease_owner IS NOT NULL",
)

_DUE = """
    SELECT {columns} FROM articles a
    WHERE (a.lease_until IS NULL OR a.lease_until < %(now)s)
      AND (a.status = 'pending'
           OR (%(include_failed)s AND a.status = 'failed' AND EXISTS (
                SELECT 1 FROM failures f WHERE f.url = a.url AND f.retryable
                  AND f.attempts < %(max_attempts)s AND (f.next_retry_at IS NULL OR f.next_retry_at <= %(now)s))))
"""
_IN_URLS = " AND {column} = ANY(%(urls)s::text[])"
_ORDER = " ORDER BY a.first_seen_at, a.url LIMIT %(limit)s::bigint"


def _due_sql(urls: Sequence[str] | None, columns: str = "a.url, a.entry") -> str:
    return _DUE.format(columns=columns) + (_IN_URLS.format(column="a.url") if urls is not None else "") + _ORDER


def _due_params(
    now: Stamp, max_attempts: int, include_failed: bool, urls: Sequence[str] | None, limit: int | None
) -> dict[str, Any]:
    return {"now": now, "include_failed": include_failed, "max_attempts": max_attempts,
            "urls": list(urls or ()), "limit": limit}


class Articles(shared.Articles, TableStore):
    """The ``articles`` table."""

    def due(
        self, now: Stamp, *, max_attempts: int, include_failed: bool, urls: Sequence[str] | None, limit: int | None
    ) -> list[tuple[str, FeedEntry]]:
        """(url, entry) of the unclaimed pending articles and, with ``include_failed``, failed
        ones whose retryable failure is due (fewer than ``max_attempts``), oldest first."""
        rows = self.conn.execute(_due_sql(urls), _due_params(now, max_attempts, include_failed, urls, limit))
        return [(row["url"], entry_of(row["entry"])) for row in rows]

    def claim_due(
        self, now: Stamp, owner: str, until: Stamp, *, max_attempts: int, include_failed: bool,
        urls: Sequence[str] | None, limit: int | None,
    ) -> list[FeedEntry]:
        """Lease the articles :meth:`due` lists to ``owner`` until ``until``; their entries,
        oldest first. One statement: rows locked by another claim are skipped (``SKIP LOCKED``)."""
        sql = (
            "UPDATE articles SET lease_owner = %(owner)s, lease_until = %(until)s"
            " WHERE url IN (" + _due_sql(urls, "a.url") + " FOR UPDATE OF a SKIP LOCKED)"
            " RETURNING url, entry, first_seen_at"
        )
        params = {**_due_params(now, max_attempts, include_failed, urls, limit), "owner": owner, "until": until}
        rows = sorted(self.conn.execute(sql, params).fetchall(), key=lambda r: (r["first_seen_at"], r["url"]))
        return [entry_of(row["entry"]) for row in rows]

    def release(self, owner: str, urls: Sequence[str] | None) -> int:
        sql = "UPDATE articles SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = %(owner)s"
        sql += _IN_URLS.format(column="url") if urls is not None else ""
        return int(self.conn.execute(sql, {"owner": owner, "urls": list(urls or ())}).rowcount)

    def settle(self, urls: Sequence[str], status: str, now: Stamp) -> None:
        """Mark ``urls`` ``done`` or ``failed`` and drop their leases."""
        if status not in ("done", "failed"):
            raise ValueError(f"an article is settled as done or failed, not {status!r}")
        self.conn.execute(
            "UPDATE articles SET status = %s, updated_at = %s, lease_owner = NULL, lease_until = NULL"
            " WHERE url = ANY(%s::text[])",
            (status, now, list(urls)),
        )
