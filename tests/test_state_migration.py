"""A state file written by the schema-version-3 newsflow (times as ISO 8601 text beside epoch
reals) is migrated on open to version 4 (every time UTC epoch seconds): rows, ids, order and
meaning are kept, and the store behaves on them as it did."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsflow.errors import ConfigError
from newsflow.models import FeedEntry, iso
from newsflow.state import SCHEMA_VERSION, StateStore

# The version-3 schema, as newsflow before version 4 created it.
V3_SCHEMA = """
CREATE TABLE feeds (url TEXT PRIMARY KEY, name TEXT NOT NULL, etag TEXT, last_modified TEXT, body_hash TEXT,
    last_status TEXT, last_http_status INTEGER, last_polled_at TEXT, last_changed_at TEXT,
    entries_total INTEGER NOT NULL DEFAULT 0, validators_trusted INTEGER NOT NULL DEFAULT 1,
    polls_since_verify INTEGER NOT NULL DEFAULT 0, poll_interval REAL, next_poll_at TEXT);
CREATE TABLE articles (url TEXT PRIMARY KEY, doc_id TEXT NOT NULL, feed_url TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')), entry TEXT NOT NULL,
    first_seen_at TEXT NOT NULL, updated_at TEXT NOT NULL, lease_owner TEXT, lease_until REAL);
CREATE INDEX articles_status ON articles(status);
CREATE TABLE failures (id INTEGER PRIMARY KEY, stage TEXT NOT NULL, url TEXT NOT NULL,
    error_class TEXT NOT NULL, message TEXT NOT NULL, retryable INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1, first_failed_at TEXT NOT NULL, last_failed_at TEXT NOT NULL,
    next_retry_at TEXT, host TEXT, UNIQUE (stage, url));
CREATE TABLE hosts (host TEXT PRIMARY KEY, consecutive_failures INTEGER NOT NULL DEFAULT 0,
    backoff_until TEXT, last_error TEXT, updated_at TEXT NOT NULL);
CREATE TABLE robots (origin TEXT PRIMARY KEY, status INTEGER NOT NULL, body TEXT NOT NULL,
    fetched_at TEXT NOT NULL, expires_at REAL NOT NULL);
