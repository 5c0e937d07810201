"""The state store's saved-search contract, on both implementations (``state_target``: a
SQLite file and a real PostgreSQL database), and the schema step that adds its tables."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from newsflow.state import SCHEMA_VERSION, StateStore

SEARCH = '{"text": "flood"}'


@pytest.fixture
def store(state_target: str):  # type: ignore[no-untyped-def]
    opened = StateStore(state_target)
    yield opened
    opened.close()


def test_an_alert_is_saved_once_listed_and_removed_with_its_log(store: StateStore) -> None:
    assert store.add_alert("floods", SEARCH, "http://127.0.0.1:9/hook")
    assert not store.add_alert("floods", '{"text": "other"}', "/tmp/x.jsonl")  # the name is taken
    assert store.add_alert("banks", '{"text": "bank"}', "/tmp/banks.jsonl")
    assert [(a.name, a.search, a.target) for a in store.alerts()] == [
        ("banks", '{"text": "bank"}', "/tmp/banks.jsonl"), ("floods", SEARCH, "http://127.0.0.1:9/hook")]
    store.record_matches("floods", [("d1", "k1", "{}")], time.time())
    assert store.remove_alert("floods") and not store.remove_alert("floods")
    assert store.alert("floods") is None and store.alert_deliveries("floods") == []
    assert store.add_alert("floods", SEARCH, "x.jsonl")  # a new alert of the same name starts afresh
    assert store.waiting_deliveries("floods") == []


def test_a_document_matches_an_alert_once_ever(store: StateStore) -> None:
    store.add_alert("floods", SEARCH, "x.jsonl")
    store.add_alert("other", SEARCH, "y.jsonl")
    created = store.alert_checked_at("floods")
    assert created is not None
    started = created + 5
    assert store.record_matches("floods", [("d1", "k1", '{"n": 1}'), ("d2", "k2", '{"n": 2}')], started) == 2
    assert store.alert_checked_at("floods") == started
    assert store.record_matches("floods", [("d2", "k2-again", "{}"), ("d3", "k3", "{}")], started + 5) == 1
    assert store.record_matches("other", [("d1", "o1", "{}")], started) == 1  # per alert
    waiting = store.waiting_deliveries("floods")
    assert [(d.doc_id, d.delivery_id, d.payload, d.status) for d in waiting] == [
        ("d1", "k1", '{"n": 1}', "pending"), ("d2", "k2", '{"n": 2}', "pending"), ("d3", "k3", "{}", "pending")]
    store.deliveries_done("floods", ["k1", "k3"])
    assert [d.doc_id for d in store.waiting_deliveries("floods")] == ["d2"]
    alert = store.alert("floods")
    assert alert is not None and (alert.delivered, alert.waiting) == (2, 1)
    assert store.record_matches("floods", [("d1", "k1b", "{}")], started + 9) == 0  # delivered: never again


def test_a_failure_is_recorded_and_the_match_waits_for_the_next_run(store: StateStore) -> None:
    store.add_alert("floods", SEARCH, "http://127.0.0.1:9/hook")
    store.record_matches("floods", [("d1", "k1", "{}")], time.time())
    store.delivery_sending("k1")
    assert [(d.status, d.attempts) for d in store.waiting_deliveries("floods")] == [("sending", 1)]
    store.alert_failed("floods", "receiver answered 503", "k1")
    (waiting,) = store.waiting_deliveries("floods")
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 1, "receiver answered 503")
    alert = store.alert("floods")
    assert alert is not None and alert.last_error == "receiver answered 503" and alert.failed_at
    store.delivery_sending("k1")
    store.deliveries_done("floods", ["k1"])
    alert = store.alert("floods")
    assert alert is not None and alert.last_error is None and (alert.delivered, alert.waiting) == (1, 0)
    (done,) = store.alert_deliveries("floods")
    assert (done.status, done.attempts, done.last_error) == ("delivered", 2, None) and done.delivered_at


def test_one_run_at_a_time_holds_an_alert_until_its_lease_lapses(state_target: str) -> None:
    first, second = StateStore(state_target), StateStore(state_target)
    try:
        first.add_alert("floods", SEARCH, "x.jsonl")
        assert first.claim_alert("floods", "run-a", 0.5)
        assert not second.claim_alert("floods", "run-b", 60)
        assert first.claim_alert("floods", "run-a", 0.5)  # renewing
        time.sleep(0.7)
        assert second.claim_alert("floods", "run-b", 60)  # run-a died: its hold lapsed
        second.release_alert("floods", "run-a")  # not the holder: no effect
        assert not first.claim_alert("floods", "run-a", 60)
        second.release_alert("floods", "run-b")
        assert first.claim_alert("floods", "run-a", 60)
        assert not first.claim_alert("nonesuch", "run-a", 60)
    finally:
        first.close()
        second.close()


def test_a_version_7_file_gains_the_alert_tables_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = StateStore(path)
    store.store_robots("http://a.test", 200, "User-agent: *", ttl=3600)
    store.close()
    with sqlite3.connect(path) as raw:  # as the version-7 newsflow left it
        raw.execute("DROP TABLE alerts")
        raw.execute("DROP TABLE alert_deliveries")
        raw.execute("PRAGMA user_version = 7")
    store = StateStore(path)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
        assert store.add_alert("floods", SEARCH, "x.jsonl") and [a.name for a in store.alerts()] == ["floods"]
    finally:
        store.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 10


def test_a_version_4_postgres_database_gains_the_alert_tables(pg_url: str) -> None:
    import psycopg

    from newsflow.state.postgres import MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as raw:  # as the version-4 newsflow created it
        for version in (1, 2, 3, 4):
            for statement in MIGRATIONS[version]:
                raw.execute(statement)
        raw.execute("CREATE TABLE schema_version (version integer NOT NULL)")
        raw.execute("INSERT INTO schema_version (version) VALUES (4)")
        raw.execute("INSERT INTO robots VALUES ('http://a.test', 200, 'User-agent: *', 0, 1e12)")
    store = StateStore(pg_url)
    try:
        assert store.robots("http://a.test") == (200, "User-agent: *")
        assert store.add_alert("floods", SEARCH, "x.jsonl") and [a.name for a in store.alerts()] == ["floods"]
    finally:
        store.close()
    with psycopg.connect(pg_url) as raw:
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(7,)]


def test_a_run_delivers_each_match_once_on_either_state_backend(state_target: str, tmp_path: Path) -> None:
    from alert_receiver import receiver
    from conftest import make_settings
    from test_alerts import doc

    from newsflow.alerts import SavedSearch, run_alerts
    from newsflow.index.embedded import EmbeddedBackend

    settings = make_settings(tmp_path, alert_retry_delay=0.01)
    store = StateStore(state_target)
    index = EmbeddedBackend(tmp_path / "index.db")
    try:
        with receiver(status=500) as hook:
            store.add_alert("floods", SavedSearch(text="flood").to_json(), hook.url)
            index.upsert([doc("d1", "flood"), doc("d2", "flood"), doc("b1", "bank")])
            assert run_alerts(settings, state=store, backend=index).failed  # the receiver is down
            hook.status = 200
            reports = [run_alerts(settings, state=store, backend=index).as_dict() for _ in range(2)]
        assert [(r["found"], r["delivered"]) for r in reports] == [(0, 2), (0, 0)]
        assert sorted(hook.by_doc()) == ["d1", "d2"] and all(len(k) == 1 for k in hook.by_doc().values())
    finally:
        index.close()
        store.close()
