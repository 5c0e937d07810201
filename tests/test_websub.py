"""WebSub push end to end: our subscriber and callback endpoint against a spec-following hub
(benchmarks/websub_hub.py), a publisher and the real pipeline, all on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import make_settings
from websub_site import feed_xml, free_port, publisher, wait_for

from benchmarks.websub_hub import WebSubHub
from newsflow import pipeline
from newsflow.config import Settings
from newsflow.demo_server import DemoServer
from newsflow.feeds import dump_feed_list
from newsflow.index import SearchQuery, open_backend
from newsflow.models import FeedSource
from newsflow.state import StateStore
from newsflow.websub.server import running

PUSH_DEADLINE = 5.0
"""The issue's bound: a push is searchable within 5 s."""
HANDSHAKE = 5.0


@dataclass
class Push:
    hub: WebSubHub
    site: DemoServer
    settings: Settings
    endpoint: str
    state: StateStore

    @property
    def feed(self) -> str:
        return f"{self.site.base_url}/feed.xml"

    def subscribe(self) -> None:
        """Poll the feed list (discovers the hub, subscribes) and wait for the hub's verification."""
        pipeline.run(self.settings)
        wait_for(lambda: self.hub.subscribers(self.feed), HANDSHAKE, "the hub verified the subscription")

    def searchable(self, word: str) -> bool:
        with contextlib.closing(open_backend(self.settings)) as backend:
            return backend.search(SearchQuery(text=word)).total == 1


@contextlib.contextmanager
def push_setup(tmp_path: Path, *, lease: int = 864_000, maintain_every: float = 60.0,
               first: tuple[int, ...] = (0,), inbox: Path | None = None, state: str | None = None,
               rules: str = "") -> Iterator[Push]:
    port = free_port()
    with WebSubHub() as hub, publisher(tmp_path / "site", hub.url, list(first)) as site:
        feeds_file = tmp_path / "feeds.yaml"
        dump_feed_list([FeedSource(url=f"{site.base_url}/feed.xml", name="Harbour Gazette")], feeds_file)
        if rules:  # the feed's rules, under its entry (the only one)
            feeds_file.write_text(feeds_file.read_text(encoding="utf-8").rstrip("\n") + "\n" + rules, encoding="utf-8")
        settings = make_settings(tmp_path / "data", extractors=("language",), workers=1, feeds_file=feeds_file,
                                 websub_callback_url=f"http://127.0.0.1:{port}/websub",
                                 websub_lease_seconds=lease)
        if state is not None and state.startswith("postgresql://"):
            settings = settings.replace(state_url=state)
        with running(settings, port=port, maintain_every=maintain_every, inbox=inbox) as endpoint, \
                contextlib.closing(StateStore(settings.state_location)) as state:
            yield Push(hub, site, settings, endpoint, state)


def test_a_pushed_entry_becomes_a_searchable_document(tmp_path: Path, state_target: str) -> None:
    with push_setup(tmp_path, state=state_target) as push:  # the state store on SQLite, then PostgreSQL
        push.subscribe()
        (request,) = push.hub.requests
        assert request["hub.mode"] == "subscribe" and request["hub.topic"] == push.feed  # the rel="self" URL
        assert request["hub.callback"].startswith(push.settings.websub_callback_url + "/")
        assert len(request["hub.secret"]) >= 32 and request["hub.lease_seconds"] == "864000"
        sub = push.state.subscription(push.feed)
        assert sub is not None and sub.status == "active" and push.state.pushed_feeds() == {push.feed}
        assert push.searchable("zephyrquay"), "the polled article is indexed"
        assert not push.searchable("quillmarsh")

        statuses = push.hub.publish(push.feed, feed_xml(push.site.base_url, push.hub.url, [0, 1]))
        assert statuses == [202]
        wait_for(lambda: push.searchable("quillmarsh"), PUSH_DEADLINE, "the pushed article is searchable")
        assert push.state.subscription(push.feed).last_push_at is not None  # type: ignore[union-attr]
        assert not [f for f in push.state.failures() if f.stage == "websub"]


