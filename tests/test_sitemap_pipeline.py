"""Sitemaps through the real pipeline, on a publisher served on 127.0.0.1.

The site's robots.txt declares a sitemap index (→ a gzip sitemap and a Google News sitemap)
and a broken sitemap; the feed list names the site (``type: site``) and, for the caps, a
sitemap directly (``type: sitemap``). Pages are ours, written for these tests.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from conftest import make_settings

from newsflow import pipeline
from newsflow.config import Settings
from newsflow.demo_server import DemoServer, send, serving
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.sitemaps import NEWS_NS, SITEMAP_NS
from newsflow.state import StateStore
from newsflow.urls import doc_id

PAGE = """<!doctype html><html lang="en"><head>{head}</head><body><article>{heading}
<p>The river ferry between Alder Point and the north bank ran again on {day} after the spring floods,
the operator said, with two crossings an hour until the evening and a bus waiting on the far side.</p>
<p>Engineers spent the week checking the landing stages and replacing the chains that hold the
pontoon, while the town hall set up a free shuttle for pupils of the secondary school.</p>
<p>Residents of the lower streets were told to keep sandbags in place until the water board
confirms that the level has fallen below the warning mark, which it expects by the weekend.</p>
<p>{extra}</p></article></body></html>"""


def page(*, title: str | None = None, date: str | None = None, day: str = "Tuesday", extra: str = "") -> bytes:
    head = (f"<title>{title}</title>" if title else "") + (
        f'<meta property="article:published_time" content="{date}">' if date else "")
    heading = f"<h1>{title}</h1>" if title else ""
    return PAGE.format(head=head, heading=heading, day=day, extra=extra).encode()


def urlset(base: str, rows: list[tuple[str, str | None, str]]) -> bytes:
    """A sitemap of (path, lastmod, news part) rows."""
    urls = "".join(f"<url><loc>{path if path.startswith('http') else base + path}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}{news}</url>"
                   for path, lastmod, news in rows)
    return f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">{urls}</urlset>'.encode()


def news(title: str, published: str) -> str:
    return (f"<news:news><news:publication><news:name>Alder Point Courier</news:name><news:language>en</news:language>"
            f"</news:publication><news:publication_date>{published}</news:publication_date>"
            f"<news:title>{title}</news:title></news:news>")


@dataclass
class Site:
    """The publisher's files, changeable while it serves them; ETags from the body."""

    server: DemoServer | None = None
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    encoded: set[str] = field(default_factory=set)
    """Paths sent with ``Content-Encoding: gzip`` (the client decompresses them)."""

    @property
    def base(self) -> str:
        assert self.server is not None
        return self.server.base_url

    def route(self, path: str) -> Callable[[BaseHTTPRequestHandler], None]:
        def serve(h: BaseHTTPRequestHandler) -> None:
            self.hits[path] = self.hits.get(path, 0) + 1
            if path not in self.files:
                send(h, 404, b"not here", "text/plain")
                return
            body, content_type = self.files[path]
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if h.headers.get("If-None-Match") == etag:
                send(h, 304, b"", content_type, {"ETag": etag})
                return
            if path in self.encoded:
                send(h, 200, gzip.compress(body), content_type, {"ETag": etag, "Content-Encoding": "gzip"})
                return
            send(h, 200, body, content_type, {"ETag": etag})
        return serve


PATHS = ("/robots.txt", "/sitemap-index.xml", "/sitemaps/articles.xml.gz", "/sitemaps/news.xml",
         "/broken-sitemap.xml", "/not-gzip.xml.gz", "/missing-sitemap.xml", "/big-sitemap.xml",
         "/world/ferry.html", "/world/bridge.html", "/local/market.html", "/local/school.html",
         *[f"/many/{n}.html" for n in range(6)])


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "www"
    root.mkdir()
    site = Site()
    with serving(root, routes={path: site.route(path) for path in PATHS}) as server:
        site.server = server
        base = server.base_url
        site.files["/robots.txt"] = (
            f"User-agent: *\nAllow: /\nSitemap: {base}/sitemap-index.xml\nSitemap: {base}/broken-sitemap.xml\n"
            f"Sitemap: {base}/not-gzip.xml.gz\nSitemap: {base}/missing-sitemap.xml\n".encode(), "text/plain")
        index = (f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">'
                 f"<sitemap><loc>{base}/sitemaps/articles.xml.gz</loc></sitemap>"
                 f"<sitemap><loc>{base}/sitemaps/news.xml</loc></sitemap></sitemapindex>").encode()
        site.files["/sitemap-index.xml"] = (index, "application/xml")
        site.set_articles("2025-04-01T08:00:00Z")
        site.files["/sitemaps/news.xml"] = (urlset(base, [
            ("/local/market.html", None, news("Saturday market moves to the quay", "2025-04-03T07:30:00+02:00")),
            ("/local/school.html", None, news("School shuttle runs until June", "2025-04-04T12:00:00+02:00")),
        ]), "application/xml")
        site.encoded.add("/sitemaps/news.xml")
        site.files["/broken-sitemap.xml"] = (b'<?xml version="1.0"?><urlset><url><loc>oops</url>', "application/xml")
        site.files["/not-gzip.xml.gz"] = (b"PK\x03\x04 not a gzip file", "application/x-gzip")
        site.files["/world/ferry.html"] = (page(title="Ferry crossings resume", date="2025-04-01T06:00:00Z"),
                                           "text/html; charset=utf-8")
        site.files["/world/bridge.html"] = (page(title="Footbridge inspection finds no damage", day="Monday",
                                                 date="2025-04-02T06:00:00Z"), "text/html; charset=utf-8")
        # pages without a title or a date of their own: the news sitemap's are used
        site.files["/local/market.html"] = (page(day="Saturday"), "text/html; charset=utf-8")
        site.files["/local/school.html"] = (page(day="Thursday"), "text/html; charset=utf-8")
        yield site


