"""WebSub's parts on their own: hub discovery, signatures, and the subscription rows on both
state dialects (``state_target``: a SQLite file and a real PostgreSQL database)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from newsflow.config import Settings
from newsflow.errors import ConfigError
from newsflow.fetching import Response
from newsflow.state import StateStore
from newsflow.websub.callback import signature_problem, verify_intent
from newsflow.websub.discovery import Hub, discover

FEED = "http://news.test/feed.xml"


def fetched(body: bytes, *links: str, content_type: str = "application/rss+xml") -> Response:
    return Response(url=FEED, final_url=FEED, status=200, content_type=content_type, charset=None, body=body,
                    headers=tuple(("Link", v) for v in links))


RSS = (b'<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
       b'<atom:link rel="self" href="/rss"/><atom:link rel="hub" href="https://hub.test/"/>'
       b'<item><title>x</title><link>http://news.test/a</link><atom:link rel="hub" href="https://late.test/"/></item>'
       b"</channel></rss>")
ATOM = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="alternate" href="/"/>'
        b'<link href="https://hub.test/atom" rel="hub"/><entry><title>x</title></entry></feed>')


def test_hub_discovery_reads_link_headers_first_then_the_feeds_own_links() -> None:
    assert discover(fetched(RSS)) == Hub("https://hub.test/", "http://news.test/rss")
    assert discover(fetched(ATOM, content_type="application/atom+xml")) == Hub("https://hub.test/atom", FEED)
    headers = ('<https://pushed.test/hub>; rel="hub", <https://news.test/self>; rel="self"',)
    assert discover(fetched(RSS, *headers)) == Hub("https://pushed.test/hub", "https://news.test/self")
    assert discover(fetched(RSS, "<https://pushed.test/hub>; rel=hub")) == Hub("https://pushed.test/hub",
                                                                              "http://news.test/rss")
    assert discover(fetched(RSS, '<https://x.test/>; rel="alternate self"')) == Hub("https://hub.test/",
                                                                                     "https://x.test/")
    json_feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t", "feed_url": FEED,
                            "hubs": [{"type": "rssCloud", "url": "https://cloud.test/"},
                                     {"type": "WebSub", "url": "https://hub.test/json"}], "items": []}).encode()
    assert discover(fetched(json_feed, content_type="application/feed+json")) == Hub("https://hub.test/json", FEED)


def test_hub_discovery_reads_feeds_in_encodings_expat_lacks() -> None:
    body = ('<?xml version="1.0" encoding="Shift_JIS"?><rss xmlns:atom="http://www.w3.org/2005/Atom">'
            '<channel><title>朝のニュース</title><atom:link rel="hub" href="https://hub.test/jp"/>'
            "<item><title>記事</title></item></channel></rss>").encode("shift_jis")
    assert discover(fetched(body)) == Hub("https://hub.test/jp", FEED)


def test_a_feed_without_a_hub_or_with_an_unusable_one_declares_none() -> None:
    plain = RSS.replace(b'<atom:link rel="hub" href="https://hub.test/"/>', b"")
    assert discover(fetched(plain)) is None, "a hub inside an item is not the feed's"
    assert discover(fetched(RSS.replace(b"https://hub.test/", b"javascript:alert(1)"))) is None
    assert discover(fetched(b"<rss><channel><link rel='hub' href='https://hub.test/'/><title>cut sh")) == Hub(
        "https://hub.test/", FEED), "a truncated body: what was read stands"
    assert discover(fetched(b"<rss><channel><link rel='hub' href='https://hub.test/'")) is None, \
        "a tag cut before its end is not read: its attributes may be cut too"
    assert discover(fetched(b"<rss><channel><atom:link rel='hub' href='https://hub.test/u'/>")) == Hub(
        "https://hub.test/u", FEED), "an undeclared atom: prefix is still a link"
    assert discover(fetched(b"{not json", content_type="application/json")) is None


@pytest.mark.parametrize("method", ["sha1", "sha256", "sha384", "sha512"])
def test_signatures_are_checked_with_every_method_the_spec_allows(method: str) -> None:
    body = b"<feed/>"
    good = hmac.new(b"s3cret", body, getattr(hashlib, method)).hexdigest()
    assert signature_problem("s3cret", f"{method}={good}", body) is None
    assert signature_problem("s3cret", f"{method}={good.upper()}", body) is None
    assert "does not match" in str(signature_problem("s3cret", f"{method}={good}", body + b" "))
    assert "does not match" in str(signature_problem("other", f"{method}={good}", body))
    assert "unsigned" in str(signature_problem("s3cret", None, body))
    assert "not one of" in str(signature_problem("s3cret", f"md5={good}", body))


@pytest.fixture
def store(state_target: str) -> StateStore:
    opened = StateStore(state_target)
    yield opened  # type: ignore[misc]
    opened.close()


def test_subscription_rows_follow_discovery_requests_verification_and_removal(store: StateStore) -> None:
    store.record_hub(FEED, "https://hub.test/", "https://news.test/self")
    (due,) = store.subscriptions_due(renew_at=0.8, retry_after=60)
    assert due.status == "discovered" and due.secret is None
    store.subscription_requested(FEED, "cb1", "the-secret")
    assert store.subscriptions_due(renew_at=0.8, retry_after=60) == [], "a request is outstanding"
    sub = store.subscription_by_callback("cb1")
    assert sub is not None and sub.status == "requested" and sub.requested_at and "the-secret" not in repr(sub)
    assert "secret" not in sub.as_dict()

    assert verify_intent(store, "cb1", {"hub.mode": "subscribe", "hub.topic": "https://news.test/self",
                                        "hub.challenge": "xyz", "hub.lease_seconds": "1"}, default_lease=9).body == b"xyz"
    sub = store.subscription(FEED)
    assert sub is not None and sub.status == "active" and sub.lease_seconds == 1 and sub.requested_at is None
    assert store.pushed_feeds() == {FEED}
    store.record_hub(FEED, "https://hub.test/", "https://news.test/self")  # polled again: the same hub
    assert store.subscription(FEED).status == "active"  # type: ignore[union-attr]
    time.sleep(1.05)
    assert store.pushed_feeds() == set(), "the lease lapsed"
    (due,) = store.subscriptions_due(renew_at=0.8, retry_after=60)
    assert due.status == "active", "a lapsed subscription is renewed"
    store.subscription_requested(FEED, "cb-other", "other-secret")
    kept = store.subscription(FEED)
    assert kept is not None and kept.callback_id == "cb1" and kept.secret == "the-secret", "kept across renewals"

    store.subscription_failed(FEED, "hub said no")
    assert store.subscription(FEED).last_error == "hub said no"  # type: ignore[union-attr]
    assert store.subscriptions_due(renew_at=0.8, retry_after=60) == [], "not asked again before the retry delay"
    assert len(store.subscriptions_due(renew_at=0.8, retry_after=0)) == 1

    store.record_hub(FEED, "https://new-hub.test/", "https://news.test/self")
    assert store.subscription(FEED).status == "discovered", "a new hub needs a new subscription"  # type: ignore[union-attr]
    store.forget_subscription(FEED)
    assert store.subscriptions() == [] and store.subscription_by_callback("cb1") is None


def test_push_settings_are_checked(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).websub_callback_url is None, "push is off by default"
    with pytest.raises(ConfigError, match="websub_callback_url"):
        Settings(data_dir=tmp_path, websub_callback_url="ftp://x/")
    with pytest.raises(ConfigError, match="websub_lease_seconds"):
        Settings(data_dir=tmp_path, websub_lease_seconds=0)
