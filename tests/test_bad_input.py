"""Each kind of bad input becomes a recorded failure with a clear reason; the run goes on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from conftest import make_settings

from newsflow import pipeline
from newsflow.demo_server import DemoServer, send, serving
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore

ARTICLE = """<!doctype html><html lang="en"><head><title>Harbour reopens after storm</title>
<meta property="article:published_time" content="2025-12-01T08:00:00Z"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav><article><h1>Harbour reopens after storm</h1>
<p>The harbour of Port Ellis reopened on Monday after three days of closure, the port authority said,
as crews cleared debris left by the storm that flooded the waterfront.</p>
<p>Fishing boats returned to the quay by mid-morning and the ferry to the islands resumed its schedule,
although inspectors will keep one pier closed while its pilings are checked.</p></article></body></html>"""

NAV_ONLY = """<!doctype html><html><head><title>Menu</title></head><body><nav><a href="/a">A</a>
<a href="/b">B</a></nav><footer>© Example</footer></body></html>"""


def rss(*links: str) -> str:
    items = "".join(
        f"<item><title>Story {i}</title><link>{link}</link><pubDate>Mon, 01 Dec 2025 08:00:00 GMT</pubDate></item>"
        for i, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>{{{{BASE}}}}/</link>{items}</channel></rss>'


def hang(handler: BaseHTTPRequestHandler) -> None:
    time.sleep(3)
    send(handler, 200, b"<rss/>", "application/rss+xml")


def status(code: int) -> object:
    return lambda handler: send(handler, code, b"error page", "text/html")


@pytest.fixture
def bad_site(tmp_path: Path) -> Iterator[DemoServer]:
    site = tmp_path / "site"
    site.mkdir()
    (site / "good.xml").write_text(rss("{{BASE}}/good.html", "{{BASE}}/png.html", "{{BASE}}/empty.html",
                                       "{{BASE}}/nav.html", "{{BASE}}/missing.html"))
    (site / "good.html").write_text(ARTICLE)
    (site / "empty.html").write_text("")
    (site / "nav.html").write_text(NAV_ONLY)
    (site / "notxml.xml").write_text("this is { not xml at all")
    (site / "empty.xml").write_text("")
    (site / "noentries.xml").write_text(rss())
    routes = {
        "/png.html": lambda h: send(h, 200, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png"),
        "/slow.xml": hang,
        "/error.xml": status(500),
    }
    with serving(site, routes=routes) as server:  # type: ignore[arg-type]
        yield server


def feeds(server: DemoServer) -> list[FeedSource]:
    names = ["good", "notxml", "empty", "noentries", "slow", "error", "missing"]
    return [FeedSource(url=f"{server.base_url}/{n}.xml", name=n) for n in names]


def test_every_bad_input_is_recorded_and_the_good_article_is_indexed(bad_site: DemoServer, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", read_timeout=0.5, total_timeout=5)
    summary = pipeline.run(settings, feeds=feeds(bad_site))

    assert summary.feeds_polled == 7
    assert summary.feeds_failed == 6
    assert summary.articles_new == 1
    assert summary.articles_failed == 4
    assert summary.exit_code == 1

    state = StateStore(settings.state_file)
    failures = {(f.stage, f.url.rsplit("/", 1)[-1]): f for f in state.failures()}
    state.close()
    expected = {
        ("poll", "notxml.xml"): ("FeedParseError", "not an RSS/Atom feed", False),
        ("poll", "empty.xml"): ("FeedParseError", "empty body", False),
        ("poll", "noentries.xml"): ("FeedParseError", "no entries", False),
        ("poll", "slow.xml"): ("FetchTimeout", "timed out", True),
        ("poll", "error.xml"): ("ServerError", "HTTP 500", True),
        ("poll", "missing.xml"): ("NotFound", "HTTP 404", False),
        ("fetch", "png.html"): ("BadContent", "image/png", False),
        ("clean", "empty.html"): ("ExtractionError", "empty", False),
        ("clean", "nav.html"): ("ExtractionError", "no article text", False),
        ("fetch", "missing.html"): ("NotFound", "HTTP 404", False),
    }
    assert set(failures) == set(expected)
    for key, (error_class, reason, retryable) in expected.items():
        failure = failures[key]
        assert failure.error_class == error_class, key
        assert reason in failure.message, (key, failure.message)
        assert failure.retryable is retryable, key
        assert failure.attempts == 1

    backend = EmbeddedBackend(settings.index_file)
    assert backend.count() == 1
    doc = next(iter(backend.iter_documents()))
    backend.close()
    assert doc["title"] == "Harbour reopens after storm"
    assert doc["published_at"] == "2025-12-01T08:00:00Z"


def test_retry_recovers_once_the_server_is_fixed(bad_site: DemoServer, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data", read_timeout=0.5, total_timeout=5)
    pipeline.run(settings, feeds=[FeedSource(url=f"{bad_site.base_url}/error.xml", name="flaky")])
    bad_site.routes["/error.xml"] = lambda h: send(
        h, 200, rss(f"{bad_site.base_url}/good.html").replace("{{BASE}}", bad_site.base_url).encode(),
        "application/rss+xml",
    )
    summary = pipeline.retry(settings)
    assert summary.feeds_failed == 0
    assert summary.articles_new == 1
    state = StateStore(settings.state_file)
    assert state.failures() == []
    state.close()


def test_rerun_does_not_refetch_permanently_failed_articles(bad_site: DemoServer, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "data")
    good = [FeedSource(url=f"{bad_site.base_url}/good.xml", name="good")]
    pipeline.run(settings, feeds=good)
    before = bad_site.count("/nav.html")
    second = pipeline.run(settings, feeds=good)
    assert second.articles_failed == 0 and second.articles_new == 0
    assert bad_site.count("/nav.html") == before
