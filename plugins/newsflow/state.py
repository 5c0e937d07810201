"""The state store: what newsflow remembers between runs, in one SQLite file.

- ``feeds``: per-feed validators (ETag, Last-Modified, body hash) and last status;
- ``articles``: every article URL ever seen (normalised), with its feed entry and whether it
  is ``pending`` (durable work not yet indexed), ``done`` or ``failed``;
- ``failures``: one row per (stage, url) that failed, with reason, attempts and next retry.

Work is written here before it is acknowledged, so a killed run loses nothing: the next run
picks up ``pending`` articles.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from newsflow.errors import ConfigError
from newsflow.models import FeedEntry, iso, utcnow

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    body_hash TEXT,
    last_status TEXT,
    last_http_status INTEGER,
    last_polled_at TEXT,
    last_changed_at TEXT,
    entries_total INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    feed_url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    entry TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_status ON articles(status);
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY,
    stage TEXT NOT NULL,
    url TEXT NOT NULL,
    error_class TEXT NOT NULL,
    message TEXT NOT NULL,
    retryable INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    first_failed_at TEXT NOT NULL,
    last_failed_at TEXT NOT NULL,
    next_retry_at TEXT,
    UNIQUE (stage, url)
);
"""


@dataclass(frozen=True, slots=True)
class FeedState:
    url: str
    name: str
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    last_status: str | None
    last_http_status: int | None
    last_polled_at: str | None
    last_changed_at: str | None
    entries_total: int


