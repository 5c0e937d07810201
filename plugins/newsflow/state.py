"""The state store: what newsflow remembers between runs, in one SQLite file.

- ``feeds``: per-feed validators (ETag, Last-Modified, body hash) and last status;
- ``articles``: every article URL ever seen (normalised), with its feed entry and whether it
  is ``pending`` (durable work not yet indexed), ``done`` or ``failed``;
- ``failures``: one row per (stage, url) that failed, with reason, host, attempts and next retry;
- ``hosts``: consecutive transient failures per host and, past a threshold, a backoff time;
- ``robots``: each origin's robots.txt with an expiry;
- ``aliases``: every normalised URL an indexed article is known by (entry link, proxy link,
  final URL, canonical URL) → its one document id (schema version 3; a version-2 file is
  migrated on open by adding the table and filling it from its done articles).

Work is written here before it is acknowledged, so a killed run loses nothing: the next run
picks up ``pending`` articles. A run *claims* the articles it processes (a lease: owner and
expiry, renewed by a background thread while the run lives), so two concurrent runs never
process the same article, and a killed run's claims expire and are picked up again.
"""

from __future__ import annotations

import json
import random
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from newsflow.errors import ConfigError
from newsflow.models import FeedEntry, iso, utcnow
from newsflow.politeness import host_of

