"""One input, one failure: an entry or a page that breaks a stage is recorded as its own
failure with its reason, and the rest of the feed, batch and run goes on."""

from __future__ import annotations

from pathlib import Path

from conftest import make_settings
from fault_server import article

from newsflow import pipeline
from newsflow.demo_server import serving
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore


def _rss(*links: str) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{link}</link><pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>"
        for i, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>{{{{BASE}}}}/</link>{items}</channel></rss>'


def test_odd_entry_links_fail_alone_and_the_feed_goes_on(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_text(_rss(
        "http://[2001:db8::1]/a",          # valid IPv6 literal: queued, refused later by the SSRF guard
        "http://example.com:99999/b",      # no such port: this entry's failure
        "{{BASE}}/good.html",
    ))
    (site / "good.html").write_text(article("Harbour reopens after storm"))
    settings = make_settings(tmp_path / "data", obey_robots=False, workers=1)
    with serving(site) as server:
        summary = pipeline.run(settings, feeds=[FeedSource(url=f"{server.base_url}/feed.xml", name="odd")])

    assert summary.feeds_failed == 0
    assert summary.articles_new == 1
    state = StateStore(settings.state_file)
    failures = {(f.stage, f.url): f for f in state.failures()}
    state.close()
    assert failures[("entry", "http://example.com:99999/b")].error_class == "InvalidURL"
    assert "Port out of range" in failures[("entry", "http://example.com:99999/b")].message
    ipv6 = failures[("fetch", "http://[2001:db8::1]/a")]
    assert ipv6.error_class == "UnsafeURL"  # reached the fetch stage with its brackets intact
    backend = EmbeddedBackend(settings.index_file)
    assert backend.count() == 1
    backend.close()
