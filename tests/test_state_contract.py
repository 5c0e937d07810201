"""The state store's contract, run on both implementations: a SQLite file and a real
PostgreSQL database (``state_target`` is parametrised over ``sqlite`` and ``postgres``).

Every :class:`~newsflow.state.StateStore` method's promise is checked here through the
facade only, so a dialect that drifts from the other fails the same test.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newsflow.errors import ConfigError
from newsflow.models import FeedEntry, PageRules
from newsflow.state import StateStore
from newsflow.state.clock import from_iso, now

FEED = "http://news.test/feed.xml"

Opener = Callable[..., StateStore]


@pytest.fixture
def open_store(state_target: str) -> Iterator[Opener]:
    """Open a StateStore on this test's database (as many as a test wants, each its own connection)."""
    opened: list[StateStore] = []

    def opener(**kwargs: float) -> StateStore:
        store = StateStore(state_target, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Opener) -> StateStore:
    return open_store()


def entry(n: int, **changes: object) -> FeedEntry:
    values: dict[str, object] = {
        "url": f"http://news.test/a/{n}", "feed_url": FEED, "source": "News Test",
        "title": f"Story {n}", "authors": ("Ann Writer",), "tags": ("local", "weather"),
    }
    values.update(changes)
    return FeedEntry(**values)  # type: ignore[arg-type]


def add(store: StateStore, *numbers: int) -> list[FeedEntry]:
    entries = [entry(n) for n in numbers]
    return store.add_entries(entries, [f"doc{n}" for n in numbers])


def urls(entries: list[FeedEntry]) -> list[str]:
    return [e.url for e in entries]


# --- feeds -------------------------------------------------------------------------------

def test_a_feed_poll_keeps_validators_only_from_a_body_and_counts_entries(store: StateStore) -> None:
    assert store.feed(FEED) is None
    store.record_feed(FEED, "News", status="ok", http_status=200, etag='"v1"', last_modified="Mon, 01 Jan 2024",
                      body_hash="h1", changed=True, entries=3, conditional=False, poll_interval=900)
    first = store.feed(FEED)
    assert first is not None
    assert (first.etag, first.last_modified, first.body_hash, first.entries_total) == ('"v1"', "Mon, 01 Jan 2024", "h1", 3)
    assert first.last_changed_at is not None and first.validators_trusted is True
    assert first.next_poll_at is not None and first.poll_interval == 900
    assert 899 <= from_iso(first.next_poll_at) - from_iso(first.last_polled_at or "") <= 901

    store.record_feed(FEED, "News", status="not-modified", http_status=304, etag='"other"', changed=False,
                      conditional=True, validators_trusted=False)
    second = store.feed(FEED)
    assert second is not None
    assert (second.etag, second.body_hash, second.entries_total) == ('"v1"', "h1", 3)  # no body: kept
    assert (second.last_status, second.last_http_status) == ("not-modified", 304)
    assert second.polls_since_verify == 1 and second.validators_trusted is False
    assert second.poll_interval == 900  # none given: kept

    store.record_feed(FEED, "News", status="ok", http_status=200, etag='"v2"', body_hash="h2", changed=True,
                      entries=2, conditional=False)
    third = store.feed(FEED)
    assert third is not None
    assert (third.etag, third.body_hash, third.entries_total, third.polls_since_verify) == ('"v2"', "h2", 5, 0)
    assert third.validators_trusted is False  # not given: kept


def test_feeds_lists_every_feed_by_name(store: StateStore) -> None:
    for name in ("Zeta", "Alpha", "Mid"):
        store.record_feed(f"http://{name.lower()}.test/feed", name, status="ok")
    assert [f.name for f in store.feeds()] == ["Alpha", "Mid", "Zeta"]


# --- articles: pending, claims, leases -----------------------------------------------------

def test_entries_are_new_once_and_round_trip_whole(store: StateStore) -> None:
    assert urls(add(store, 1, 2)) == [entry(1).url, entry(2).url]
    assert add(store, 2, 3) == [entry(3)]
    assert store.article_entry(entry(1).url) == entry(1)  # tuples, every field
    assert store.article_entry("http://news.test/unknown") is None
    assert store.counts() == {"pending": 3, "done": 0, "failed": 0, "failures": 0}