@dataclass(frozen=True, slots=True)
class Failure:
    id: int
    stage: str
    url: str
    error_class: str
    message: str
    retryable: bool
    attempts: int
    first_failed_at: str
    last_failed_at: str
    next_retry_at: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StateStore:
    """Thread-safe access to the state database (one connection, one lock)."""

    def __init__(self, path: Path | str, *, retry_base_delay: float = 300.0, max_attempts: int = 5) -> None:
        self.path = str(path)
        self.retry_base_delay = retry_base_delay
        self.max_attempts = max_attempts
        if self.path != ":memory:":
            parent = Path(self.path).parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ConfigError(f"cannot create the state directory {parent}: {exc}") from exc
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the state store {self.path}: {exc}; check the path and its permissions") from exc
        self._lock = threading.RLock()

    def close(self) -> None:
        self._db.close()

    # --- feeds -------------------------------------------------------------------------
    def feed(self, url: str) -> FeedState | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return FeedState(**dict(row)) if row else None

    def feeds(self) -> list[FeedState]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM feeds ORDER BY name").fetchall()
        return [FeedState(**dict(r)) for r in rows]

    def record_feed(
        self,
        url: str,
        name: str,
        *,
        status: str,
        http_status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        body_hash: str | None = None,
        changed: bool = False,
        entries: int = 0,
    ) -> None:
        """Store the outcome of one poll. Validators are only replaced when the poll got a body."""
        now = iso(utcnow())
        with self._lock:
            self._db.execute(
                """
                INSERT INTO feeds (url, name, etag, last_modified, body_hash, last_status,
                                   last_http_status, last_polled_at, last_changed_at, entries_total)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(url) DO UPDATE SET
                    name = excluded.name,
                    etag = CASE WHEN ? THEN excluded.etag ELSE feeds.etag END,
                    last_modified = CASE WHEN ? THEN excluded.last_modified ELSE feeds.last_modified END,
                    body_hash = CASE WHEN ? THEN excluded.body_hash ELSE feeds.body_hash END,
                    last_status = excluded.last_status,
                    last_http_status = excluded.last_http_status,
                    last_polled_at = excluded.last_polled_at,
                    last_changed_at = CASE WHEN ? THEN excluded.last_changed_at ELSE feeds.last_changed_at END,
                    entries_total = feeds.entries_total + excluded.entries_total
                """,
                (url, name, etag, last_modified, body_hash, status, http_status, now,
                 now if changed else None, entries, changed, changed, changed, changed),
            )

    # --- articles ------------------------------------------------------------------------
    def add_entries(self, entries: Sequence[FeedEntry], doc_ids: Sequence[str]) -> list[FeedEntry]:
        """Record entries not seen before as pending work; return just those new ones."""
        now = iso(utcnow())
        new: list[FeedEntry] = []
        with self._lock, self._tx():
            for entry, doc_id in zip(entries, doc_ids, strict=True):
                cur = self._db.execute(
                    "INSERT OR IGNORE INTO articles (url, doc_id, feed_url, status, entry, first_seen_at, updated_at)"
                    " VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                    (entry.url, doc_id, entry.feed_url, json.dumps(asdict(entry)), now, now),
                )
                if cur.rowcount:
                    new.append(entry)
        return new

    def due_articles(
        self,
        limit: int | None = None,
        *,
        include_failed: bool = True,
        urls: Sequence[str] | None = None,
    ) -> list[FeedEntry]:
        """Pending articles, then failed ones whose retry time has come (oldest first).

        ``urls`` restricts the answer to those articles (a mapped Airflow task's batch).
        """
        now = iso(utcnow())
        sql = """
            SELECT a.entry FROM articles a
            WHERE a.status = 'pending'
               OR (? AND a.status = 'failed' AND EXISTS (
                    SELECT 1 FROM failures f WHERE f.url = a.url AND f.retryable = 1
                      AND f.attempts < ? AND (f.next_retry_at IS NULL OR f.next_retry_at <= ?)))
            ORDER BY a.first_seen_at, a.url
        """
        params: list[Any] = [include_failed, self.max_attempts, now]
        if urls is not None:
            sql = f"SELECT entry FROM ({sql}) WHERE json_extract(entry, '$.url') IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(urls)))
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [_entry(row["entry"]) for row in rows]

    def article_entry(self, url: str) -> FeedEntry | None:
        with self._lock:
            row = self._db.execute("SELECT entry FROM articles WHERE url = ?", (url,)).fetchone()
        return _entry(row["entry"]) if row else None

    def add_manual(self, entry: FeedEntry, doc_id: str) -> None:
        """Queue an article given by hand (re-queues it when already known)."""
        now = iso(utcnow())
        with self._lock:
            self._db.execute(
                "INSERT INTO articles (url, doc_id, feed_url, status, entry, first_seen_at, updated_at)"
                " VALUES (?, ?, ?, 'pending', ?, ?, ?)"
                " ON CONFLICT(url) DO UPDATE SET status = 'pending', updated_at = excluded.updated_at",
                (entry.url, doc_id, entry.feed_url, json.dumps(asdict(entry)), now, now),
            )

    def mark_done(self, urls: Sequence[str], stages: Sequence[str] = ("fetch", "clean", "index")) -> None:
        now = iso(utcnow())
        with self._lock, self._tx():
            for url in urls:
                self._db.execute("UPDATE articles SET status = 'done', updated_at = ? WHERE url = ?", (now, url))
                self._db.executemany(
                    "DELETE FROM failures WHERE url = ? AND stage = ?", [(url, s) for s in stages]
                )

    def mark_failed(self, url: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE articles SET status = 'failed', updated_at = ? WHERE url = ?", (iso(utcnow()), url)
            )

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute("SELECT status, count(*) AS n FROM articles GROUP BY status").fetchall()
            failures = self._db.execute("SELECT count(*) FROM failures").fetchone()[0]
        out = {"pending": 0, "done": 0, "failed": 0}
        out.update({row["status"]: row["n"] for row in rows})
        out["failures"] = failures
        return out

    # --- failures ------------------------------------------------------------------------
    def record_failure(self, stage: str, url: str, error: BaseException, *, retryable: bool) -> Failure:
        """Insert or bump the failure of ``url`` in ``stage``; schedule its next retry."""
        now = utcnow()
        error_class = type(error).__name__
        message = str(error) or error_class
        with self._lock:
            row = self._db.execute(
                "SELECT attempts FROM failures WHERE stage = ? AND url = ?", (stage, url)
            ).fetchone()
            attempts = (row["attempts"] + 1) if row else 1
            next_retry = (
                iso(now + timedelta(seconds=self.retry_base_delay * 2 ** (attempts - 1)))
                if retryable and attempts < self.max_attempts
                else None
            )
            self._db.execute(
                """
                INSERT INTO failures (stage, url, error_class, message, retryable, attempts,
                                      first_failed_at, last_failed_at, next_retry_at)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)
                ON CONFLICT(stage, url) DO UPDATE SET
                    error_class = excluded.error_class, message = excluded.message,
                    retryable = excluded.retryable, attempts = failures.attempts + 1,
                    last_failed_at = excluded.last_failed_at, next_retry_at = excluded.next_retry_at
                """,
                (stage, url, error_class, message, int(retryable), iso(now), iso(now), next_retry),
            )
            out = self._db.execute("SELECT * FROM failures WHERE stage = ? AND url = ?", (stage, url)).fetchone()
        return _failure(out)

    def clear_failure(self, stage: str, url: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM failures WHERE stage = ? AND url = ?", (stage, url))

    def failures(self, stage: str | None = None) -> list[Failure]:
        sql = "SELECT * FROM failures"
        params: tuple[Any, ...] = ()
        if stage:
            sql += " WHERE stage = ?"
            params = (stage,)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY last_failed_at DESC, id DESC", params).fetchall()
        return [_failure(r) for r in rows]

    def requeue_failed_articles(self, *, include_permanent: bool = False) -> int:
        """Put failed articles back to pending (``newsflow retry``); returns how many."""
        with self._lock:
            cur = self._db.execute(
                """
                UPDATE articles SET status = 'pending', updated_at = ?
                WHERE status = 'failed' AND (? OR NOT EXISTS (
                    SELECT 1 FROM failures f WHERE f.url = articles.url AND f.retryable = 0))
                """,
                (iso(utcnow()), include_permanent),
            )
            return cur.rowcount

    def prune(self, older_than_days: int) -> dict[str, int]:
        """Forget done articles and permanent failures older than ``older_than_days``.

        Keep this longer than any feed keeps an entry, or a pruned URL is processed again.
        """
        cutoff = iso(utcnow() - timedelta(days=older_than_days))
        with self._lock, self._tx():
            articles = self._db.execute(
                "DELETE FROM articles WHERE status = 'done' AND updated_at < ?", (cutoff,)
            ).rowcount
            failures = self._db.execute(
                "DELETE FROM failures WHERE retryable = 0 AND last_failed_at < ?", (cutoff,)
            ).rowcount
        return {"articles": articles, "failures": failures}

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def _entry(raw: str) -> FeedEntry:
    data = json.loads(raw)
    data["authors"] = tuple(data.get("authors") or ())
    data["tags"] = tuple(data.get("tags") or ())
    return FeedEntry(**data)


def _failure(row: sqlite3.Row) -> Failure:
    data = dict(row)
    data["retryable"] = bool(data["retryable"])
    return Failure(**data)


def iter_failures_by_reason(failures: Sequence[Failure]) -> Iterator[tuple[tuple[str, str], list[Failure]]]:
    """Group failures by (stage, error class), largest group first."""
    groups: dict[tuple[str, str], list[Failure]] = {}
    for failure in failures:
        groups.setdefault((failure.stage, failure.error_class), []).append(failure)
    yield from sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
