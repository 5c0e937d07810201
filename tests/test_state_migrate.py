"""``newsflow state migrate --to postgresql://…`` on a real PostgreSQL: every table of an
embedded state store arrives with its meaning, a non-empty target is refused unless
``--force`` (a merge, idempotent), and the password shows nowhere."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import psycopg
import pytest

from newsflow.clustering import ClusterStore, assign_clusters
from newsflow.errors import ConfigError
from newsflow.models import FeedEntry
from newsflow.state import StateStore
from newsflow.state.migrate import copy_state
from newsflow.stories import StoryItem, StoryStore, assign_stories

FEED = "http://paper.test/rss"


def entry(n: int, **changes: object) -> FeedEntry:
    values: dict[str, object] = {"url": f"http://paper.test/s/{n}", "feed_url": FEED, "source": "Paper",
                                 "title": f"Item {n}", "tags": ("t",)}
    values.update(changes)
    return FeedEntry(**values)  # type: ignore[arg-type]


def fill(path: Path) -> None:
    """A state file with rows in every table, including leases, failures and a backoff."""
    state = StateStore(path, retry_base_delay=0.0)
    try:
        state.record_feed(FEED, "Paper", status="ok", http_status=200, etag='"e1"', body_hash="b1", changed=True,
                          entries=4, validators_trusted=False, conditional=False, poll_interval=1800)
        state.add_entries([entry(n) for n in range(1, 5)], [f"doc{n}" for n in range(1, 5)])
        state.mark_done([entry(1).url])
        state.claim_identity("doc1", [entry(1).url, "http://proxy.test/1"])
        state.record_failure("fetch", entry(2).url, TimeoutError("slow"), retryable=True)
        state.record_failure("fetch", entry(2).url, TimeoutError("slow"), retryable=True)
        state.mark_failed(entry(2).url)
        state.record_failure("clean", entry(3).url, ValueError("bad"), retryable=False)
        state.mark_failed(entry(3).url)
        state.record_host_failure("flaky.test", OSError("down"), threshold=1, backoff=3600)
        state.store_robots("http://paper.test", 200, "User-agent: *\nAllow: /\n", ttl=3600)
        state.claim_due("run-x", 600, urls=[entry(4).url])
        state.record_hub(FEED, "http://hub.test/", FEED)
        state.subscription_requested(FEED, "cb1", "s3cret")
        state.subscription_verified(FEED, 3600)
        state.add_sitemap_entries("http://paper.test/sitemap.xml", [(entry(1), "doc1", "2025-01-01T00:00:00Z")],
                                  limit=10)  # known from the feed: its lastmod is recorded
        state.add_alert("floods", '{"text": "flood"}', "http://127.0.0.1:9/hook")
        state.record_matches("floods", [("doc1", "k1", "{}"), ("doc4", "k4", "{}")], 1.7e9)
        state.deliveries_done("floods", ["k1"])
    finally:
        state.close()
    with ClusterStore(path) as clusters:
        assign_clusters(clusters, [("doc1", 0xABCD, "2025-01-01T00:00:00Z"), ("doc4", 0xABCF, "2025-01-02T00:00:00Z")])
    with StoryStore(path) as stories:  # a copy of doc1 (one cluster) joins its thread
        assign_stories(stories, [story_item("doc1", "doc1", 0.0), story_item("doc4", "doc1", 3600.0)])


def snapshot(target: str) -> dict[str, object]:
    """Everything the store answers, through its API (the same on both backends)."""
    state = StateStore(target)
    try:
        data: dict[str, object] = {
            "feeds": state.feeds(), "counts": state.counts(), "failures": state.failures(),
            "hosts": state.hosts(), "robots": state.robots("http://paper.test"),
            "due": state.due_articles(), "entries": [state.article_entry(entry(n).url) for n in range(1, 5)],
            "identity": state.claim_identity("other", ["http://proxy.test/1"]),
            "websub": [(s, s.secret) for s in state.subscriptions()], "pushed": state.pushed_feeds(),
            "sitemap_urls": state.sitemap_urls_known(),
            "alerts": state.alerts(), "deliveries": state.alert_deliveries("floods"),
        }
    finally:
        state.close()
    with ClusterStore(target) as clusters:
        data["clusters"] = [clusters.members("doc1"), clusters.count()]
    with StoryStore(target) as stories:
        data["stories"] = [stories.story_ids(["doc1", "doc4"]), stories.threads(), stories.decisions()]
    return data


def story_item(doc_id: str, cluster_id: str, seconds: float) -> StoryItem:
    return StoryItem(doc_id, cluster_id, 1_750_000_000.0 + seconds, "paper.test", "en", f"Item {doc_id}",
                     ("Paris",), ("item",), np.ones(384, dtype=np.float32).tobytes(), f"key-{doc_id}")


def test_every_table_arrives_with_its_meaning(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "state.db"
    fill(source)
    before = snapshot(str(source))
    copied = copy_state(source, pg_url)
    assert copied == {"feeds": 1, "articles": 4, "failures": 2, "hosts": 1, "robots": 1, "aliases": 2,
                      "simhash_clusters": 2, "websub": 1, "sitemap_urls": 1,
                      "alerts": 1, "alert_deliveries": 2, "story_articles": 2, "stories": 1, "story_decisions": 2}
    assert snapshot(pg_url) == before
    state = StateStore(pg_url)
    try:
        bumped = [(entry(1), "doc1", "2025-02-01T00:00:00Z")]  # later than the lastmod that came along
        assert [e.url for e in state.add_sitemap_entries("http://paper.test/sitemap.xml", bumped, limit=10)[1]] == [
            entry(1).url]
        state.mark_done([entry(1).url])
        claimed = [e.url for e in state.claim_due("run-y", 60)]
        assert claimed == [entry(2).url]  # its retry is due; run-x's lease on 4 came along
        new = state.record_failure("index", entry(4).url, OSError("x"), retryable=True)
        assert new.id > max(f.id for f in state.failures() if f.stage != "index")  # ids continue past the copy
    finally:
        state.close()


def test_a_non_empty_target_is_refused_unless_merged_and_merging_is_idempotent(tmp_path: Path, pg_url: str) -> None:
    source = tmp_path / "state.db"
    fill(source)
    copy_state(source, pg_url)
    with pytest.raises(ConfigError, match=r"already holds state .*--force"):
        copy_state(source, pg_url)
    target = StateStore(pg_url)
    try:
        target.add_entries([entry(9)], ["doc9"])  # only the target has it
        target.mark_done([entry(2).url])  # the source's row wins on merge
    finally:
        target.close()
    copy_state(source, pg_url, merge=True)
    once = snapshot(pg_url)
    copy_state(source, pg_url, merge=True)
    assert snapshot(pg_url) == once
    state = StateStore(pg_url)
    try:
        assert state.article_entry(entry(9).url) == entry(9)
        assert state.counts() == {"pending": 2, "done": 1, "failed": 2, "failures": 2}
    finally:
        state.close()


def test_the_command_copies_and_never_shows_the_password(tmp_path: Path, pg_url: str) -> None:
    fill(tmp_path / "state.db")
    password = pg_url.split(":")[2].split("@")[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}

    def newsflow(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "newsflow.cli", "--data-dir", str(tmp_path), *args],
                              capture_output=True, text=True, timeout=120, env=env)

    done = newsflow("state", "migrate", "--to", pg_url, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["copied"]["articles"] == 4 and password not in done.stdout + done.stderr
    again = newsflow("state", "migrate", "--to", pg_url)
    assert again.returncode == 2 and "--force" in again.stderr and password not in again.stdout + again.stderr
    assert "Traceback" not in again.stderr
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM articles").fetchone() == (4,)
    wrong = newsflow("state", "migrate", "--to", pg_url.replace(password, "nope-" + password[::-1]))
    assert wrong.returncode == 2 and "state_url" in wrong.stderr and password[::-1] not in wrong.stderr


def test_a_missing_source_or_a_non_postgres_target_is_a_config_error(tmp_path: Path, pg_url: str) -> None:
    with pytest.raises(ConfigError, match="no state file"):
        copy_state(tmp_path / "absent.db", pg_url)
    with pytest.raises(ConfigError, match="not a postgresql:// URL"):
        copy_state(tmp_path / "absent.db", str(tmp_path / "other.db"))