def test_due_lists_pending_oldest_first_with_limit_and_url_filter(store: StateStore) -> None:
    for n in (3, 1, 2):
        add(store, n)
        time.sleep(0.002)
    assert urls(store.due_articles()) == [entry(n).url for n in (3, 1, 2)]
    assert urls(store.due_articles(2)) == [entry(n).url for n in (3, 1)]
    assert urls(store.due_articles(urls=[entry(2).url, entry(3).url])) == [entry(3).url, entry(2).url]
    assert store.due_articles(urls=[]) == []


def test_a_claim_is_exclusive_until_released_or_expired(store: StateStore) -> None:
    add(store, 1, 2, 3)
    mine = store.claim_due("run-a", lease_seconds=60, limit=2)
    assert urls(mine) == [entry(1).url, entry(2).url]
    assert urls(store.claim_due("run-b", lease_seconds=60)) == [entry(3).url]
    assert store.claim_due("run-c", lease_seconds=60) == []
    assert store.due_articles() == []
    assert store.release_leases("run-a", [entry(2).url]) == 1
    assert urls(store.due_articles()) == [entry(2).url]
    assert store.release_leases("run-b") == 1
    assert urls(store.claim_due("run-c", 0.05)) == [entry(2).url, entry(3).url]
    time.sleep(0.1)  # run-c's lease expires: its articles are due again
    assert urls(store.claim_due("run-d", 60, urls=[entry(3).url])) == [entry(3).url]


def test_renewing_keeps_a_claim_alive(store: StateStore) -> None:
    add(store, 1)
    store.claim_due("run-a", 0.3)
    for _ in range(4):
        time.sleep(0.1)
        assert store.renew_leases("run-a", 0.3) == 1
    assert store.claim_due("run-b", 60) == []
    assert store.renew_leases("nobody", 10) == 0


def test_leased_renews_in_the_background_and_releases_after(store: StateStore) -> None:
    add(store, 1, 2)
    store.claim_due("run-a", 0.3)
    with store.leased("run-a", 0.3):
        time.sleep(0.7)  # more than twice the lease: only the heartbeat keeps it
        assert store.claim_due("run-b", 60) == []
    assert urls(store.claim_due("run-b", 60)) == [entry(1).url, entry(2).url]


def test_done_articles_leave_the_queue_and_their_failures_go(store: StateStore) -> None:
    add(store, 1, 2)
    store.claim_due("run-a", 60)
    store.record_failure("fetch", entry(1).url, TimeoutError("slow"), retryable=True)
    store.record_failure("extract", entry(1).url, ValueError("odd"), retryable=False)
    store.mark_done([entry(1).url])
    assert [f.stage for f in store.failures()] == ["extract"]  # only the default stages cleared
    assert store.counts() == {"pending": 1, "done": 1, "failed": 0, "failures": 1}
    assert store.release_leases("run-a") == 1  # the done one's lease went with it
    assert urls(store.due_articles()) == [entry(2).url]


def test_a_failed_article_is_due_again_when_its_retry_time_comes(open_store: Opener) -> None:
    store = open_store(retry_base_delay=0.0, max_attempts=3)
    add(store, 1)
    url = entry(1).url
    store.record_failure("fetch", url, ConnectionError("reset"), retryable=True)
    store.mark_failed(url)
    assert store.counts()["failed"] == 1
    assert urls(store.due_articles()) == [url]
    assert store.due_articles(include_failed=False) == []
    store.record_failure("fetch", url, ConnectionError("reset"), retryable=True)
    store.record_failure("fetch", url, ConnectionError("reset"), retryable=True)  # 3rd: max_attempts
    assert store.due_articles() == []


