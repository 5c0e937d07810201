"""The real client and pipeline against a misbehaving server on 127.0.0.1: every fault ends as
the right recorded outcome (refused with its reason, retried, or recovered), and the good feed
in the same run is still indexed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import make_settings
from fault_server import FaultSite, article, rss

from newsflow import pipeline
from newsflow.config import Settings
from newsflow.demo_server import DemoServer, send, serving
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore
from newsflow.urls import doc_id

GOOD_TITLE = "Good neighbour feed keeps working"


@pytest.fixture
def fault_site(tmp_path: Path) -> Iterator[tuple[DemoServer, FaultSite]]:
    site_dir = tmp_path / "faults"
    site_dir.mkdir()
    (site_dir / "ok.html").write_text(article("Harbour chain end"))
    (site_dir / "private").mkdir()
    (site_dir / "private" / "secret.html").write_text(article("Secret"))
    faults = FaultSite()
    server = DemoServer(site_dir, routes=faults.routes()).start()
    faults.base = server.base_url
    try:
        yield server, faults
    finally:
        faults.stop()
        server.stop()


@pytest.fixture
def good_site(tmp_path: Path) -> Iterator[DemoServer]:
    """A well-behaved publisher on another port (another host for pacing and backoff)."""
    site_dir = tmp_path / "good"
    site_dir.mkdir()
    (site_dir / "good.html").write_text(article(GOOD_TITLE))
    (site_dir / "feed.xml").write_bytes(rss("{{BASE}}", "/good.html", title="Good"))
    with serving(site_dir) as server:
        yield server


def fault_settings(tmp_path: Path, **changes: Any) -> Settings:
    base = {
        "read_timeout": 1.0, "connect_timeout": 2.0, "total_timeout": 3.0, "fetch_workers": 8,
        "per_host_concurrency": 8, "max_page_bytes": 2_000_000, "max_feed_bytes": 2_000_000,
        "host_failure_threshold": 0, "max_redirects": 5,
    }
    base.update(changes)
    return make_settings(tmp_path / "data", **base)


def failures(settings: Settings) -> dict[tuple[str, str], Any]:
    state = StateStore(settings.state_file)
    try:
        return {(f.stage, f.url.split("/", 3)[-1]): f for f in state.failures()}
    finally:
        state.close()


def indexed_titles(settings: Settings) -> set[str]:
    backend = EmbeddedBackend(settings.index_file)
    try:
        return {doc["title"] for doc in backend.iter_documents()}
    finally:
        backend.close()


PAGE_CASES: dict[str, tuple[str, str, str, bool]] = {
    # path: (stage, error class, reason in the message, retryable)
    "slow-headers.html": ("fetch", "FetchTimeout", "timed out", True),
    "hang.html": ("fetch", "FetchTimeout", "timed out", True),
    "trickle.html": ("fetch", "FetchTimeout", "total timeout", True),
    "loop-a.html": ("fetch", "RedirectError", "redirect loop", False),
    "self-loop.html": ("fetch", "RedirectError", "redirect loop", False),
    "chain/9.html": ("fetch", "RedirectError", "more than 5 redirects", False),
    "to-private.html": ("fetch", "UnsafeURL", "10.0.0.1 is a private address", False),
    "to-metadata.html": ("fetch", "UnsafeURL", "link-local address", False),
    "to-file.html": ("fetch", "UnsafeURL", "only http and https", False),
    "truncated.html": ("fetch", "ServerError", "truncated body or wrong Content-Length", True),
    "bomb.html": ("fetch", "BadContent", "decompressed body larger than the 2000000 byte limit", False),
    "brotli.html": ("fetch", "BadContent", "unsupported Content-Encoding 'br'", False),
    "huge.html": ("fetch", "BadContent", "larger than the 2000000 byte limit", False),
    "binary.html": ("fetch", "BadContent", "a PNG image although served as text/html", False),
    "private/secret.html": ("fetch", "DisallowedByRobots", "disallowed by robots.txt", False),
    "missing.html": ("fetch", "NotFound", "HTTP 404", False),
}
PAGES_INDEXED = {
    "chain/3.html": "Harbour chain end",          # three redirects, then the page
    "gzip-ok.html": "Gzip harbour",
    "deflate-raw.html": "Deflate harbour",
    "charset-wrong.html": "Café reopens in Zürich",  # says utf-8, is cp1252
    "charset-absent.html": "Порт снова открыт",      # no HTTP charset, <meta charset=windows-1251>
    "charset-bogus.html": "Harbour bogus charset",   # unknown charset name, stray bytes
}
FEED_CASES: dict[str, tuple[str, str, bool]] = {
    "laughs.xml": ("UnsafeFeed", "declares XML entities", False),
    "xxe.xml": ("UnsafeFeed", "declares XML entities", False),
    "dtd.xml": ("UnsafeFeed", "references an external DTD", False),
    "bomb.xml": ("BadContent", "decompressed body larger than", False),
    "slow-headers.xml": ("FetchTimeout", "timed out", True),
}


def test_every_fault_is_refused_or_recovered_and_the_good_feed_completes(
    fault_site: tuple[DemoServer, FaultSite], good_site: DemoServer, tmp_path: Path
) -> None:
    server, faults = fault_site
    base = server.base_url
    (Path(server.root) / "faults.xml").write_bytes(
        rss(base, *(f"/{p}" for p in [*PAGE_CASES, *PAGES_INDEXED]), title="Faults")
    )
    feeds = [
        FeedSource(url=f"{good_site.base_url}/feed.xml", name="good"),
        FeedSource(url=f"{base}/faults.xml", name="faults"),
        *(FeedSource(url=f"{base}/{name}", name=name) for name in FEED_CASES),
    ]
    settings = fault_settings(tmp_path)
    summary = pipeline.run(settings, feeds=feeds)

    assert summary.feeds_polled == len(feeds)
    assert summary.feeds_failed == len(FEED_CASES)
    assert summary.articles_failed == len(PAGE_CASES)
    assert summary.articles_new == len(PAGES_INDEXED) + 1
    assert indexed_titles(settings) == {GOOD_TITLE, *PAGES_INDEXED.values()}

    recorded = failures(settings)
    expected = {("fetch", p): v for p, v in PAGE_CASES.items()}
    expected.update({("poll", p): ("poll", *v) for p, v in FEED_CASES.items()})
    assert set(recorded) == set(expected)
    for key, (_stage, error_class, reason, retryable) in expected.items():
        failure = recorded[key]
        assert failure.error_class == error_class, (key, failure.message)
        assert reason in failure.message, (key, failure.message)
        assert failure.retryable is retryable, key
        assert failure.host == server.base_url.split("//")[1]

    assert faults.count("/robots.txt") == 1, "robots.txt fetched once per run"
    assert server.count("/private/") == 0, "a disallowed page is never requested"
    assert faults.huge_bytes_sent < 50_000_000, "the 200 MB page was abandoned at the limit"
    doc = _doc(settings, f"{base}/charset-wrong.html")
    assert "naïve façade" in doc["text"]
    doc = _doc(settings, f"{base}/charset-absent.html")
    assert "Порт Эллис" in doc["text"]


def _doc(settings: Settings, url: str) -> dict[str, Any]:
    backend = EmbeddedBackend(settings.index_file)
    try:
        doc = backend.get(doc_id(url))
    finally:
        backend.close()
    assert doc is not None, url
    return doc


def test_short_content_length_does_not_poison_the_next_request(
    fault_site: tuple[DemoServer, FaultSite], good_site: DemoServer, tmp_path: Path
) -> None:
    server, _ = fault_site
    (Path(server.root) / "short.xml").write_bytes(rss(server.base_url, "/short-length.html", "/chain/1.html"))
    settings = fault_settings(tmp_path, per_host_concurrency=1, fetch_workers=1)
    summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/short.xml", name="short")])
    recorded = failures(settings)
    # the page is cut at its declared length: no article text, a clean permanent failure
    assert [(k, f.error_class) for k, f in recorded.items()] == [(("clean", "short-length.html"), "ExtractionError")]
    assert summary.articles_new == 1, "the request after the junk bytes still works"


def test_retry_after_sets_the_next_retry_and_backs_the_host_off(
    fault_site: tuple[DemoServer, FaultSite], good_site: DemoServer, tmp_path: Path
) -> None:
    server, _ = fault_site
    (Path(server.root) / "slow.xml").write_bytes(rss(server.base_url, "/429.html", "/chain/1.html"))
    feeds = [FeedSource(url=f"{server.base_url}/slow.xml", name="429"),
             FeedSource(url=f"{good_site.base_url}/feed.xml", name="good")]
    settings = fault_settings(tmp_path, per_host_concurrency=1, fetch_workers=1)
    first = pipeline.run(settings, feeds=feeds)
    failure = failures(settings)[("fetch", "429.html")]
    assert failure.retryable and "Retry-After: 120" in failure.message
    wait = _seconds_until(failure.next_retry_at)
    assert 100 <= wait <= 125, "retry_base_delay is 0 here: the server's Retry-After decides"
    assert GOOD_TITLE in indexed_titles(settings)

    state = StateStore(settings.state_file)
    host = server.base_url.split("//")[1]
    assert state.host_backoff(host) is not None, "a 429 backs the whole host off"
    state.close()
    # the next run neither polls the host's feed nor fetches its pages
    requests_before = len(server.requests)
    second = pipeline.run(settings, feeds=feeds)
    assert len(server.requests) == requests_before
    assert second.feeds_skipped == 1 and second.feeds_unchanged == 1
    assert first.articles_deferred == 1, "the host's other page waits for the backoff"
    assert second.articles_deferred == 1, "…also in the next run (the 429 page itself is not due yet)"

    shown = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "--data-dir", str(settings.data_dir), "failures", "--json"],
        capture_output=True, text=True, check=True, env=_cli_env(),
    )
    data = json.loads(shown.stdout)
    assert [h["host"] for h in data["hosts_backed_off"]] == [host]
    assert data["by_host"] == {host: 1}
    assert data["failures"][0]["next_retry_at"] == failure.next_retry_at
    text = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "--data-dir", str(settings.data_dir), "failures"],
        capture_output=True, text=True, check=True, env={**_cli_env(), "COLUMNS": "200"},
    ).stdout
    assert "hosts backed off" in text and "failures by host" in text


def _cli_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}


def _seconds_until(when: str | None) -> float:
    assert when is not None
    return (datetime.fromisoformat(when.replace("Z", "+00:00")) - datetime.now(UTC)).total_seconds()


def test_a_503_burst_is_retried_until_it_succeeds(
    fault_site: tuple[DemoServer, FaultSite], tmp_path: Path
) -> None:
    server, faults = fault_site
    faults.fail_first["/burst.html"] = 2
    (Path(server.root) / "burst.xml").write_bytes(rss(server.base_url, "/burst.html"))
    feeds = [FeedSource(url=f"{server.base_url}/burst.xml", name="burst")]
    settings = fault_settings(tmp_path)
    for attempt in (1, 2):
        summary = pipeline.run(settings, feeds=feeds)
        assert summary.articles_failed == 1
        failure = failures(settings)[("fetch", "burst.html")]
        assert failure.attempts == attempt and failure.error_class == "ServerError" and failure.retryable
    summary = pipeline.run(settings, feeds=feeds)
    assert summary.articles_new == 1 and summary.articles_failed == 0
    assert faults.count("/burst.html") == 3, "two failures, one success: no extra requests"
    assert failures(settings) == {}
    assert "Burst harbour" in indexed_titles(settings)


def test_transient_failures_stop_after_max_attempts(
    fault_site: tuple[DemoServer, FaultSite], tmp_path: Path
) -> None:
    server, faults = fault_site
    (Path(server.root) / "down.xml").write_bytes(rss(server.base_url, "/always-500.html"))
    feeds = [FeedSource(url=f"{server.base_url}/down.xml", name="down")]
    settings = fault_settings(tmp_path, max_attempts=3)
    for _ in range(5):
        pipeline.run(settings, feeds=feeds)
    failure = failures(settings)[("fetch", "always-500.html")]
    assert failure.attempts == 3 and failure.next_retry_at is None
    assert faults.count("/always-500.html") == 3


def test_backoff_grows_exponentially_with_jitter(tmp_path: Path) -> None:
    from newsflow.errors import ServerError

    state = StateStore(tmp_path / "state.db", retry_base_delay=100, max_attempts=10, max_retry_delay=1000)
    waits = []
    for _ in range(6):
        failure = state.record_failure("fetch", "http://example.org/a", ServerError("x"), retryable=True)
        waits.append(_seconds_until(failure.next_retry_at))
    state.close()
    for attempt, wait in enumerate(waits, start=1):
        full = min(100 * 2 ** (attempt - 1), 1000)
        assert full / 2 - 2 <= wait <= full + 2, (attempt, wait)


def test_a_host_that_keeps_failing_is_backed_off_as_a_whole(
    fault_site: tuple[DemoServer, FaultSite], good_site: DemoServer, tmp_path: Path
) -> None:
    server, faults = fault_site
    (Path(server.root) / "down.xml").write_bytes(rss(server.base_url, "/always-500.html", "/burst.html"))
    faults.fail_first["/burst.html"] = 100
    feeds = [FeedSource(url=f"{server.base_url}/down.xml", name="down"),
             FeedSource(url=f"{good_site.base_url}/feed.xml", name="good")]
    settings = fault_settings(tmp_path, host_failure_threshold=2, host_backoff=600, per_host_concurrency=1)
    host = server.base_url.split("//")[1]
    pipeline.run(settings, feeds=feeds)
    state = StateStore(settings.state_file)
    assert state.hosts(backed_off_only=True) == [], "two failures in one run are one strike"
    state.close()
    pipeline.run(settings, feeds=feeds)  # the second run in a row with failures: the threshold
    state = StateStore(settings.state_file)
    [backed] = state.hosts(backed_off_only=True)
    state.close()
    assert backed.host == host and backed.consecutive_failures == 2
    assert 550 <= _seconds_until(backed.backoff_until) <= 605
    before = len(server.requests)
    summary = pipeline.run(settings, feeds=feeds)
    assert len(server.requests) == before, "no request to a backed-off host"
    assert summary.feeds_skipped == 1
    assert summary.articles_deferred == 2, "due again (retry_base_delay is 0) but the host is backed off"
    assert GOOD_TITLE in indexed_titles(settings)


def test_the_etag_that_lies_is_caught_by_the_body_hash(
    fault_site: tuple[DemoServer, FaultSite], tmp_path: Path
) -> None:
    server, faults = fault_site
    base = server.base_url
    faults.etag_body = rss(base, "/chain/1.html")
    feeds = [FeedSource(url=f"{base}/etag-lies.xml", name="liar")]
    settings = fault_settings(tmp_path, feed_verify_every=2)
    assert pipeline.run(settings, feeds=feeds).feeds_changed == 1
    faults.etag_body = rss(base, "/chain/1.html", "/gzip-ok.html")  # new entry, same ETag "v1"
    second = pipeline.run(settings, feeds=feeds)
    assert second.feeds_unchanged == 1, "the server's 304 hides the change"
    third = pipeline.run(settings, feeds=feeds)  # every 2nd poll verifies unconditionally
    assert third.feeds_changed == 1 and third.entries_new == 1
    state = StateStore(settings.state_file)
    feed_state = state.feed(feeds[0].url)
    state.close()
    assert feed_state is not None and feed_state.validators_trusted is False
    requests = [headers for _, path, headers in server.requests if path == "/etag-lies.xml"]
    assert "if-none-match" in requests[1] and "if-none-match" not in requests[2]
    fourth = pipeline.run(settings, feeds=feeds)
    assert fourth.feeds_unchanged == 1, "unchanged by body hash"
    last = [headers for _, path, headers in server.requests if path == "/etag-lies.xml"][-1]
    assert "if-none-match" not in last, "an untrusted feed is fetched unconditionally"
    assert "Gzip harbour" in indexed_titles(settings)


def test_same_etag_with_a_new_body_marks_validators_untrusted(tmp_path: Path) -> None:
    """A server that ignores If-None-Match and keeps its ETag while the body changes."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "a.html").write_text(article("Ignored validators"))
    version = {"n": 0}

    def feed(h: Any) -> None:
        version["n"] += 1
        paths = ["/a.html"] if version["n"] == 1 else ["/a.html", "/b.html"]
        send(h, 200, rss(server.base_url, *paths), "application/rss+xml", {"ETag": '"same"'})

    with serving(site_dir, routes={"/feed.xml": feed}) as server:
        settings = fault_settings(tmp_path)
        feeds = [FeedSource(url=f"{server.base_url}/feed.xml", name="f")]
        pipeline.run(settings, feeds=feeds)
        summary = pipeline.run(settings, feeds=feeds)
        assert summary.feeds_changed == 1 and summary.entries_new == 1
        state = StateStore(settings.state_file)
        feed_state = state.feed(feeds[0].url)
        state.close()
        assert feed_state is not None and not feed_state.validators_trusted


