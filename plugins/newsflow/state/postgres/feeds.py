"""Per-feed validators and poll outcomes: the ``feeds`` table (PostgreSQL)."""

from __future__ import annotations

from newsflow.state.postgres.schema import TableStore
from newsflow.state.tables import feeds as shared

DDL = (
    """
    CREATE TABLE feeds (
        url text PRIMARY KEY,
        name text NOT NULL,
        etag text,
        last_modified text,
        body_hash text,
        last_status text,
        last_http_status integer,
        last_polled_at double precision,
        last_changed_at double precision,
        entries_total bigint NOT NULL DEFAULT 0,
        validators_trusted boolean NOT NULL DEFAULT true,
        polls_since_verify integer NOT NULL DEFAULT 0,
        poll_interval double precision,
        next_poll_at double precision
    )""",
)

_UPSERT = """
    INSERT INTO feeds AS f (url, name, etag, last_modified, body_hash, last_status,
                       last_http_status, last_polled_at, last_changed_at, entries_total,
                       validators_trusted, polls_since_verify, poll_interval, next_poll_at)
    VALUES (%(url)s, %(name)s, %(etag)s, %(last_modified)s, %(body_hash)s, %(status)s, %(http_status)s::integer,
            %(now)s, CASE WHEN %(changed)s::boolean THEN %(now)s END, %(entries)s,
            coalesce(%(trusted)s::boolean, true), 0, %(interval)s::double precision,
            %(next_poll)s::double precision)
    ON CONFLICT (url) DO UPDATE SET
        name = excluded.name,
        etag = CASE WHEN %(changed)s::boolean THEN excluded.etag ELSE f.etag END,
        last_modified = CASE WHEN %(changed)s::boolean THEN excluded.last_modified ELSE f.last_modified END,
        body_hash = CASE WHEN %(changed)s::boolean THEN excluded.body_hash ELSE f.body_hash END,
        last_status = excluded.last_status,
        last_http_status = excluded.last_http_status,
        last_polled_at = excluded.last_polled_at,
        last_changed_at = CASE WHEN %(changed)s::boolean THEN excluded.last_changed_at ELSE f.last_changed_at END,
        entries_total = f.entries_total + excluded.entries_total,
        validators_trusted = coalesce(%(trusted)s::boolean, f.validators_trusted),
        polls_since_verify = CASE WHEN %(conditional)s::boolean IS NULL THEN f.polls_since_verify
                                  WHEN %(conditional)s::boolean THEN f.polls_since_verify + 1 ELSE 0 END,
        poll_interval = coalesce(excluded.poll_interval, f.poll_interval),
        next_poll_at = coalesce(excluded.next_poll_at, f.next_poll_at)
"""


class Feeds(shared.Feeds, TableStore):
    """The ``feeds`` table."""

    UPSERT = _UPSERT