def test_a_permanently_failed_article_is_not_due_but_can_be_requeued(store: StateStore) -> None:
    add(store, 1, 2)
    store.record_failure("fetch", entry(1).url, ValueError("gone"), retryable=False)
    store.record_failure("fetch", entry(2).url, TimeoutError("slow"), retryable=True)
    store.mark_failed(entry(1).url)
    store.mark_failed(entry(2).url)
    assert store.due_articles() == []  # the transient one waits for its retry time
    assert store.requeue_failed_articles() == 1
    assert urls(store.due_articles()) == [entry(2).url]
    assert store.requeue_failed_articles(include_permanent=True) == 1
    assert store.counts() == {"pending": 2, "done": 0, "failed": 0, "failures": 2}


def test_entries_a_rule_excluded_are_seen_done_and_never_due(store: StateStore) -> None:
    ruled = entry(2, page_rules=PageRules(selector="article .body", paywall=True,
                                          waiting=(((("language", "de"),), ()),)))
    add(store, 1)
    assert store.add_seen([entry(1), ruled, entry(3)], ["doc1", "doc2", "doc3"]) == [ruled, entry(3)]
    assert store.add_seen([ruled], ["doc2"]) == [] and add(store, 2, 3) == []  # known now
    assert store.counts() == {"pending": 1, "done": 2, "failed": 0, "failures": 0}
    assert urls(store.due_articles()) == [entry(1).url]
    assert store.article_entry(ruled.url) == ruled  # the rules an entry carries round-trip


def test_add_manual_queues_new_and_requeues_done(store: StateStore) -> None:
    store.add_manual(entry(1), "doc1")
    assert store.counts()["pending"] == 1
    store.mark_done([entry(1).url])
    store.add_manual(entry(1, title="Changed"), "doc1")
    assert store.counts() == {"pending": 1, "done": 0, "failed": 0, "failures": 0}
    assert store.article_entry(entry(1).url) == entry(1)  # the stored entry is kept


def test_new_aliases_of_a_known_entry_are_merged_and_a_done_one_queued_again(store: StateStore) -> None:
    add(store, 1)
    store.mark_done([entry(1).url])
    proxied = entry(1, aliases=("http://proxy.test/x1",))
    assert store.add_entries([proxied], ["doc1"]) == []
    stored = store.article_entry(entry(1).url)
    assert stored is not None and stored.aliases == ("http://proxy.test/x1",)
    assert store.counts()["pending"] == 1
    store.mark_done([entry(1).url])
    store.claim_identity("doc1", [entry(1).url, "http://proxy.test/x1"])
    assert store.add_entries([proxied], ["doc1"]) == []  # recorded already: nothing to do
    assert store.counts()["pending"] == 0


# --- identity ------------------------------------------------------------------------------

def test_claim_identity_keeps_the_first_known_id_and_lists_every_alias(store: StateStore) -> None:
    assert store.claim_identity("doc-a", ["http://a.test/1", "http://a.test/1", "http://proxy.test/1"]) == (
        "doc-a", ["http://a.test/1", "http://proxy.test/1"])
    time.sleep(0.002)
    chosen, aliases = store.claim_identity("doc-b", ["http://b.test/1", "http://proxy.test/1"])
    assert chosen == "doc-a"
    assert aliases == ["http://a.test/1", "http://proxy.test/1", "http://b.test/1"]
    assert store.claim_identity("doc-c", ["http://c.test/1"]) == ("doc-c", ["http://c.test/1"])


def test_an_article_under_the_other_web_scheme_keeps_its_document(store: StateStore) -> None:
    assert store.claim_identity("doc-http", ["http://a.test/story?id=4"])[0] == "doc-http"
    chosen, aliases = store.claim_identity("doc-https", ["https://a.test/story?id=4"])
    assert chosen == "doc-http"
    assert aliases == ["http://a.test/story?id=4", "https://a.test/story?id=4"]
    # another port is another server: no twin
    assert store.claim_identity("doc-port", ["https://a.test:8443/story?id=4"])[0] == "doc-port"


# --- failures and the retry schedule --------------------------------------------------------