def _set_articles(self: Site, ferry_lastmod: str) -> None:
    body = urlset(self.base, [("/world/ferry.html", ferry_lastmod, ""),
                              ("/world/bridge.html", "2025-04-02T08:00:00Z", ""),
                              ("https://elsewhere.test/not-ours.html", None, "")])
    self.files["/sitemaps/articles.xml.gz"] = (gzip.compress(body), "application/x-gzip")


Site.set_articles = _set_articles  # type: ignore[attr-defined]


def settings_for(tmp_path: Path, **changes: Any) -> Settings:
    return make_settings(tmp_path / "data", extractors=("language", "reading"), workers=1, **changes)


def documents(settings: Settings) -> dict[str, dict[str, Any]]:
    backend = EmbeddedBackend(settings.index_file)
    try:
        return {doc["url"].split("/", 3)[-1]: doc for doc in backend.iter_documents()}
    finally:
        backend.close()


def failures(settings: Settings) -> dict[tuple[str, str], str]:
    state = StateStore(settings.state_file)
    try:
        return {(f.stage, f.url.split("/", 3)[-1]): f"{f.error_class}: {f.message}" for f in state.failures()}
    finally:
        state.close()


def test_a_site_is_read_through_its_robots_sitemaps_and_lastmod_drives_refetching(
    site: Site, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path)
    source = [FeedSource(url=f"{site.base}/", name="Alder Point Courier", type="site")]
    first = pipeline.run(settings, feeds=source)

    docs = documents(settings)
    assert set(docs) == {"world/ferry.html", "world/bridge.html", "local/market.html", "local/school.html"}
    market = docs["local/market.html"]
    assert (market["title"], market["published_at"]) == ("Saturday market moves to the quay", "2025-04-03T05:30:00Z")
    assert market["field_sources"]["title"] == "feed" and market["field_sources"]["published_at"] == "feed"
    assert market["source"] == "Alder Point Courier" and market["feed_url"] == f"{site.base}/"
    assert docs["world/ferry.html"]["title"] == "Ferry crossings resume", "the page's own title wins"
    assert first.entries_new == 4 and first.articles_new == 4

    failed = failures(settings)
    assert "not well-formed" in failed[("sitemap", "broken-sitemap.xml")]
    assert "neither gzip nor XML" in failed[("sitemap", "not-gzip.xml.gz")]
    assert failed[("sitemap", "missing-sitemap.xml")].startswith("NotFound")
    assert "not the sitemap's own" in failed[("entry", "not-ours.html")]
    assert first.feeds_failed == 3 and first.feeds_changed == 3, "index, gzip sitemap, news sitemap"

    # re-polling: the urlsets answer 304, nothing is queued or fetched again
    page_hits = site.hits["/world/ferry.html"]
    second = pipeline.run(settings, feeds=source)
    assert (second.entries_new, second.entries_refreshed, second.articles_new, second.articles_updated) == (0, 0, 0, 0)
    assert second.feeds_unchanged == 2 and site.hits["/world/ferry.html"] == page_hits
    assert len(documents(settings)) == 4

    # the ferry page changes and its lastmod moves forward: fetched again, its one document updated
    site.files["/world/ferry.html"] = (page(title="Ferry crossings resume with a later timetable",
                                            date="2025-04-01T06:00:00Z", extra="A late boat now leaves at ten."),
                                       "text/html; charset=utf-8")
    site.set_articles("2025-04-05T09:00:00Z")  # type: ignore[attr-defined]
    third = pipeline.run(settings, feeds=source)
    assert (third.entries_new, third.entries_refreshed, third.articles_updated) == (0, 1, 1)
    assert site.hits["/world/ferry.html"] == page_hits + 1
    assert site.hits["/world/bridge.html"] == 1, "its lastmod did not move: not fetched again"
    docs = documents(settings)
    assert len(docs) == 4 and docs["world/ferry.html"]["title"] == "Ferry crossings resume with a later timetable"
    assert docs["world/ferry.html"]["id"] == doc_id(f"{site.base}/world/ferry.html")


