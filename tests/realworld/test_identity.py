"""One article, one document: proxies, redirects and canonical URLs through the real pipeline.

A publisher on 127.0.0.1 and a feed proxy / aggregator on 127.0.0.2 (distinct hosts to
newsflow), real HTTP, the embedded index in a temporary directory.
"""

from __future__ import annotations

import sqlite3
from html import escape
from pathlib import Path
from typing import Any

from newsflow import pipeline
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.urls import doc_id

from .identity_server import RSS, Site, article_page, item, loopback_settings, rss, sites


def _docs(settings: Any) -> list[dict[str, Any]]:
    with EmbeddedBackend(settings.index_file) as index:
        return list(index.iter_documents())


def _publisher_and_proxy(publisher: Site, proxy: Site, *, orig_link: bool) -> tuple[str, str]:
    """The article at the publisher, its publisher feed, and a FeedBurner-style proxy feed
    whose <link> redirects (301) to the article with tracking parameters."""
    article = publisher.add("/news/2025/bridge-reopens", article_page("Bridge reopens"))
    publisher.add("/feed.xml", rss([item("Bridge reopens", article)]), RSS)
    tracked = article + "?utm_source=feedburner&utm_medium=feed&utm_campaign=Feed%3A+pub"
    proxy_link = proxy.redirect("/~r/pub/~3/Xy12/bridge-reopens", tracked)
    extra = f"<feedburner:origLink>{escape(tracked)}</feedburner:origLink>" if orig_link else ""
    proxy.add("/pub", rss([item("Bridge reopens", proxy_link, extra)]), RSS)
    return article, proxy_link


def _run_proxy_then_publisher(
    tmp_path: Path, publisher: Site, proxy: Site
) -> tuple[Any, list[FeedSource], list[dict[str, Any]]]:
    """One run over the proxy feed and the publisher feed (in that order), without failures:
    its settings, feeds and the indexed documents."""
    settings = loopback_settings(tmp_path)
    feeds = [FeedSource(proxy.url("/pub"), "Proxy"), FeedSource(publisher.url("/feed.xml"), "Publisher")]
    summary = pipeline.run(settings, feeds=feeds)
    assert summary.articles_failed == 0, summary.failures
    return settings, feeds, _docs(settings)


def test_feedburner_proxy_and_publisher_feed_make_one_document_with_every_alias(
    tmp_path: Path,
) -> None:
    with sites("127.0.0.1", "127.0.0.2") as (publisher, proxy):
        article, proxy_link = _publisher_and_proxy(publisher, proxy, orig_link=True)
        _, _, docs = _run_proxy_then_publisher(tmp_path, publisher, proxy)
        assert len(docs) == 1
        doc = docs[0]
        assert doc["url"] == article
        assert doc["domain"] == "127.0.0.1"
        assert doc["id"] == doc_id(article)
        assert set(doc["aliases"]) >= {article, proxy_link}
        assert not any("utm_" in alias for alias in doc["aliases"])
        # the origLink is fetched directly: the proxy is never asked for the article
        assert not any(hit.startswith("/~r/") for hit in proxy.hits)


def test_redirect_only_proxy_and_publisher_in_one_run_make_one_document(tmp_path: Path) -> None:
    with sites("127.0.0.1", "127.0.0.2") as (publisher, proxy):
        article, proxy_link = _publisher_and_proxy(publisher, proxy, orig_link=False)
        settings, feeds, docs = _run_proxy_then_publisher(tmp_path, publisher, proxy)
        assert [d["url"] for d in docs] == [article]
        assert docs[0]["domain"] == "127.0.0.1"
        assert set(docs[0]["aliases"]) >= {article, proxy_link}
        # the rerun finds nothing new and still holds one document
        again = pipeline.run(settings, feeds=feeds)
        assert again.entries_new == 0
        assert len(_docs(settings)) == 1


def test_later_arrival_under_an_alias_updates_the_one_document_in_either_order(
    tmp_path: Path,
) -> None:
    for orig_link in (False, True):
        with sites("127.0.0.1", "127.0.0.2") as (publisher, proxy):
            _later_arrival(tmp_path / str(orig_link), publisher, proxy, orig_link=orig_link)