def test_failures_count_attempts_and_schedule_retries_with_jitter(open_store: Opener) -> None:
    store = open_store(retry_base_delay=100.0, max_attempts=3, max_retry_delay=1000.0)
    url = "http://news.test/a/1"
    delays = []
    for attempt in (1, 2, 3):
        before = now()
        failure = store.record_failure("fetch", url, TimeoutError("slow"), retryable=True)
        assert failure.attempts == attempt and failure.retryable and failure.host == "news.test"
        assert (failure.error_class, failure.message) == ("TimeoutError", "slow")
        delays.append(None if failure.next_retry_at is None else from_iso(failure.next_retry_at) - before)
    assert delays[0] is not None and 49 <= delays[0] <= 101
    assert delays[1] is not None and 99 <= delays[1] <= 201
    assert delays[2] is None  # max_attempts reached
    late = store.record_failure("clean", url, TimeoutError("x"), retryable=True, retry_after=700)
    assert late.next_retry_at is not None and from_iso(late.next_retry_at) - now() > 690
    capped = store.record_failure("index", url, TimeoutError("x"), retryable=True, retry_after=99_999)
    assert capped.next_retry_at is not None and from_iso(capped.next_retry_at) - now() <= 1001
    permanent = store.record_failure("extract", url, ValueError(""), retryable=False)
    assert permanent.next_retry_at is None and permanent.message == "ValueError"


def test_failures_are_listed_last_first_by_stage_and_cleared(store: StateStore) -> None:
    store.record_failure("fetch", "http://a.test/1", OSError("a"), retryable=True)
    time.sleep(0.002)
    store.record_failure("clean", "http://a.test/2", OSError("b"), retryable=True)
    assert [f.url for f in store.failures()] == ["http://a.test/2", "http://a.test/1"]
    assert [f.url for f in store.failures("fetch")] == ["http://a.test/1"]
    store.clear_failure("fetch", "http://a.test/1")
    store.clear_failure("fetch", "http://a.test/2")  # another stage's: kept
    assert [f.stage for f in store.failures()] == ["clean"]
    again = store.record_failure("fetch", "http://a.test/1", OSError("a"), retryable=True)
    assert again.attempts == 1


# --- hosts ---------------------------------------------------------------------------------

def test_a_host_is_backed_off_at_the_threshold_doubling_after(store: StateStore) -> None:
    host = "slow.test"
    for _ in range(2):
        assert store.record_host_failure(host, TimeoutError("t"), threshold=3, backoff=100) is None
    assert store.host_backoff(host) is None
    first = store.record_host_failure(host, TimeoutError("t"), threshold=3, backoff=100)
    assert first is not None and 98 <= from_iso(first) - now() <= 101
    assert store.host_backoff(host) == first
    second = store.record_host_failure(host, TimeoutError("t"), threshold=3, backoff=100)
    assert second is not None and 198 <= from_iso(second) - now() <= 201
    [state] = store.hosts(backed_off_only=True)
    assert (state.host, state.consecutive_failures, state.last_error) == (host, 4, "TimeoutError: t")
    store.record_host_success(host)
    assert store.hosts()[0].consecutive_failures == 0
    assert store.host_backoff(host) == second  # a running backoff is left to expire


def test_retry_after_backs_a_host_off_at_once(store: StateStore) -> None:
    until = store.record_host_failure("busy.test", RuntimeError("429"), threshold=5, backoff=100, at_least=50)
    assert until is not None and 48 <= from_iso(until) - now() <= 51
    store.record_host_failure("fine.test", RuntimeError("x"), threshold=5, backoff=100)
    assert [h.host for h in store.hosts(backed_off_only=True)] == ["busy.test"]
    assert [h.host for h in store.hosts()] == ["busy.test", "fine.test"]


# --- robots.txt, prune ----------------------------------------------------------------------

def test_robots_are_kept_until_they_expire(store: StateStore) -> None:
    store.store_robots("http://a.test", 200, "User-agent: *\nDisallow: /private\n", ttl=60)
    assert store.robots("http://a.test") == (200, "User-agent: *\nDisallow: /private\n")
    store.store_robots("http://a.test", 404, "", ttl=60)
    assert store.robots("http://a.test") == (404, "")
    store.store_robots("http://b.test", 200, "x", ttl=0.05)
    time.sleep(0.1)
    assert store.robots("http://b.test") is None
    assert store.robots("http://c.test") is None