CREATE TABLE aliases (url TEXT PRIMARY KEY, doc_id TEXT NOT NULL, first_seen_at TEXT NOT NULL);
CREATE INDEX aliases_doc ON aliases(doc_id);
CREATE TABLE simhash_clusters (doc_id TEXT PRIMARY KEY, simhash TEXT NOT NULL, seen_at TEXT NOT NULL);
PRAGMA user_version = 3;
"""
TIME_COLUMNS = {
    "feeds": ("last_polled_at", "last_changed_at", "next_poll_at"),
    "articles": ("first_seen_at", "updated_at", "lease_until"),
    "failures": ("first_failed_at", "last_failed_at", "next_retry_at"),
    "hosts": ("backoff_until", "updated_at"),
    "robots": ("fetched_at", "expires_at"),
    "aliases": ("first_seen_at",),
}
SITE = "http://news.example.org"


def _entry(path: str) -> str:
    return json.dumps({"url": f"{SITE}{path}", "feed_url": f"{SITE}/feed.xml", "source": "Desk",
                       "title": path.strip("/")})


def _old_file(path: Path) -> dict[str, str]:
    """A version-3 state file with one row of each kind; returns the ISO times written."""
    now = datetime.now(UTC).replace(microsecond=0)
    t = {name: iso(now + timedelta(seconds=delta)) or "" for name, delta in {
        "long_ago": -86_400 * 3, "past": -600, "now": 0, "later": 3_600, "tomorrow": 86_400}.items()}
    db = sqlite3.connect(path)
    db.executescript(V3_SCHEMA)
    db.execute("INSERT INTO feeds VALUES (?, 'Desk', '\"v1\"', NULL, 'abc', 'ok', 200, ?, ?, 7, 0, 2, 900.0, ?)",
               (f"{SITE}/feed.xml", t["now"], t["past"], t["later"]))
    articles = [  # url path, status, first seen, lease owner, lease until
        ("/held", "pending", t["long_ago"], "other-run", time.time() + 3_600),
        ("/expired-lease", "pending", t["past"], "dead-run", time.time() - 60),
        ("/retry-due", "failed", t["now"], None, None),
        ("/indexed", "done", t["long_ago"], None, None),
    ]
    for path_, status, seen, owner, until in articles:
        db.execute("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (f"{SITE}{path_}", f"id{path_}", f"{SITE}/feed.xml", status, _entry(path_), seen, seen, owner, until))
    db.execute("INSERT INTO failures VALUES (41, 'fetch', ?, 'HTTPStatusError', '503', 1, 2, ?, ?, ?, 'news.example.org')",
               (f"{SITE}/retry-due", t["long_ago"], t["past"], t["past"]))
    db.execute("INSERT INTO failures VALUES (42, 'clean', ?, 'ExtractionError', 'empty', 0, 1, ?, ?, NULL, NULL)",
               (f"{SITE}/gone", t["past"], t["now"]))
    db.execute("INSERT INTO hosts VALUES ('slow.example.org', 4, ?, 'ReadTimeout: slow', ?)", (t["later"], t["past"]))
    db.execute("INSERT INTO robots VALUES (?, 200, 'User-agent: *', ?, ?)", (SITE, t["now"], time.time() + 3_600))
    for alias, seen in (("/indexed", t["past"]), ("/indexed?utm=x", t["past"]), ("/indexed-amp", t["now"])):
        db.execute("INSERT INTO aliases VALUES (?, 'id/indexed', ?)", (f"{SITE}{alias}", seen))
    db.execute("INSERT INTO simhash_clusters VALUES ('id/indexed', '00000000000000ff', ?)", (t["past"],))
    db.commit()
    db.close()
    return t


def test_a_version_3_file_is_migrated_with_every_time_converted(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    t = _old_file(path)
    state = StateStore(path, max_attempts=5)
    try:
        feed = state.feed(f"{SITE}/feed.xml")
        assert feed is not None
        assert (feed.last_polled_at, feed.last_changed_at, feed.next_poll_at) == (t["now"], t["past"], t["later"])
        assert feed.entries_total == 7 and not feed.validators_trusted and feed.poll_interval == 900.0
        assert not feed.due() and feed.due(t["tomorrow"])

        failures = {f.id: f for f in state.failures()}
        assert set(failures) == {41, 42}, "failure ids are kept"
        assert (failures[41].first_failed_at, failures[41].last_failed_at, failures[41].next_retry_at) == (
            t["long_ago"], t["past"], t["past"])
        assert failures[42].next_retry_at is None and failures[42].last_failed_at == t["now"]
        assert [f.id for f in state.failures()] == [42, 41], "last failed first, as before"

        assert state.host_backoff("slow.example.org") == t["later"]
        (host,) = state.hosts(backed_off_only=True)
        assert host.updated_at == t["past"] and host.consecutive_failures == 4
        assert state.robots(SITE) == (200, "User-agent: *")

        # the live lease holds, the dead one has expired, the failure whose retry time has come is due
        claimed = [e.url for e in state.claim_due("me", 60)]
        assert claimed == [f"{SITE}/expired-lease", f"{SITE}/retry-due"], "oldest first"
        assert state.claim_identity("id/new", [f"{SITE}/indexed-amp"]) == (
            "id/indexed", [f"{SITE}/indexed", f"{SITE}/indexed?utm=x", f"{SITE}/indexed-amp"])
        assert state.prune(2) == {"articles": 1, "failures": 0}, "the done article seen 3 days ago"
    finally:
        state.close()

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10
        for table, columns in TIME_COLUMNS.items():
            declared = {row[1]: row[2] for row in raw.execute(f"PRAGMA table_info({table})")}
            for column in columns:
                assert declared[column] == "REAL", (table, column)
                kinds = {row[0] for row in raw.execute(f"SELECT typeof({column}) FROM {table}")}
                assert kinds <= {"real", "null"}, (table, column, kinds)
        indexes = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"articles_status", "aliases_doc"} <= indexes
        leftovers = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert leftovers == {*TIME_COLUMNS, "simhash_clusters", "host_slots", "host_pace", "websub", "sitemap_urls",
                             "alerts", "alert_deliveries",
                             "story_articles", "stories", "story_decisions"}
        assert raw.execute("SELECT seen_at FROM simhash_clusters").fetchone()[0] == t["past"], "not a state table"
        polled = raw.execute("SELECT last_polled_at FROM feeds").fetchone()[0]
        assert polled == datetime.fromisoformat(t["now"]).timestamp()


def test_two_processes_opening_an_old_file_at_once_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _old_file(path)
    errors: list[BaseException] = []
    stores: list[StateStore] = []

    def open_it() -> None:
        try:
            stores.append(StateStore(path))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [s.counts() for s in stores] == [{"pending": 2, "done": 1, "failed": 1, "failures": 2}] * 3
    for store in stores:
        store.close()


def test_a_file_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(ConfigError, match="newer than this newsflow"):
        StateStore(path)


def _slot_taken(store: StateStore) -> bool:
    return store.acquire_host_slot("slots.test", "run", "t1", limit=1, delay=0.0, lease_seconds=60) == 0


def test_a_version_4_file_gains_the_host_slot_tables_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = StateStore(path)
    store.store_robots("http://a.test", 200, "User-agent: *", ttl=3600)
    store.close()
    with sqlite3.connect(path) as raw:  # as the version-4 newsflow left it
        raw.execute("DROP TABLE host_slots")
        raw.execute("DROP TABLE host_pace")
        raw.execute("PRAGMA user_version = 4")
    store = StateStore(path)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
        assert _slot_taken(store) and store.host_slots_held("slots.test") == 1
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10


def test_a_version_5_file_gains_the_websub_table_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = StateStore(path)
    store.store_robots("http://a.test", 200, "User-agent: *", ttl=3600)
    store.close()
    with sqlite3.connect(path) as raw:  # as the version-5 newsflow left it
        raw.execute("DROP TABLE websub")
        raw.execute("PRAGMA user_version = 5")
    store = StateStore(path)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
        store.record_hub("http://a.test/feed", "http://hub.test/", "http://a.test/feed")
        assert [s.status for s in store.subscriptions()] == ["discovered"]
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10


def test_a_version_1_postgres_database_gains_the_host_slot_tables(pg_url: str) -> None:
    import psycopg

    from newsflow.state.postgres import MIGRATIONS
    from newsflow.state.postgres import SCHEMA_VERSION as PG_VERSION

    with psycopg.connect(pg_url, autocommit=True) as raw:  # as the version-1 newsflow created it
        for statement in MIGRATIONS[1]:
            raw.execute(statement)
        raw.execute("CREATE TABLE schema_version (version integer NOT NULL)")
        raw.execute("INSERT INTO schema_version (version) VALUES (1)")
        raw.execute("INSERT INTO robots VALUES ('http://a.test', 200, 'User-agent: *', 0, 1e12)")
    store = StateStore(pg_url)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
        assert _slot_taken(store)
        store.record_hub("http://a.test/feed", "http://hub.test/", "http://a.test/feed")  # version 3's table
        assert [s.status for s in store.subscriptions()] == ["discovered"]
    finally:
        store.close()
    with psycopg.connect(pg_url) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(PG_VERSION,)] == [(7,)]


def _listed(store: StateStore) -> tuple[list[str], list[str]]:
    entry = FeedEntry(url="http://a.test/story", feed_url="http://a.test/sitemap.xml", source="A")
    new, refreshed = store.add_sitemap_entries(entry.feed_url, [(entry, "doc1", "2025-01-01T00:00:00Z")], limit=5)
    return [e.url for e in new], [e.url for e in refreshed]


def test_a_version_6_file_gains_the_sitemap_urls_table_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = StateStore(path)
    store.store_robots("http://a.test", 200, "User-agent: *", ttl=3600)
    store.close()
    with sqlite3.connect(path) as raw:  # as the version-6 newsflow left it
        raw.execute("DROP TABLE sitemap_urls")
        raw.execute("PRAGMA user_version = 6")
    store = StateStore(path)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
        assert _listed(store) == (["http://a.test/story"], []) and store.sitemap_urls_known() == 1
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10


def test_a_version_3_postgres_database_gains_the_sitemap_urls_table(pg_url: str) -> None:
    import psycopg

    from newsflow.state.postgres import MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as raw:  # as the version-3 newsflow created it
        for version in (1, 2, 3):
            for statement in MIGRATIONS[version]:
                raw.execute(statement)
        raw.execute("CREATE TABLE schema_version (version integer NOT NULL)")
        raw.execute("INSERT INTO schema_version (version) VALUES (3)")
        raw.execute("INSERT INTO robots VALUES ('http://a.test', 200, 'User-agent: *', 0, 1e12)")
    store = StateStore(pg_url)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
        assert _listed(store) == (["http://a.test/story"], []) and store.sitemap_urls_known() == 1
    finally:
        store.close()
    with psycopg.connect(pg_url) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(7,)]