def test_caps_on_depth_urls_per_sitemap_and_per_run_are_honoured(site: Site, tmp_path: Path) -> None:
    base = site.base
    site.files["/big-sitemap.xml"] = (urlset(base, [(f"/many/{n}.html", None, "") for n in range(6)]),
                                      "application/xml")
    for n in range(6):
        site.files[f"/many/{n}.html"] = (page(title=f"Notice number {n} from the harbour office"), "text/html")
    big = [FeedSource(url=f"{base}/big-sitemap.xml", name="Big", type="sitemap")]

    per_file = settings_for(tmp_path / "a", sitemap_max_urls=4)
    summary = pipeline.run(per_file, feeds=big)
    assert summary.entries_new == 4 and len(documents(per_file)) == 4

    per_run = settings_for(tmp_path / "b", sitemap_max_urls_per_run=4)
    assert pipeline.run(per_run, feeds=big).entries_new == 4
    assert pipeline.run(per_run, feeds=big).entries_new == 2, "the rest is taken by the next run"
    assert pipeline.run(per_run, feeds=big).entries_new == 0
    assert len(documents(per_run)) == 6

    shallow = settings_for(tmp_path / "c", sitemap_max_depth=0)
    summary = pipeline.run(shallow, feeds=[FeedSource(url=f"{base}/sitemap-index.xml", name="Index", type="sitemap")])
    assert summary.entries_new == 0 and summary.feeds_failed == 1
    assert "deeper than sitemap_max_depth=0" in failures(shallow)[("sitemap", "sitemap-index.xml")]

    small = settings_for(tmp_path / "d", sitemap_max_bytes=300)
    summary = pipeline.run(small, feeds=[*big, FeedSource(url=f"{base}/sitemaps/articles.xml.gz", name="Gz",
                                                          type="sitemap")])
    assert summary.entries_new == 0 and summary.feeds_failed == 2
    assert len(site.files["/sitemaps/articles.xml.gz"][0]) < 300, "small on the wire, too big once decompressed"
    assert "byte limit" in failures(small)[("sitemap", "big-sitemap.xml")]
    assert "once decompressed" in failures(small)[("sitemap", "sitemaps/articles.xml.gz")]

    one_file = settings_for(tmp_path / "e", sitemap_max_files=2)
    summary = pipeline.run(one_file, feeds=[FeedSource(url=f"{base}/sitemap-index.xml", name="Index", type="sitemap")])
    assert summary.entries_new == 2 and summary.feeds_polled == 2, "the index and its first sitemap only"


def test_a_site_whose_robots_declares_no_sitemap_fails_alone(site: Site, tmp_path: Path) -> None:
    site.files["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
    settings = settings_for(tmp_path)
    feeds = [FeedSource(url=f"{site.base}/", name="No sitemaps", type="site"),
             FeedSource(url=f"{site.base}/sitemaps/news.xml", name="News", type="sitemap")]
    summary = pipeline.run(settings, feeds=feeds)
    assert summary.feeds_failed == 1 and summary.articles_new == 2
    assert "declares no Sitemap: lines" in failures(settings)[("sitemap", "")]


def test_scheduled_polling_honours_a_sitemap_sources_interval(site: Site, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, respect_poll_intervals=True, min_poll_interval=3600)
    sources = [FeedSource(url=f"{site.base}/", name="Site", type="site"),
               FeedSource(url=f"{site.base}/sitemaps/news.xml", name="News", type="sitemap")]
    assert pipeline.run(settings, feeds=sources).entries_new == 4
    hits = dict(site.hits)
    again = pipeline.run(settings, feeds=sources)
    assert again.feeds_skipped == 2 and again.feeds_polled == 0 and site.hits == hits
    state = StateStore(settings.state_file)
    try:
        rows = {f.url: f for f in state.feeds()}
    finally:
        state.close()
    assert rows[f"{site.base}/"].last_status == "changed: 6 sitemap file(s)"
    assert rows[f"{site.base}/sitemaps/news.xml"].poll_interval == 3600


def test_the_feed_lists_rules_screen_a_sitemaps_urls(site: Site, tmp_path: Path) -> None:
    from newsflow.feeds import load_feed_list

    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text("feeds:\n  - name: Courier news\n    url: '{{BASE}}/sitemaps/news.xml'\n    type: sitemap\n"
                          "    exclude: [{section: /local/school}]\n", encoding="utf-8")
    settings = settings_for(tmp_path)
    summary = pipeline.run(settings, feeds=load_feed_list(feeds_file, base_url=site.base))
    assert (summary.entries_new, summary.entries_excluded) == (1, 1)
    assert set(documents(settings)) == {"local/market.html"} and "/local/school.html" not in site.hits
    assert pipeline.run(settings, feeds=load_feed_list(feeds_file, base_url=site.base)).entries_excluded == 0