# --- host slots and pacing (politeness shared by every process) ---------------------------
def _take(store: StateStore, token: str, host: str = "slots.test", *, limit: int = 2, delay: float = 0.0,
          lease: float = 60.0, owner: str = "run-a") -> float:
    return store.acquire_host_slot(host, owner, token, limit=limit, delay=delay, lease_seconds=lease)


def test_host_slots_are_limited_and_come_back_when_released(open_store: Opener) -> None:
    a, b = open_store(), open_store()  # two processes' connections
    assert _take(a, "t1") == 0 and _take(b, "t2", owner="run-b") == 0
    assert _take(a, "t3") < 0, "both slots held: full"
    assert _take(b, "t4", owner="run-b") < 0
    assert _take(a, "t5", host="other.test") == 0, "another host has its own slots"
    assert a.host_slots_held("slots.test") == 2
    b.release_host_slot("t2")
    assert a.host_slots_held("slots.test") == 1
    assert _take(a, "t3") == 0
    assert _take(b, "t4", owner="run-b") < 0
    a.release_host_slot("no-such-token")  # nothing to give back: no error
    assert _take(a, "t6", host="slots.test", limit=3) == 0, "the limit is the caller's setting"


def test_a_dead_processes_host_slot_expires(open_store: Opener) -> None:
    dead, alive = open_store(), open_store()
    assert _take(dead, "t1", limit=1, lease=0.2) == 0  # its process is killed: never released
    assert _take(alive, "t2", limit=1) < 0
    time.sleep(0.3)
    assert alive.host_slots_held("slots.test") == 0
    assert _take(alive, "t2", limit=1) == 0


def test_host_starts_are_paced_by_the_delay(open_store: Opener) -> None:
    a, b = open_store(), open_store()
    assert _take(a, "t1", limit=5, delay=0.4) == 0
    wait = _take(b, "t2", limit=5, delay=0.4)
    allowed = now() + wait  # at or after the next allowed start
    assert 0 < wait <= 0.4, "told how long until the next start is allowed"
    assert _take(b, "t3", host="other.test", limit=5, delay=0.4) == 0, "paced per host"
    a.release_host_slot("t1")
    assert _take(b, "t2", limit=5, delay=0.4) > 0, "a released slot does not shorten the gap"
    time.sleep(max(0.0, allowed - now()))
    assert _take(b, "t2", limit=5, delay=0.4) == 0
    assert _take(a, "t4", limit=5, delay=0.0) > 0, "the gap set by the last start holds"


def test_concurrent_slot_takers_never_exceed_the_limit_or_the_gap(open_store: Opener) -> None:
    stores = [open_store() for _ in range(4)]
    lock = threading.Lock()
    held: list[int] = [0, 0]  # now, most seen
    taken: list[tuple[float, float]] = []
    """Per slot taken: the clock before and after the acquire call that took it."""

    def work(i: int) -> None:
        for n in range(5):
            token = f"{i}-{n}"
            while True:
                before = now()
                wait = _take(stores[i], token, limit=2, delay=0.05, owner=f"run-{i}")
                if wait == 0:
                    break
                time.sleep(wait if wait > 0 else 0.005)
            with lock:
                taken.append((before, now()))
                held[0] += 1
                held[1] = max(held[1], held[0])
            time.sleep(0.12)  # the request: longer than the gap, so two overlap
            with lock:
                held[0] -= 1
            stores[i].release_host_slot(token)

    _in_threads(len(stores), work)
    assert len(taken) == 20
    assert held[1] == 2, "two requests at once, never more"
    # each slot was taken at some instant inside its call; two such instants are >= 0.05 s
    # apart, so no two calls can both lie within a shorter span
    spans = [max(x[1], y[1]) - min(x[0], y[0]) for i, x in enumerate(taken) for y in taken[i + 1:]]
    assert min(spans) >= 0.05, sorted(spans)[:3]


