"""Seen URLs, pending work and its leases: the ``articles`` table (SQLite).

Each row is an article URL ever seen, its feed entry (JSON) and status (``pending``,
``done``, ``failed``); ``lease_owner``/``lease_until`` is a live run's claim on it. Which
articles are due also reads ``failures`` (a failed article is due again when its retry time
has come), so that query lives here, beside the rest of this table's SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from newsflow.models import FeedEntry
from newsflow.state.clock import Stamp
from newsflow.state.records import entry_of
from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import articles as shared

TABLE = Table(
    "articles",
    """
    CREATE TABLE IF NOT EXISTS articles (
        url TEXT PRIMARY KEY,
        doc_id TEXT NOT NULL,
        feed_url TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
        entry TEXT NOT NULL,
        first_seen_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        lease_owner TEXT,
        lease_until REAL
    )""",
    indexes=("CREATE INDEX IF NOT EXISTS articles_status ON articles(status)",),
    times=("first_seen_at", "updated_at", "lease_until"),
)

_DUE = """
    SELECT a.url, a.entry FROM articles a
    WHERE (a.lease_until IS NULL OR a.lease_until < :now)
      AND (a.status = 'pending'
           OR (:include_failed AND a.status = 'failed' AND EXISTS (
                SELECT 1 FROM failures f WHERE f.url = a.url AND f.retryable = 1
                  AND f.attempts < :max_attempts AND (f.next_retry_at IS NULL OR f.next_retry_at <= :now))))
"""
_IN_URLS = " AND {column} IN (SELECT value FROM json_each(:urls))"
_SETTLED = "status = '{status}', updated_at = ?, lease_owner = NULL, lease_until = NULL"


class Articles(shared.Articles, TableStore):
    """The ``articles`` table."""

    def due(
        self, now: Stamp, *, max_attempts: int, include_failed: bool, urls: Sequence[str] | None, limit: int | None
    ) -> list[tuple[str, FeedEntry]]:
        """(url, entry) of the unclaimed pending articles and, with ``include_failed``, failed
        ones whose retryable failure is due (fewer than ``max_attempts``), oldest first."""
        sql = _DUE + (_IN_URLS.format(column="a.url") if urls is not None else "")
        sql += " ORDER BY a.first_seen_at, a.url" + (" LIMIT :limit" if limit is not None else "")
        params = {"now": now, "include_failed": include_failed, "max_attempts": max_attempts,
                  "urls": json.dumps(list(urls or ())), "limit": limit}
        return [(row["url"], entry_of(row["entry"])) for row in self.conn.execute(sql, params)]

    def claim_due(
        self, now: Stamp, owner: str, until: Stamp, *, max_attempts: int, include_failed: bool,
        urls: Sequence[str] | None, limit: int | None,
    ) -> list[FeedEntry]:
        """Lease the articles :meth:`due` lists to ``owner`` until ``until``; their entries.
        Atomic only inside the caller's ``BEGIN IMMEDIATE`` transaction."""
        due = self.due(now, max_attempts=max_attempts, include_failed=include_failed, urls=urls, limit=limit)
        self.conn.executemany(
            "UPDATE articles SET lease_owner = ?, lease_until = ? WHERE url = ?", [(owner, until, u) for u, _ in due]
        )
        return [entry for _, entry in due]

    def release(self, owner: str, urls: Sequence[str] | None) -> int:
        sql = "UPDATE articles SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = :owner"
        sql += _IN_URLS.format(column="url") if urls is not None else ""
        return self.conn.execute(sql, {"owner": owner, "urls": json.dumps(list(urls or ()))}).rowcount

    def settle(self, urls: Sequence[str], status: str, now: Stamp) -> None:
        """Mark ``urls`` ``done`` or ``failed`` and drop their leases."""
        if status not in ("done", "failed"):
            raise ValueError(f"an article is settled as done or failed, not {status!r}")
        sql = f"UPDATE articles SET {_SETTLED.format(status=status)} WHERE url = ?"
        self.conn.executemany(sql, [(now, url) for url in urls])