def test_the_feed_lists_rules_apply_to_pushed_entries(tmp_path: Path) -> None:
    with push_setup(tmp_path, rules="    exclude:\n      - url: '*/a2.html'\n") as push:
        push.subscribe()
        assert push.hub.publish(push.feed, feed_xml(push.site.base_url, push.hub.url, [0, 1, 2])) == [202]
        wait_for(lambda: push.searchable("quillmarsh"), PUSH_DEADLINE, "the pushed article is searchable")
        entry = push.state.article_entry(f"{push.site.base_url}/a2.html")
        assert entry is not None, "the excluded entry is remembered as seen"
        assert not push.searchable("brackenfold"), "the excluded entry was not indexed"
        assert push.site.count("/a2.html") == 0, "nor fetched"


@pytest.mark.parametrize("signature", ["forged", "none"])
def test_content_with_a_forged_or_missing_signature_is_ignored_and_recorded(tmp_path: Path, signature: str) -> None:
    with push_setup(tmp_path) as push:
        push.subscribe()
        statuses = push.hub.publish(push.feed, feed_xml(push.site.base_url, push.hub.url, [0, 2]), signature=signature)
        assert statuses == [202], "acknowledged, as the spec allows, so the signature cannot be probed"
        wait_for(lambda: [f for f in push.state.failures() if f.stage == "websub"], 2.0, "the refusal is recorded")
        (failure,) = push.state.failures("websub")
        assert failure.error_class == "BadSignature" and failure.url == push.feed
        assert ("unsigned" if signature == "none" else "does not match") in failure.message
        secret = push.state.subscription(push.feed).secret  # type: ignore[union-attr]
        assert secret and secret not in failure.message
        assert push.state.article_entry(f"{push.site.base_url}/a2.html") is None, "nothing was queued"
        assert not push.searchable("brackenfold")


def test_the_lease_is_renewed_before_it_expires(tmp_path: Path) -> None:
    with push_setup(tmp_path, lease=6, maintain_every=0.2) as push:
        push.subscribe()
        first = push.hub.verifications[0]
        wait_for(lambda: len(push.hub.verifications) >= 2, 8.0, "a renewal was verified")
        renewal = push.hub.verifications[1]
        assert renewal.mode == "subscribe" and renewal.confirmed and renewal.callback == first.callback
        assert renewal.at < first.at + 6, "renewed before the first lease expired"
        assert renewal.at >= first.at + 0.8 * 6 - 0.5, "not before 80% of the lease"
        assert push.hub.requests[1]["hub.secret"] == push.hub.requests[0]["hub.secret"]


def test_a_feed_removed_from_the_list_is_unsubscribed(tmp_path: Path) -> None:
    with push_setup(tmp_path) as push:
        push.subscribe()
        pipeline.run(push.settings, feeds=[])
        wait_for(lambda: push.state.subscription(push.feed) is None, HANDSHAKE, "the unsubscription was verified")
        wait_for(lambda: len(push.hub.verifications) == 2, 2.0, "the hub took our answer")
        assert push.hub.requests[-1]["hub.mode"] == "unsubscribe"
        assert push.hub.verifications[-1].mode == "unsubscribe" and push.hub.verifications[-1].confirmed
        assert not push.hub.subscribers(push.feed)


def test_a_verification_we_did_not_ask_for_is_refused(tmp_path: Path) -> None:
    with push_setup(tmp_path) as push:
        push.subscribe()
        callback = push.hub.requests[0]["hub.callback"].rsplit("/", 1)[-1]
        url = f"{push.endpoint}/websub/{callback}"

        def verify(**params: str) -> httpx.Response:
            return httpx.get(url.rsplit("/", 1)[0] + "/" + params.pop("id", callback),
                             params={"hub.challenge": "c1", **params}, trust_env=False)

        assert verify(**{"hub.mode": "subscribe", "hub.topic": "http://elsewhere.test/feed"}).status_code == 404
        assert verify(**{"id": "unknown", "hub.mode": "subscribe", "hub.topic": push.feed}).status_code == 404
        # no request of ours is outstanding any more (it was verified): a replay is refused
        assert verify(**{"hub.mode": "subscribe", "hub.topic": push.feed}).status_code == 404
        assert verify(**{"hub.mode": "unsubscribe", "hub.topic": push.feed}).status_code == 404
        assert push.state.subscription(push.feed).status == "active"  # type: ignore[union-attr]
        too_big = httpx.post(url, content=b"x" * (push.settings.max_feed_bytes + 1), trust_env=False)
        assert too_big.status_code == 413
        assert httpx.post(url.rsplit("/", 1)[0] + "/unknown", content=b"<feed/>", trust_env=False).status_code == 410