def test_prune_forgets_old_done_articles_and_permanent_failures_only(store: StateStore) -> None:
    add(store, 1, 2, 3)
    store.mark_done([entry(1).url])
    store.mark_failed(entry(2).url)
    store.record_failure("fetch", entry(2).url, ValueError("gone"), retryable=False)
    store.record_failure("fetch", entry(3).url, TimeoutError("slow"), retryable=True)
    assert store.prune(30) == {"articles": 0, "failures": 0}
    time.sleep(0.01)
    assert store.prune(0) == {"articles": 1, "failures": 1}
    assert store.counts() == {"pending": 1, "done": 0, "failed": 1, "failures": 1}
    assert add(store, 1) == [entry(1)]  # forgotten: new again


# --- the schema -----------------------------------------------------------------------------

def test_reopening_keeps_everything(open_store: Opener) -> None:
    first = open_store()
    add(first, 1)
    first.record_failure("fetch", entry(1).url, OSError("x"), retryable=True)
    first.close()
    again = open_store()
    assert again.counts() == {"pending": 1, "done": 0, "failed": 0, "failures": 1}


def test_a_database_of_a_newer_schema_is_refused(state_target: str, open_store: Opener) -> None:
    open_store().close()
    if state_target.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(state_target, autocommit=True) as conn:
            conn.execute("UPDATE schema_version SET version = 99")
    else:
        with sqlite3.connect(state_target) as conn:
            conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ConfigError, match="schema version 99, newer"):
        StateStore(state_target)


# --- concurrency: separate connections ------------------------------------------------------