def _later_arrival(tmp_path: Path, publisher: Site, proxy: Site, *, orig_link: bool) -> None:
    article, proxy_link = _publisher_and_proxy(publisher, proxy, orig_link=orig_link)
    proxy_feed = FeedSource(proxy.url("/pub"), "Proxy")
    publisher_feed = FeedSource(publisher.url("/feed.xml"), "Publisher")
    for name, order in (
        ("proxy-first", [proxy_feed, publisher_feed]),
        ("publisher-first", [publisher_feed, proxy_feed]),
    ):
        settings = loopback_settings(tmp_path / name)
        first = pipeline.run(settings, feeds=[order[0]])
        second = pipeline.run(settings, feeds=[order[1]])
        assert first.articles_new == 1 and second.articles_new == 0, (name, first, second)
        # with the origLink the publisher's entry has the proxy entry's URL and brings
        # nothing new; otherwise the later arrival updates the document (new aliases)
        nothing_new = orig_link and order[0] is proxy_feed
        assert second.articles_updated == (0 if nothing_new else 1), (name, second)
        docs = _docs(settings)
        assert len(docs) == 1, name
        assert docs[0]["url"] == article and docs[0]["domain"] == "127.0.0.1"
        assert set(docs[0]["aliases"]) >= {article, proxy_link}
        # a later entry under another URL updates the document with its own fields; the
        # same URL again only adds its aliases to the first entry
        assert docs[0]["source"] == (order[0] if orig_link else order[1]).name, name


def test_second_arrival_fetched_first_joins_the_document(tmp_path: Path) -> None:
    """The publisher's entry is seen first but its page fails; the proxy's entry is indexed
    first; the publisher's retry then updates that document."""
    with sites("127.0.0.1", "127.0.0.2") as (publisher, proxy):
        article, _ = _publisher_and_proxy(publisher, proxy, orig_link=False)
        good = publisher.routes["/news/2025/bridge-reopens"]
        settings = loopback_settings(tmp_path)
        publisher.routes["/news/2025/bridge-reopens"] = (
            503,
            {"Content-Type": "text/plain"},
            b"busy",
        )
        first = pipeline.run(settings, feeds=[FeedSource(publisher.url("/feed.xml"), "Publisher")])
        assert first.articles_failed == 1
        publisher.routes["/news/2025/bridge-reopens"] = good
        pipeline.run(settings, feeds=[FeedSource(proxy.url("/pub"), "Proxy")])
        assert len(_docs(settings)) == 1
        retried = pipeline.retry(settings)
        assert retried.articles_failed == 0 and retried.articles_new == 0
        docs = _docs(settings)
        assert [d["url"] for d in docs] == [article]


def test_same_site_canonical_names_the_article_and_tracking_parameters_are_dropped(
    tmp_path: Path,
) -> None:
    with sites("127.0.0.1") as (publisher,):
        canonical = publisher.url("/world/2025/harbour-strike")
        head = "<link rel='canonical' href='/world/2025/harbour-strike?utm_source=canon'>"
        publisher.add("/p", article_page("Harbour strike", head=head))
        # the feed links a share URL with tracking parameters; the page names its canonical
        link = publisher.url("/p?utm_source=rss&utm_medium=feed&fbclid=abc")
        publisher.add("/feed.xml", rss([item("Harbour strike", link)]), RSS)
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(
            settings, feeds=[FeedSource(publisher.url("/feed.xml"), "Publisher")]
        )
        assert summary.articles_failed == 0, summary.failures
        docs = _docs(settings)
        assert len(docs) == 1
        assert docs[0]["url"] == canonical and docs[0]["canonical_url"] == canonical
        assert docs[0]["id"] == doc_id(canonical)
        assert publisher.url("/p") in docs[0]["aliases"]
        assert not any("utm_" in a or "fbclid" in a for a in docs[0]["aliases"])