def test_a_pushed_feed_is_polled_rarely_and_polling_resumes_when_the_lease_lapses(tmp_path: Path) -> None:
    with push_setup(tmp_path, lease=4, maintain_every=3600) as push:
        push.subscribe()
        polls = push.site.count("/feed.xml")
        summary = pipeline.run(push.settings)
        assert summary.feeds_skipped == 1 and push.site.count("/feed.xml") == polls, "pushed: not polled"
        with pipeline.Resources(push.settings) as res:  # scheduled (Airflow's poll DAG): the same
            summary = pipeline.RunSummary()
            pipeline.poll(res, [FeedSource(url=push.feed, name="Harbour Gazette")], summary, pipeline.NO_PROGRESS,
                          respect_intervals=True)
            assert summary.feeds_skipped == 1 and push.site.count("/feed.xml") == polls
            pipeline.poll(res, [FeedSource(url=push.feed, name="Harbour Gazette")], summary, pipeline.NO_PROGRESS)
            assert push.site.count("/feed.xml") == polls + 1, "a feed asked for by hand is polled"
        polls += 1
        wait_for(lambda: not push.state.pushed_feeds(), 6.0, "the lease lapsed")
        summary = pipeline.run(push.settings)
        assert summary.feeds_skipped == 0 and push.site.count("/feed.xml") == polls + 1, "polled again"
        assert [r["hub.mode"] for r in push.hub.requests] == ["subscribe", "subscribe"], "and subscribed again"


def test_a_hub_refusal_is_the_feeds_failure_and_the_run_goes_on(tmp_path: Path) -> None:
    with push_setup(tmp_path) as push:
        push.hub.refuse = "topic not served here"
        summary = pipeline.run(push.settings)
        assert summary.articles_new == 1, "the polled article is processed anyway"
        (failure,) = push.state.failures("websub")
        assert failure.error_class == "HubError" and failure.url == push.feed
        assert "topic not served here" in failure.message and failure.retryable
        assert push.state.subscription(push.feed).status == "requested"  # type: ignore[union-attr]
        summary = pipeline.run(push.settings)
        assert len(push.hub.requests) == 1, "not asked again before the retry delay"


def test_under_airflow_pushed_entries_are_handed_to_the_inbox_dag(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    with push_setup(tmp_path, inbox=inbox) as push:
        push.subscribe()
        assert push.hub.publish(push.feed, feed_xml(push.site.base_url, push.hub.url, [0, 3])) == [202]
        wait_for(lambda: (inbox / "READY").exists(), 2.0, "the inbox DAG's trigger was created")
        (listed,) = inbox.glob("websub-*.txt")
        urls = [u for u in listed.read_text().splitlines() if not u.startswith("#")]
        assert urls == [f"{push.site.base_url}/a3.html"], "only the new entry"
        pending = push.state.article_entry(urls[0])
        assert pending is not None and pending.title == "Story 3", "queued with the pushed entry's fields"
        assert not push.searchable("tidewicket"), "left to the DAG"
        pipeline.ingest_urls(push.settings, urls)  # what the inbox DAG's task runs
        assert push.searchable("tidewicket")


def _newsflow(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
    return subprocess.Popen([sys.executable, "-m", "newsflow.cli", "--data-dir", str(tmp_path), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**base, **(env or {})})


def test_the_serve_websub_command_needs_a_callback_url_then_serves_on_loopback(tmp_path: Path) -> None:
    off = _newsflow(tmp_path, "serve-websub")
    _, err = off.communicate(timeout=120)
    assert off.returncode == 2 and "websub_callback_url" in err and "Traceback" not in err

    port = free_port()
    served = _newsflow(tmp_path, "serve-websub", "--port", str(port),
                       env={"NEWSFLOW_WEBSUB_CALLBACK_URL": "https://news.example.org/websub"})
    try:
        assert served.stdout is not None
        line = served.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line and "https://news.example.org/websub" in line
        answer = httpx.get(f"http://127.0.0.1:{port}/websub/nobody",
                           params={"hub.mode": "subscribe", "hub.topic": "http://x.test/", "hub.challenge": "c"},
                           trust_env=False)
        assert answer.status_code == 404
    finally:
        served.send_signal(signal.SIGINT)
        served.communicate(timeout=30)
    assert served.returncode == 0