SCHEMA_VERSION = 3
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
    entries_total INTEGER NOT NULL DEFAULT 0,
    validators_trusted INTEGER NOT NULL DEFAULT 1,
    polls_since_verify INTEGER NOT NULL DEFAULT 0,
    poll_interval REAL,
    next_poll_at TEXT
);
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    feed_url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
    entry TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    lease_owner TEXT,
    lease_until REAL
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
    host TEXT,
    UNIQUE (stage, url)
);
CREATE TABLE IF NOT EXISTS hosts (
    host TEXT PRIMARY KEY,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    backoff_until TEXT,
    last_error TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS robots (
    origin TEXT PRIMARY KEY,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (
    url TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    first_seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS aliases_doc ON aliases(doc_id);
"""
# Columns added after version 1: (table, column, declaration) for ALTER TABLE on old files.
_ADDED_COLUMNS = (
    ("feeds", "validators_trusted", "INTEGER NOT NULL DEFAULT 1"),
    ("feeds", "polls_since_verify", "INTEGER NOT NULL DEFAULT 0"),
    ("feeds", "poll_interval", "REAL"),
    ("feeds", "next_poll_at", "TEXT"),
    ("articles", "lease_owner", "TEXT"),
    ("articles", "lease_until", "REAL"),
    ("failures", "host", "TEXT"),
)


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
    validators_trusted: bool = True
    """False once the feed answered 304 (or the same ETag) while its body had changed."""
    polls_since_verify: int = 0
    poll_interval: float | None = None
    next_poll_at: str | None = None

    def due(self, now: str | None = None) -> bool:
        """Whether the adaptive poll interval has elapsed."""
        return self.next_poll_at is None or self.next_poll_at <= (now or iso(utcnow()) or "")


@dataclass(frozen=True, slots=True)
class HostState:
    host: str
    consecutive_failures: int
    backoff_until: str | None
    last_error: str | None
    updated_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    host: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StateStore:
    """Thread-safe access to the state database (one connection, one lock)."""

    def __init__(
        self,
        path: Path | str,
        *,
        retry_base_delay: float = 300.0,
        max_attempts: int = 5,
        max_retry_delay: float = 86_400.0,
    ) -> None:
        self.path = str(path)
        self.retry_base_delay = retry_base_delay
        self.max_attempts = max_attempts
        self.max_retry_delay = max_retry_delay
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
            version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise ConfigError(
                    f"the state store {self.path} has schema version {version}, newer than this newsflow "
                    f"understands ({SCHEMA_VERSION}); upgrade newsflow"
                )
            self._db.executescript(SCHEMA)
            self._migrate(version)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the state store {self.path}: {exc}; check the path and its permissions") from exc
        self._lock = threading.RLock()

    def close(self) -> None:
        self._db.close()

    def _migrate(self, version: int) -> None:
        """Bring a state file made by an older newsflow to :data:`SCHEMA_VERSION`.

        Columns added after version 1 are added; before version 3 there was no alias table,
        so each done article's URL becomes the alias of the document id it was indexed under
        (ids of existing documents never change). Idempotent: two processes may both run it.
        """
        if version < 3:
            self._db.execute(
                "INSERT OR IGNORE INTO aliases (url, doc_id, first_seen_at)"
                " SELECT url, doc_id, updated_at FROM articles WHERE status = 'done'"
            )
        for table, column, declaration in _ADDED_COLUMNS:
            have = {row["name"] for row in self._db.execute(f"PRAGMA table_info({table})")}
            if column in have:
                continue
            try:
                self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
            except sqlite3.OperationalError as exc:  # another process added it a moment ago
                if "duplicate column" not in str(exc):
                    raise

    # --- feeds -------------------------------------------------------------------------
    def feed(self, url: str) -> FeedState | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM feeds WHERE url = ?", (url,)).fetchone()
        return _feed(row) if row else None

    def feeds(self) -> list[FeedState]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM feeds ORDER BY name").fetchall()
        return [_feed(r) for r in rows]

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
        validators_trusted: bool | None = None,
        conditional: bool | None = None,
        poll_interval: float | None = None,
    ) -> None:
        """Store the outcome of one poll. Validators are only replaced when the poll got a body.

        ``conditional``: whether the request carried validators (counts polls since the last
        unconditional, verifying poll). ``poll_interval``: the feed's next interval in seconds,
        which also sets ``next_poll_at``.
        """
        now = utcnow()
        next_poll = iso(now + timedelta(seconds=poll_interval)) if poll_interval is not None else None
        with self._lock:
            self._db.execute(
                """
                INSERT INTO feeds (url, name, etag, last_modified, body_hash, last_status,
                                   last_http_status, last_polled_at, last_changed_at, entries_total,
                                   validators_trusted, polls_since_verify, poll_interval, next_poll_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, 1), 0, ?, ?)
                ON CONFLICT(url) DO UPDATE SET
                    name = excluded.name,
                    etag = CASE WHEN ? THEN excluded.etag ELSE feeds.etag END,
                    last_modified = CASE WHEN ? THEN excluded.last_modified ELSE feeds.last_modified END,
                    body_hash = CASE WHEN ? THEN excluded.body_hash ELSE feeds.body_hash END,
                    last_status = excluded.last_status,
                    last_http_status = excluded.last_http_status,
                    last_polled_at = excluded.last_polled_at,
                    last_changed_at = CASE WHEN ? THEN excluded.last_changed_at ELSE feeds.last_changed_at END,
                    entries_total = feeds.entries_total + excluded.entries_total,
                    validators_trusted = coalesce(?, feeds.validators_trusted),
                    polls_since_verify = CASE WHEN ? IS NULL THEN feeds.polls_since_verify
                                              WHEN ? THEN feeds.polls_since_verify + 1 ELSE 0 END,
                    poll_interval = coalesce(excluded.poll_interval, feeds.poll_interval),
                    next_poll_at = coalesce(excluded.next_poll_at, feeds.next_poll_at)
                """,
                (url, name, etag, last_modified, body_hash, status, http_status, iso(now),
                 iso(now) if changed else None, entries, validators_trusted, poll_interval, next_poll,
                 changed, changed, changed, changed, validators_trusted, conditional, conditional),
            )

    # --- articles ------------------------------------------------------------------------
    def add_entries(self, entries: Sequence[FeedEntry], doc_ids: Sequence[str]) -> list[FeedEntry]:
        """Record entries not seen before as pending work; return just those new ones.

        An entry whose URL is known but which brings aliases not recorded yet (the same
        article through a proxy feed, with its ``origLink``) adds them to the stored entry; a
        done article is queued again so its document gets them.
        """
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
                elif entry.aliases:
                    self._merge_aliases(entry, now)
        return new

    def _merge_aliases(self, entry: FeedEntry, now: str | None) -> None:
        row = self._db.execute("SELECT entry, status FROM articles WHERE url = ?", (entry.url,)).fetchone()
        stored = _entry(row["entry"])
        missing = [a for a in entry.aliases if a not in stored.aliases]
        if row["status"] == "done":
            known = {
                r["url"] for r in self._db.execute(
                    "SELECT url FROM aliases WHERE url IN (SELECT value FROM json_each(?))", (json.dumps(missing),)
                )
            }
            missing = [a for a in missing if a not in known]
        if not missing:
            return
        merged = replace(stored, aliases=(*stored.aliases, *missing))
        self._db.execute(
            "UPDATE articles SET entry = ?, updated_at = ?,"
            " status = CASE WHEN status = 'done' THEN 'pending' ELSE status END WHERE url = ?",
            (json.dumps(asdict(merged)), now, entry.url),
        )

    _DUE_SQL = """
        SELECT a.url, a.entry FROM articles a
        WHERE (a.lease_until IS NULL OR a.lease_until < ?)
          AND (a.status = 'pending'
               OR (? AND a.status = 'failed' AND EXISTS (
                    SELECT 1 FROM failures f WHERE f.url = a.url AND f.retryable = 1
                      AND f.attempts < ? AND (f.next_retry_at IS NULL OR f.next_retry_at <= ?))))
    """

    def _due(self, limit: int | None, include_failed: bool, urls: Sequence[str] | None) -> list[sqlite3.Row]:
        sql = self._DUE_SQL
        params: list[Any] = [time.time(), include_failed, self.max_attempts, iso(utcnow())]
        if urls is not None:
            sql += " AND a.url IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(urls)))
        sql += " ORDER BY a.first_seen_at, a.url"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return self._db.execute(sql, params).fetchall()

    def due_articles(
        self,
        limit: int | None = None,
        *,
        include_failed: bool = True,
        urls: Sequence[str] | None = None,
    ) -> list[FeedEntry]:
        """Pending articles, then failed ones whose retry time has come (oldest first), that no
        live run has claimed. Only a listing: :meth:`claim_due` is what a processing run calls.

        ``urls`` restricts the answer to those articles (a mapped Airflow task's batch).
        """
        with self._lock:
            rows = self._due(limit, include_failed, urls)
        return [_entry(row["entry"]) for row in rows]

    def claim_due(
        self,
        owner: str,
        lease_seconds: float,
        limit: int | None = None,
        *,
        include_failed: bool = True,
        urls: Sequence[str] | None = None,
    ) -> list[FeedEntry]:
        """Claim the due articles for ``owner`` until ``lease_seconds`` from now and return them.

        Atomic across processes (one ``BEGIN IMMEDIATE`` transaction): an article claimed by a
        live run is not returned to another; once its lease expires (the run was killed) it is.
        """
        with self._lock, self._tx():
            rows = self._due(limit, include_failed, urls)
            self._db.executemany(
                "UPDATE articles SET lease_owner = ?, lease_until = ? WHERE url = ?",
                [(owner, time.time() + lease_seconds, row["url"]) for row in rows],
            )
        return [_entry(row["entry"]) for row in rows]

    def renew_leases(self, owner: str, lease_seconds: float) -> int:
        with self._lock:
            return self._db.execute(
                "UPDATE articles SET lease_until = ? WHERE lease_owner = ?", (time.time() + lease_seconds, owner)
            ).rowcount

    def release_leases(self, owner: str, urls: Sequence[str] | None = None) -> int:
        """Give up ``owner``'s claims (all, or just ``urls``): the articles are due again at once."""
        sql = "UPDATE articles SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?"
        params: list[Any] = [owner]
        if urls is not None:
            sql += " AND url IN (SELECT value FROM json_each(?))"
            params.append(json.dumps(list(urls)))
        with self._lock:
            return self._db.execute(sql, params).rowcount

    @contextmanager
    def leased(self, owner: str, lease_seconds: float) -> Iterator[None]:
        """Renew ``owner``'s claims every third of the lease while the block runs; release them after."""
        stop = threading.Event()

        def heartbeat() -> None:
            while not stop.wait(max(lease_seconds / 3, 0.05)):
                try:
                    self.renew_leases(owner, lease_seconds)
                except sqlite3.Error:  # a busy database: the next beat tries again
                    continue

        thread = threading.Thread(target=heartbeat, name=f"lease-{owner}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)
            self.release_leases(owner)

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
                self._db.execute(
                    "UPDATE articles SET status = 'done', updated_at = ?, lease_owner = NULL, lease_until = NULL"
                    " WHERE url = ?",
                    (now, url),
                )
                self._db.executemany(
                    "DELETE FROM failures WHERE url = ? AND stage = ?", [(url, s) for s in stages]
                )

    def claim_identity(self, doc_id: str, aliases: Sequence[str]) -> tuple[str, list[str]]:
        """The document id of the article named by ``aliases`` (its identity URL first), and
        every alias recorded for that id.

        When any alias is already known, the article keeps the id it was first indexed under
        (the id of the first alias in ``aliases`` order that is known); else ``doc_id`` is
        used. The aliases not yet known are recorded under the chosen id; an alias already
        mapped to another document keeps its mapping. Atomic (one transaction).
        """
        now = iso(utcnow())
        urls = list(dict.fromkeys(aliases))
        with self._lock, self._tx():
            known = dict(
                self._db.execute(
                    "SELECT url, doc_id FROM aliases WHERE url IN (SELECT value FROM json_each(?))",
                    (json.dumps(urls),),
                ).fetchall()
            )
            chosen = next((known[u] for u in urls if u in known), doc_id)
            self._db.executemany(
                "INSERT OR IGNORE INTO aliases (url, doc_id, first_seen_at) VALUES (?, ?, ?)",
                [(u, chosen, now) for u in urls],
            )
            rows = self._db.execute(
                "SELECT url FROM aliases WHERE doc_id = ? ORDER BY first_seen_at, rowid", (chosen,)
            ).fetchall()
        return chosen, [row["url"] for row in rows]

    def mark_failed(self, url: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE articles SET status = 'failed', updated_at = ?, lease_owner = NULL, lease_until = NULL"
                " WHERE url = ?",
                (iso(utcnow()), url),
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
    def record_failure(
        self,
        stage: str,
        url: str,
        error: BaseException,
        *,
        retryable: bool,
        retry_after: float | None = None,
    ) -> Failure:
        """Insert or bump the failure of ``url`` in ``stage``; schedule its next retry.

        Transient failures are retried after ``retry_base_delay * 2**(attempts-1)`` seconds
        with jitter (between half and all of it), never before the server's ``retry_after``,
        never later than ``max_retry_delay``; none after ``max_attempts``.
        """
        now = utcnow()
        error_class = type(error).__name__
        message = str(error) or error_class
        with self._lock:
            row = self._db.execute(
                "SELECT attempts FROM failures WHERE stage = ? AND url = ?", (stage, url)
            ).fetchone()
            attempts = (row["attempts"] + 1) if row else 1
            next_retry = None
            if retryable and attempts < self.max_attempts:
                delay = retry_delay(self.retry_base_delay, attempts, self.max_retry_delay)
                if retry_after is not None:
                    delay = max(delay, min(retry_after, self.max_retry_delay))
                next_retry = iso(now + timedelta(seconds=delay))
            self._db.execute(
                """
                INSERT INTO failures (stage, url, error_class, message, retryable, attempts,
                                      first_failed_at, last_failed_at, next_retry_at, host)
                VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
                ON CONFLICT(stage, url) DO UPDATE SET
                    error_class = excluded.error_class, message = excluded.message,
                    retryable = excluded.retryable, attempts = failures.attempts + 1,
                    last_failed_at = excluded.last_failed_at, next_retry_at = excluded.next_retry_at,
                    host = excluded.host
                """,
                (stage, url, error_class, message, int(retryable), iso(now), iso(now), next_retry, host_of(url)),
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

    # --- hosts ---------------------------------------------------------------------------
    def host_backoff(self, host: str) -> str | None:
        """The time until which ``host`` is backed off, or None when it may be fetched now."""
        with self._lock:
            row = self._db.execute("SELECT backoff_until FROM hosts WHERE host = ?", (host,)).fetchone()
        until = row["backoff_until"] if row else None
        return until if until and until > (iso(utcnow()) or "") else None

    def record_host_failure(
        self, host: str, error: BaseException, *, threshold: int, backoff: float, at_least: float | None = None
    ) -> str | None:
        """Count one more consecutive transient failure of ``host``; back it off when the count
        reaches ``threshold`` (``backoff`` seconds, doubling with each further failure), or at
        once for ``at_least`` seconds (a 429's Retry-After). Returns the backoff time if any."""
        now = utcnow()
        with self._lock:
            row = self._db.execute("SELECT * FROM hosts WHERE host = ?", (host,)).fetchone()
            count = (row["consecutive_failures"] if row else 0) + 1
            until = row["backoff_until"] if row else None
            delay = 0.0
            if threshold > 0 and count >= threshold:
                delay = min(backoff * 2 ** (count - threshold), self.max_retry_delay)
            if at_least is not None:
                delay = max(delay, min(at_least, self.max_retry_delay))
            if delay > 0:
                until = max(until or "", iso(now + timedelta(seconds=delay)) or "")
            message = f"{type(error).__name__}: {error}"
            self._db.execute(
                """
                INSERT INTO hosts (host, consecutive_failures, backoff_until, last_error, updated_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(host) DO UPDATE SET consecutive_failures = excluded.consecutive_failures,
                    backoff_until = excluded.backoff_until, last_error = excluded.last_error,
                    updated_at = excluded.updated_at
                """,
                (host, count, until, message, iso(now)),
            )
        return until if until and until > (iso(now) or "") else None

    def record_host_success(self, host: str) -> None:
        with self._lock:
            # a running backoff (a 429's Retry-After) is left to expire on its own
            self._db.execute(
                "UPDATE hosts SET consecutive_failures = 0, updated_at = ? WHERE host = ? AND consecutive_failures > 0",
                (iso(utcnow()), host),
            )

    def hosts(self, *, backed_off_only: bool = False) -> list[HostState]:
        sql = "SELECT * FROM hosts"
        params: tuple[Any, ...] = ()
        if backed_off_only:
            sql += " WHERE backoff_until > ?"
            params = (iso(utcnow()),)
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY host", params).fetchall()
        return [HostState(**dict(r)) for r in rows]

    # --- robots.txt ------------------------------------------------------------------------
    def robots(self, origin: str) -> tuple[int, str] | None:
        """The stored (HTTP status, body) of ``origin``'s robots.txt unless expired."""
        with self._lock:
            row = self._db.execute(
                "SELECT status, body FROM robots WHERE origin = ? AND expires_at > ?", (origin, time.time())
            ).fetchone()
        return (int(row["status"]), str(row["body"])) if row else None

    def store_robots(self, origin: str, status: int, body: str, ttl: float) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO robots (origin, status, body, fetched_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                (origin, status, body, iso(utcnow()), time.time() + ttl),
            )

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
    data["aliases"] = tuple(data.get("aliases") or ())
    return FeedEntry(**data)


def _feed(row: sqlite3.Row) -> FeedState:
    data = dict(row)
    data["validators_trusted"] = bool(data["validators_trusted"])
    return FeedState(**data)


def retry_delay(base: float, attempts: int, cap: float) -> float:
    """Exponential backoff with jitter: between half and all of ``base * 2**(attempts-1)``, at most ``cap``."""
    full = min(base * 2 ** max(attempts - 1, 0), cap)
    return full * (0.5 + random.random() / 2)


def _failure(row: sqlite3.Row) -> Failure:
    data = dict(row)
    data["retryable"] = bool(data["retryable"])
    return Failure(**data)


def iter_failures_by_reason(failures: Sequence[Failure]) -> Iterator[tuple[tuple[str, str], list[Failure]]]:
    """Group failures by (stage, error class), largest group first; within a group by host."""
    groups: dict[tuple[str, str], list[Failure]] = {}
    for failure in failures:
        groups.setdefault((failure.stage, failure.error_class), []).append(failure)
    for key, group in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        yield key, sorted(group, key=lambda f: (f.host or host_of(f.url), f.url))


def failures_by_host(failures: Sequence[Failure]) -> list[tuple[str, int]]:
    """(host, number of failures), most first."""
    counts: dict[str, int] = {}
    for failure in failures:
        host = failure.host or host_of(failure.url)
        counts[host] = counts.get(host, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def seconds_until(when: str | None) -> float | None:
    if not when:
        return None
    return (datetime.fromisoformat(when.replace("Z", "+00:00")) - utcnow()).total_seconds()
