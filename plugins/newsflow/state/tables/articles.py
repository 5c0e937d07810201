"""Seen URLs, pending work and its leases: the ``articles`` table's methods both dialects share.

Which articles are due, claiming them, releasing and settling leases differ between SQLite
and PostgreSQL (JSON vs array parameters, ``SKIP LOCKED``) and live in each dialect's module.
"""

from __future__ import annotations

from newsflow.models import FeedEntry
from newsflow.state.clock import Stamp
from newsflow.state.records import entry_json, entry_of
from newsflow.state.tables import TableStore


class Articles(TableStore):
    """The ``articles`` table (the statements both dialects write alike)."""

    def insert_new(self, entry: FeedEntry, doc_id: str, now: Stamp, status: str = "pending") -> bool:
        """Record ``entry`` as pending (or ``done``: seen, nothing to fetch) unless its URL is
        known; whether it was new."""
        return bool(self.run(
            "INSERT INTO articles (url, doc_id, feed_url, status, entry, first_seen_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING",
            (entry.url, doc_id, entry.feed_url, status, entry_json(entry), now, now),
        ).rowcount)

    def queue(self, entry: FeedEntry, doc_id: str, now: Stamp) -> None:
        """Record ``entry`` as pending, or put a known one back to pending (its entry kept)."""
        self.run(
            "INSERT INTO articles (url, doc_id, feed_url, status, entry, first_seen_at, updated_at)"
            " VALUES (?, ?, ?, 'pending', ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET status = 'pending', updated_at = excluded.updated_at",
            (entry.url, doc_id, entry.feed_url, entry_json(entry), now, now),
        )

    def stored(self, url: str) -> tuple[FeedEntry, str] | None:
        """The stored entry of ``url`` and its status."""
        row = self.run("SELECT entry, status FROM articles WHERE url = ?", (url,)).fetchone()
        return (entry_of(row["entry"]), str(row["status"])) if row else None

    def replace_entry(self, entry: FeedEntry, now: Stamp) -> None:
        """Store ``entry`` in place of its URL's; a done article becomes pending again."""
        self.run(
            "UPDATE articles SET entry = ?, updated_at = ?,"
            " status = CASE WHEN status = 'done' THEN 'pending' ELSE status END WHERE url = ?",
            (entry_json(entry), now, entry.url),
        )

    def renew(self, owner: str, until: Stamp) -> int:
        return int(self.run("UPDATE articles SET lease_until = ? WHERE lease_owner = ?", (until, owner)).rowcount)

    def entry(self, url: str) -> FeedEntry | None:
        row = self.run("SELECT entry FROM articles WHERE url = ?", (url,)).fetchone()
        return entry_of(row["entry"]) if row else None

    def requeue_failed(self, now: Stamp, *, include_permanent: bool) -> int:
        """Failed articles back to pending (not those with a permanent failure unless
        ``include_permanent``); how many."""
        return int(self.run(
            """
            UPDATE articles SET status = 'pending', updated_at = ?
            WHERE status = 'failed' AND (? OR NOT EXISTS (
                SELECT 1 FROM failures f WHERE f.url = articles.url AND NOT f.retryable))
            """,
            (now, include_permanent),
        ).rowcount)

    def counts(self) -> dict[str, int]:
        """Articles per status (every status, 0 when none)."""
        out = {"pending": 0, "done": 0, "failed": 0}
        rows = self.run("SELECT status, count(*) AS n FROM articles GROUP BY status")
        out.update({row["status"]: int(row["n"]) for row in rows})
        return out

    def prune_done(self, before: Stamp) -> int:
        """Forget done articles last updated before ``before``; how many."""
        return int(self.run("DELETE FROM articles WHERE status = 'done' AND updated_at < ?", (before,)).rowcount)