def _in_threads(n: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            work(i)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors


def test_concurrent_claimers_never_get_the_same_article(open_store: Opener) -> None:
    add(open_store(), *range(300))
    stores = [open_store() for _ in range(4)]
    got: list[list[str]] = [[] for _ in stores]
    start = threading.Barrier(len(stores))

    def claim(i: int) -> None:
        start.wait()
        while batch := stores[i].claim_due(f"run-{i}", 60, limit=7):
            got[i].extend(urls(batch))
            time.sleep(0.005)  # "process" the batch, as a run would, letting the others in

    _in_threads(len(stores), claim)
    claimed = [u for batch in got for u in batch]
    assert len(claimed) == len(set(claimed)) == 300
    assert sum(1 for batch in got if batch) >= 2  # they really competed


def test_concurrent_counters_lose_no_update(open_store: Opener) -> None:
    stores = [open_store() for _ in range(4)]

    def fail(i: int) -> None:
        for _ in range(10):
            stores[i].record_host_failure("shared.test", OSError("x"), threshold=0, backoff=1)
            stores[i].record_failure("fetch", "http://shared.test/a", OSError("x"), retryable=True)

    _in_threads(len(stores), fail)
    [host] = stores[0].hosts()
    assert host.consecutive_failures == 40
    assert stores[0].failures()[0].attempts == 40


def test_concurrent_identity_claims_agree_on_one_id(open_store: Opener) -> None:
    stores = [open_store() for _ in range(4)]
    answers: list[str] = ["" for _ in stores]

    def claim(i: int) -> None:
        answers[i] = stores[i].claim_identity(f"doc-{i}", ["http://x.test/story", f"http://proxy{i}.test/s"])[0]

    _in_threads(len(stores), claim)
    assert len(set(answers)) == 1


# --- PostgreSQL only: the setting's secrets --------------------------------------------------

def test_a_wrong_password_is_a_config_error_without_the_secret(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = pg_url.replace(":pg-test-superuser-pw@", ":not-the-Right-pw-42@")
    assert wrong != pg_url
    with caplog.at_level(logging.DEBUG), pytest.raises(ConfigError) as raised:
        StateStore(wrong)
    message = str(raised.value)
    assert "state_url" in message and "NEWSFLOW_STATE_URL" in message and "password authentication" in message
    assert "not-the-Right-pw-42" not in message and "not-the-Right-pw-42" not in caplog.text
    assert raised.value.__cause__ is None and raised.value.__suppress_context__  # no driver text chained


def test_an_unreachable_server_is_a_config_error_naming_the_setting(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConfigError) as raised:
        StateStore(f"postgresql://u:hush-hush-77@127.0.0.1:{port}/db")
    assert "state_url" in str(raised.value) and "hush-hush-77" not in str(raised.value)
    assert "postgresql://u:***@127.0.0.1" in str(raised.value)


# --- SimHash clusters: one more table of the same database -----------------------------------

def test_clusters_live_in_the_state_database_on_either_backend(state_target: str) -> None:
    from newsflow.clustering import ClusterStore, assign_clusters

    base = 0x0F0F_1234_5678_9ABC
    with ClusterStore(state_target) as clusters:
        got = assign_clusters(clusters, [("late", base ^ 0b11, "2025-03-02T00:00:00Z"),
                                         ("early", base, "2025-03-01T00:00:00Z"), ("alone", ~base & (2**64 - 1), None)])
        assert got == {"late": "early", "early": "early", "alone": "alone"}
    with ClusterStore(state_target) as clusters:  # kept, and beside the state tables
        assert [m.doc_id for m in clusters.members("early")] == ["early", "late"]
        assert assign_clusters(clusters, [("late", base ^ 0b11, None)]) == {"late": "early"}
        clusters.remove("late")
        assert clusters.count() == 2 and clusters.get("late") is None
    StateStore(state_target).close()


CLUSTER_WORKER = """
import json, sys
from newsflow.clustering import ClusterStore, assign_clusters
target, batch, items = sys.argv[1], int(sys.argv[2]), json.loads(sys.stdin.read())
with ClusterStore(target) as store:
    for start in range(0, len(items), batch):
        assign_clusters(store, [(d, v, None) for d, v in items[start:start + batch]])
"""


def test_two_processes_in_opposite_orders_give_the_single_process_cluster_ids(
    state_target: str, tmp_path: Path
) -> None:
    """Two real processes share one store and take the same articles (families of near
    copies joined only through a member in the middle) in opposite orders, three at a
    time, at once: the stored ids equal a single process's."""
    from newsflow.clustering import ClusterStore, assign_clusters

    items: list[tuple[str, int]] = []
    for family in range(8):
        base = (0x9E37_79B9_7F4A_7C15 * (family + 1)) & (2**64 - 1)
        # x - y - z: x and z are 6 bits apart (not near), y 3 bits from each
        items += [(f"f{family}-x", base), (f"f{family}-y", base ^ 0b111), (f"f{family}-z", base ^ 0b111111),
                  (f"f{family}-alone", base ^ (2**64 - 1))]
    with ClusterStore(tmp_path / "reference.db") as store:
        reference = assign_clusters(store, [(d, v, None) for d, v in items])
    assert reference["f3-z"] == reference["f3-x"] == "f3-x" and reference["f3-alone"] == "f3-alone"

    StateStore(state_target).close()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    orders = [items, list(reversed(items))]
    procs = [subprocess.Popen([sys.executable, "-c", CLUSTER_WORKER, state_target, "3"], stdin=subprocess.PIPE,
                              env=env, text=True) for _ in orders]
    for proc, order in zip(procs, orders, strict=True):
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(order))
        proc.stdin.close()
    assert [proc.wait(timeout=120) for proc in procs] == [0, 0]
    with ClusterStore(state_target) as store:
        assert store.count() == len(items)
        assert store.cluster_ids([d for d, _ in items]) == reference


def test_concurrent_cluster_batches_found_one_cluster(state_target: str) -> None:
    from newsflow.clustering import ClusterStore, assign_clusters

    StateStore(state_target).close()
    stores = [ClusterStore(state_target) for _ in range(4)]
    answers: list[dict[str, str]] = [{} for _ in stores]
    start = threading.Barrier(len(stores))

    def assign(i: int) -> None:
        start.wait()
        answers[i] = assign_clusters(stores[i], [(f"copy-{i}", 0xDEAD_BEEF_0000_0000 ^ i, "2025-05-01T00:00:00Z")])

    try:
        _in_threads(len(stores), assign)
        # whatever the order, one cluster with the smallest id; the batch of "copy-0" reports
        # the members stored before it as moved to it
        assert stores[0].cluster_ids([f"copy-{i}" for i in range(4)]) == {f"copy-{i}": "copy-0" for i in range(4)}
        assert len(stores[0].members("copy-0")) == 4
        assert set(answers[0].values()) == {"copy-0"} and "copy-0" in answers[0]
    finally:
        for store in stores:
            store.close()
