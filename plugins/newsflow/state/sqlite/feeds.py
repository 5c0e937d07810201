"""Per-feed validators and poll outcomes: the ``feeds`` table (SQLite)."""

from __future__ import annotations

from newsflow.state.sqlite.schema import Table, TableStore
from newsflow.state.tables import feeds as shared

TABLE = Table(
    "feeds",
    """
    CREATE TABLE IF NOT EXISTS feeds (
        url TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        body_hash TEXT,
        last_status TEXT,
        last_http_status INTEGER,
        last_polled_at REAL,
        last_changed_at REAL,
        entries_total INTEGER NOT NULL DEFAULT 0,
        validators_trusted INTEGER NOT NULL DEFAULT 1,
        polls_since_verify INTEGER NOT NULL DEFAULT 0,
        poll_interval REAL,
        next_poll_at REAL
    )""",
    times=("last_polled_at", "last_changed_at", "next_poll_at"),
)

_UPSERT = """
    INSERT INTO feeds (url, name, etag, last_modified, body_hash, last_status,
                       last_http_status, last_polled_at, last_changed_at, entries_total,
                       validators_trusted, polls_since_verify, poll_interval, next_poll_at)
    VALUES (:url, :name, :etag, :last_modified, :body_hash, :status, :http_status, :now,
            CASE WHEN :changed THEN :now END, :entries, coalesce(:trusted, 1), 0, :interval, :next_poll)
    ON CONFLICT(url) DO UPDATE SET
        name = excluded.name,
        etag = CASE WHEN :changed THEN excluded.etag ELSE feeds.etag END,
        last_modified = CASE WHEN :changed THEN excluded.last_modified ELSE feeds.last_modified END,
        body_hash = CASE WHEN :changed THEN excluded.body_hash ELSE feeds.body_hash END,
        last_status = excluded.last_status,
        last_http_status = excluded.last_http_status,
        last_polled_at = excluded.last_polled_at,
        last_changed_at = CASE WHEN :changed THEN excluded.last_changed_at ELSE feeds.last_changed_at END,
        entries_total = feeds.entries_total + excluded.entries_total,
        validators_trusted = coalesce(:trusted, feeds.validators_trusted),
        polls_since_verify = CASE WHEN :conditional IS NULL THEN feeds.polls_since_verify
                                  WHEN :conditional THEN feeds.polls_since_verify + 1 ELSE 0 END,
        poll_interval = coalesce(excluded.poll_interval, feeds.poll_interval),
        next_poll_at = coalesce(excluded.next_poll_at, feeds.next_poll_at)
"""


class Feeds(shared.Feeds, TableStore):
    """The ``feeds`` table."""

    UPSERT = _UPSERT
