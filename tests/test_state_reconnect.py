"""A lost PostgreSQL connection: the state store reconnects and runs the operation again once
(:mod:`newsflow.state.reconnect`); a server that stays away is one clear error.

Every part is real: the session's PostgreSQL, where a second connection terminates the
store's backend (``pg_terminate_backend``), and a private server of this module's own that
is restarted, then stopped for good, under a running ``newsflow run``.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pg_server as launcher
import psycopg
import pytest
from test_kill_resume import _env, _feed_file

from newsflow.clustering import ClusterStore, assign_clusters
from newsflow.demo_server import DemoServer
from newsflow.errors import StateUnavailable
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedEntry, FeedSource
from newsflow.state import StateStore


def _terminate_others(url: str, *, waiting_only: bool = False) -> int:
    """Terminate every other backend connected to ``url``'s database (those waiting for a
    lock only, if asked); how many."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND (NOT %s OR wait_event_type = 'Lock')", (waiting_only,)).fetchall()
    return sum(1 for (done,) in rows if done)


def _entry(n: int) -> FeedEntry:
    return FeedEntry(url=f"http://paper.test/{n}", feed_url="http://paper.test/feed", source="paper")


def test_a_terminated_connection_is_reopened_and_the_operation_run_again(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    store, clusters = StateStore(pg_url), ClusterStore(pg_url)
    try:
        assert store.add_entries([_entry(1)], ["d1"]) == [_entry(1)]
        assert assign_clusters(clusters, [("a", 0xF0F0, None)]) == {"a": "a"}
        assert _terminate_others(pg_url) == 2
        with caplog.at_level(logging.WARNING, logger="newsflow.state.reconnect"):
            assert store.add_entries([_entry(2)], ["d2"]) == [_entry(2)]
            assert assign_clusters(clusters, [("b", 0xF0F1, None)]) == {"b": "a"}
        assert store.counts()["pending"] == 2
        assert sum("reconnected" in r.getMessage() for r in caplog.records) == 2
    finally:
        store.close()
        clusters.close()


def test_a_transaction_cut_halfway_is_applied_once(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    """The store's slot transaction waits for the host's lock, which a second connection
    holds; its backend is terminated there, mid-transaction. The retry takes one slot, not two."""
    store = StateStore(pg_url)
    holder = psycopg.connect(pg_url, autocommit=True)
    try:
        key = holder.execute("SELECT hashtextextended('host_slots:' || 'cut.test', 0) AS k").fetchone()
        assert key is not None
        holder.execute("SELECT pg_advisory_lock(%s)", (key[0],))
        got: list[float] = []
        taker = threading.Thread(target=lambda: got.append(store.acquire_host_slot(
            "cut.test", "run", "slot-1", limit=5, delay=0.0, lease_seconds=60)))
        with caplog.at_level(logging.WARNING, logger="newsflow.state.reconnect"):
            taker.start()
            deadline = time.monotonic() + 30
            while _terminate_others(pg_url, waiting_only=True) == 0:
                assert time.monotonic() < deadline, "the slot transaction never waited for the lock"
                time.sleep(0.05)
            time.sleep(0.3)  # the retry now waits for the lock in its turn
            holder.execute("SELECT pg_advisory_unlock(%s)", (key[0],))
            taker.join(timeout=30)
        assert got == [0.0]
        assert store.host_slots_held("cut.test") == 1
        assert any("acquire_host_slot" in r.getMessage() for r in caplog.records)
    finally:
        holder.close()
        store.close()


def test_threads_sharing_the_store_all_go_on_after_a_terminated_connection(pg_url: str) -> None:
    """Four threads share the store's one connection while it is cut three times: whichever
    thread reconnects, the others' failed operations are run again too, none is lost."""
    store = StateStore(pg_url)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for n in range(60):
                store.add_entries([_entry(t * 1000 + n)], [f"d{t}-{n}"])
                time.sleep(0.005)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    try:
        for thread in threads:
            thread.start()
        cuts = 0
        for _ in range(3):
            time.sleep(0.15)
            cuts += _terminate_others(pg_url)
        for thread in threads:
            thread.join(timeout=120)
        assert errors == []
        assert cuts >= 1
        assert store.counts()["pending"] == 4 * 60
    finally:
        store.close()


def test_a_lost_connection_is_told_apart_from_other_operational_errors(pg_url: str) -> None:
    """Judged by the error too, not only by the current connection: a thread whose statement
    failed on a connection that another thread has replaced meanwhile still retries; a
    lock timeout (also an OperationalError) is not a lost connection."""
    store = StateStore(pg_url)
    cut, holder, waiter = (psycopg.connect(pg_url, autocommit=True) for _ in range(3))
    try:
        pid = cut.info.backend_pid
        holder.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError) as gone:
            cut.execute("SELECT 1")
        assert store._db.lost(gone.value), "the store's own connection is fine: judged by the error"
        holder.execute("SELECT pg_advisory_lock(42)")
        waiter.execute("SET lock_timeout = '100ms'")
        with pytest.raises(psycopg.OperationalError) as timed_out:
            waiter.execute("SELECT pg_advisory_lock(42)")
        assert not store._db.lost(timed_out.value)
        store.close()
        assert not store._db.lost(gone.value), "a store closed by its owner is not reopened"
    finally:
        for conn in (cut, holder, waiter):
            conn.close()


def test_a_server_that_stays_away_is_state_unavailable(caplog: pytest.LogCaptureFixture) -> None:
    server = launcher.start()
    try:
        store = StateStore(server.url())
        store._db.reconnect_for = 1.0  # type: ignore[attr-defined]
        store.add_entries([_entry(1)], ["d1"])
        server.halt()
        with pytest.raises(StateUnavailable) as raised:
            store.counts()
        assert "cannot be reached" in str(raised.value) and launcher.SUPERUSER_PASSWORD not in str(raised.value)
        store.close()
    finally:
        server.stop()


# --- under a running `newsflow run` ----------------------------------------------------------

@pytest.fixture
def private_pg() -> Iterator[launcher.PgServer]:
    server = launcher.start()
    try:
        yield server
    finally:
        server.stop()


def _start_run(tmp_path: Path, demo_feeds: list[FeedSource], url: str) -> subprocess.Popen[str]:
    """``newsflow run`` of the demo feeds, state on ``url``, paced so it lasts seconds: every
    demo page is on one host, fetched 0.3 s apart."""
    env = _env(NEWSFLOW_STATE_URL=url, NEWSFLOW_PER_HOST_DELAY="0.3", NEWSFLOW_EXTRACTORS="simhash",
               NEWSFLOW_LEASE_SECONDS="60")
    cmd = [sys.executable, "-m", "newsflow.cli", "-v", "--data-dir", str(tmp_path / "data"), "run", "--feeds",
           str(_feed_file(tmp_path, demo_feeds)), "--json"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_work(url: str, run: subprocess.Popen[str]) -> None:
    """Until the run has polled its feeds and indexed some but not all articles."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert run.poll() is None, "the run ended before it could be disturbed"
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                row = conn.execute("SELECT count(*) FILTER (WHERE status = 'done'), count(*) FROM articles").fetchone()
        except psycopg.Error:  # the schema is not there yet
            row = None
        if row is not None and 0 < row[0] < row[1] - 5:
            return
        time.sleep(0.1)
    raise AssertionError("the run never got under way")


def _run_disrupted(tmp_path: Path, feeds: list[FeedSource], url: str,
                   disrupt: Callable[[], object]) -> tuple[str, str, subprocess.Popen[str]]:
    """A ``newsflow run`` on state ``url``, ``disrupt()`` once it is under way: its stdout,
    stderr and process (killed if still running)."""
    run = _start_run(tmp_path, feeds, url)
    try:
        _wait_for_work(url, run)
        disrupt()
        out, err = run.communicate(timeout=300)
    finally:
        if run.poll() is None:
            run.kill()
            run.communicate()
    return out, err, run


def test_a_run_goes_on_across_a_server_restart(
    tmp_path: Path, private_pg: launcher.PgServer, demo_server: DemoServer, demo_feeds: list[FeedSource]
) -> None:
    url = private_pg.url(private_pg.create_database("state"))
    out, err, run = _run_disrupted(tmp_path, demo_feeds, url, lambda: private_pg.restart(down_for=1.0))
    assert run.returncode == 0, err[-3000:]
    assert "reconnected" in err and "Traceback" not in err
    summary = json.loads(out)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FILTER (WHERE status = 'done'), count(*) FROM articles").fetchone()
    assert row is not None and row[0] == row[1] > 0
    with EmbeddedBackend(tmp_path / "data" / "index.db") as index:
        assert index.count() == summary["articles_new"] == row[1]


def test_a_run_whose_server_stays_down_ends_with_one_clear_error(
    tmp_path: Path, private_pg: launcher.PgServer, demo_server: DemoServer, demo_feeds: list[FeedSource]
) -> None:
    url = private_pg.url(private_pg.create_database("state"))
    _out, err, run = _run_disrupted(tmp_path, demo_feeds, url, private_pg.halt)
    assert run.returncode == 1, err[-3000:]
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: the state store postgresql://postgres:***@127.0.0.1") and "cannot be reached" in last