def test_adaptive_poll_interval_skips_feeds_not_due_only_when_asked(
    demo_server: DemoServer, demo_feeds: list[FeedSource], tmp_path: Path
) -> None:
    feeds = demo_feeds[:2]
    settings = fault_settings(tmp_path, min_poll_interval=900, max_poll_interval=2000)
    pipeline.run(settings, feeds=feeds)
    state = StateStore(settings.state_file)
    assert {f.poll_interval for f in state.feeds()} == {900}
    state.close()
    skipped = pipeline.run(settings.replace(respect_poll_intervals=True), feeds=feeds)
    assert skipped.feeds_skipped == 2 and skipped.feeds_polled == 0
    forced = pipeline.run(settings, feeds=feeds)  # the default: poll everything
    assert forced.feeds_polled == 2 and forced.feeds_unchanged == 2
    pipeline.run(settings, feeds=feeds)
    pipeline.run(settings, feeds=feeds)
    state = StateStore(settings.state_file)
    assert {f.poll_interval for f in state.feeds()} == {2000}, "900 → 1350 → 2000 (capped)"
    state.close()


def test_ssrf_guard_refuses_loopback_without_the_allowlist(
    good_site: DemoServer, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path / "data", retry_base_delay=0.0)  # no allow_hosts
    summary = pipeline.run(settings, feeds=[FeedSource(url=f"{good_site.base_url}/feed.xml", name="good")])
    assert summary.feeds_failed == 1
    [failure] = failures(settings).values()
    assert failure.error_class == "UnsafeURL" and not failure.retryable
    assert "127.0.0.1 is a loopback address" in failure.message and "allow_hosts" in failure.message
    assert good_site.count("/") == 0, "refused before connecting"
    allowed = pipeline.run(settings.replace(allow_hosts=("127.0.0.0/8",)), feeds=[
        FeedSource(url=f"{good_site.base_url}/feed.xml", name="good")])
    assert allowed.articles_new == 1