def test_canonical_to_another_site_or_to_the_home_page_is_ignored(tmp_path: Path) -> None:
    with sites("127.0.0.1", "127.0.0.2") as (publisher, other):
        elsewhere = other.url("/syndicated/copy")
        pages = {
            "/a/elsewhere": f"<link rel='canonical' href='{elsewhere}'>",
            "/a/home-1": "<link rel='canonical' href='/'>",
            "/a/home-2": "<meta property='og:url' content='{SITE}/index.html'>",
            "/a/section/story": "<link rel='canonical' href='{SITE}/a/section/'>",
        }
        for path, head in pages.items():
            publisher.add(path, article_page(f"Story {path}", head=head))
        publisher.add("/feed.xml", rss([item(p, publisher.url(p)) for p in pages]), RSS)
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(
            settings, feeds=[FeedSource(publisher.url("/feed.xml"), "Publisher")]
        )
        assert summary.articles_failed == 0, summary.failures
        docs = {d["url"]: d for d in _docs(settings)}
        assert set(docs) == {publisher.url(p) for p in pages}  # four articles, none merged
        for doc in docs.values():
            assert doc["domain"] == "127.0.0.1"
            assert doc["canonical_url"] is None
            assert elsewhere not in doc["aliases"] and publisher.url("/") not in doc["aliases"]


def test_an_index_and_state_store_from_before_aliases_keep_their_document_ids(
    tmp_path: Path,
) -> None:
    """A state store at schema version 2 (no alias table) is migrated: an article indexed
    under its entry URL keeps its id when its page later names a different canonical URL."""
    with sites("127.0.0.1") as (publisher,):
        page = publisher.add("/story?id=7", article_page("Ferry timetable"))
        publisher.add("/feed.xml", rss([item("Ferry timetable", page)]), RSS)
        settings = loopback_settings(tmp_path)
        pipeline.run(settings, feeds=[FeedSource(publisher.url("/feed.xml"), "Publisher")])
        (before,) = _docs(settings)
        assert before["id"] == doc_id(page)
        with sqlite3.connect(settings.state_file) as db:  # what newsflow before aliases left behind
            db.execute("DROP TABLE aliases")
            db.execute("PRAGMA user_version = 2")
        head = "<link rel='canonical' href='/ferries/timetable-changes'>"
        publisher.add("/story?id=7", article_page("Ferry timetable", head=head))
        summary = pipeline.ingest_urls(settings, [page])
        assert summary.articles_failed == 0, summary.failures
        docs = _docs(settings)
        assert len(docs) == 1
        assert docs[0]["id"] == before["id"]
        assert docs[0]["url"] == publisher.url("/ferries/timetable-changes")
        assert page in docs[0]["aliases"]
        with sqlite3.connect(settings.state_file) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] >= 3


def test_two_feeds_agreeing_on_a_permalink_guid_make_one_document(tmp_path: Path) -> None:
    """A section feed links the WordPress shortlink (served as is: no redirect, no canonical)
    and gives the permalink as its guid; the main feed links the permalink. A guid that is a
    tag or another site's URL is no alias."""
    with sites("127.0.0.1") as (publisher,):
        page = article_page("Ferry timetable changes")
        permalink = publisher.add("/news/ferry-timetable-changes", page)
        shortlink = publisher.add("/?p=4117", page)
        other = publisher.add("/news/harbour-dredging", article_page("Harbour dredging starts"))
        publisher.add("/section.xml", rss([
            item("Ferry timetable changes", shortlink, f"<guid isPermaLink='false'>{permalink}</guid>"),
            item("Harbour dredging starts", other, "<guid>tag:127.0.0.1,2025:4118</guid>"),
        ]), RSS)
        publisher.add("/feed.xml", rss([item("Ferry timetable changes", permalink)]), RSS)
        settings = loopback_settings(tmp_path)
        feeds = [FeedSource(publisher.url("/section.xml"), "Section"), FeedSource(publisher.url("/feed.xml"), "Main")]
        summary = pipeline.run(settings, feeds=feeds)
        assert summary.articles_failed == 0, summary.failures
        docs = {d["title"]: d for d in _docs(settings)}
        assert sorted(docs) == ["Ferry timetable changes", "Harbour dredging starts"]
        assert set(docs["Ferry timetable changes"]["aliases"]) >= {shortlink, permalink}
        assert docs["Harbour dredging starts"]["aliases"] == [other]
