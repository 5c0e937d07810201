"""Feed formats and feed content through the real pipeline: JSON Feed, UTF-32 without a BOM,
oversized fields, entries without a link, Media RSS images, URLs resolved against their base."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from newsflow import pipeline
from newsflow.fieldcaps import FIELD_MAX_CHARS
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore

from .identity_server import (
    PARAGRAPHS,
    RSS,
    Site,
    article_page,
    item,
    loopback_settings,
    rss,
    sites,
)


def _docs(settings: Any) -> dict[str, dict[str, Any]]:
    with EmbeddedBackend(settings.index_file) as index:
        return {d["url"]: d for d in index.iter_documents()}


def _bare_page() -> str:
    """An article page with no title, date, author or image of its own."""
    return (
        "<html><body><article>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</article></body></html>"
    )


def _json_feed(site: Site) -> dict[str, Any]:
    for path in ("/j/1", "/j/2", "/j/3"):
        site.add(path, _bare_page())
    return {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JSON publisher",
        "home_page_url": site.url("/"),
        "language": "en",
        "authors": [{"name": "Mira Okafor"}],
        "items": [
            {
                "id": "1",
                "url": site.url("/j/1"),
                "title": "Tram line extended",
                "summary": "The tram line now reaches the airport.",
                "date_published": "2025-06-24T08:57:00+02:00",
                "authors": [{"name": "Jane Roe"}, {"name": "Sam Poe"}],
                "tags": ["transport", "city"],
                "attachments": [
                    {"url": "https://cdn.example/a.mp3", "mime_type": "audio/mpeg"},
                    {"url": "/media/tram.jpg", "mime_type": "image/jpeg"},
                ],
            },
            {  # a link-blog item: only external_url; authors inherited from the feed
                "id": "2",
                "external_url": site.url("/j/2"),
                "title": "Ferry fares",
                "content_html": "<p>Fares <b>rise</b> in May.</p>",
                "date_modified": "2025-05-01T10:00:00Z",
                "image": "//127.0.0.1/ferry.png",
            },
            {
                "id": "3",
                "url": site.url("/j/3"),
                "title": 7,
                "tags": "not-a-list",
                "authors": "nobody",
            },
            {"id": "no-link", "title": "Nothing to fetch", "content_text": "x"},
        ],
    }


def test_json_feed_1_1_items_authors_dates_attachments_and_external_url(tmp_path: Path) -> None:
    with sites("127.0.0.1") as (site,):
        feed = _json_feed(site)
        site.add("/feed.json", json.dumps(feed), "application/feed+json")
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(settings, feeds=[FeedSource(site.url("/feed.json"), "JSON")])
        assert summary.feeds_failed == 0 and summary.articles_failed == 0, summary.failures
        assert summary.entries_new == 3 and summary.entries_skipped == 1
        docs = _docs(settings)
        one, two, three = docs[site.url("/j/1")], docs[site.url("/j/2")], docs[site.url("/j/3")]
        assert one["title"] == "Tram line extended"
        assert one["authors"] == ["Jane Roe", "Sam Poe"]
        assert one["feed_published_at"] == "2025-06-24T06:57:00Z"
        assert one["tags"] == ["transport", "city"]
        assert one["image"] == site.url("/media/tram.jpg")  # the image attachment, resolved
        assert one["language"] == "en"
        assert two["authors"] == ["Mira Okafor"]
        assert two["feed_published_at"] == "2025-05-01T10:00:00Z"
        assert two["feed_summary"] == "Fares rise in May."
        assert two["image"] == "http://127.0.0.1/ferry.png"
        assert three["tags"] == [] and three["authors"] == ["Mira Okafor"]


def test_json_feed_1_0_served_as_application_json(tmp_path: Path) -> None:
    with sites("127.0.0.1") as (site,):
        site.add("/a", _bare_page())
        feed = {
            "version": "https://jsonfeed.org/version/1",
            "title": "Old JSON",
            "items": [
                {
                    "id": "a",
                    "url": "/a",
                    "title": "Harbour",
                    "author": {"name": "Ann Lee"},
                    "date_published": "2025-01-02T03:04:05-05:00",
                }
            ],
        }
        site.add("/feed", json.dumps(feed), "application/json")
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(settings, feeds=[FeedSource(site.url("/feed"), "JSON 1.0")])
        assert summary.articles_failed == 0, summary.failures
        doc = _docs(settings)[site.url("/a")]  # a relative item URL resolved against the feed
        assert doc["authors"] == ["Ann Lee"] and doc["feed_published_at"] == "2025-01-02T08:04:05Z"


def test_bad_json_feeds_fail_with_a_reason_and_the_run_goes_on(tmp_path: Path) -> None:
    with sites("127.0.0.1") as (site,):
        site.add("/a", _bare_page())
        good = {
            "version": "https://jsonfeed.org/version/1.1",
            "items": [{"id": "a", "url": site.url("/a")}],
        }
        site.add("/good.json", json.dumps(good), "application/feed+json")
        site.add(
            "/deep.json",
            '{"version": "https://jsonfeed.org/version/1.1", "items": '
            + "[" * 20_000
            + "]" * 20_000
            + "}",
            "application/feed+json",
        )
        site.add("/plain.json", '{"hello": "world"}', "application/json")
        site.add(
            "/broken.json",
            '{"version": "https://jsonfeed.org/version/1.1", "items": [',
            "application/json",
        )
        site.add("/big.json", json.dumps({**good, "pad": "x" * 300_000}), "application/feed+json")
        settings = loopback_settings(tmp_path, max_feed_bytes=200_000)
        names = ("good", "deep", "plain", "broken", "big")
        summary = pipeline.run(
            settings, feeds=[FeedSource(site.url(f"/{n}.json"), n) for n in names]
        )
        assert summary.feeds_failed == 4 and summary.articles_new == 1
        state = StateStore(settings.state_file)
        try:
            reasons = {
                f.url.rsplit("/", 1)[1]: (f.error_class, f.message) for f in state.failures("poll")
            }
        finally:
            state.close()
        assert (
            reasons["deep.json"][0] == "FeedParseError"
            and "not valid JSON" in reasons["deep.json"][1]
        )
        assert (
            reasons["plain.json"][0] == "FeedParseError"
            and "not a JSON Feed" in reasons["plain.json"][1]
        )
        assert reasons["broken.json"][0] == "FeedParseError"
        assert "big.json" in reasons and "good.json" not in reasons


def test_utf32_feed_without_a_bom_is_read(tmp_path: Path) -> None:
    with sites("127.0.0.1") as (site,):
        link = site.add("/u32", article_page("Café reopens"))
        body = rss([item("Café reopens", link)]).replace("{SITE}", site.base)
        body = body.replace(
            "<?xml version='1.0' encoding='utf-8'?>", "<?xml version='1.0' encoding='utf-32'?>"
        )
        site.add_bytes("/feed32.xml", body.encode("utf-32-be"), RSS)
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(settings, feeds=[FeedSource(site.url("/feed32.xml"), "UTF-32")])
        assert summary.feeds_failed == 0, summary.failures
        assert list(_docs(settings)) == [link]


def test_a_megabyte_feed_title_is_capped_like_page_fields(tmp_path: Path) -> None:
    with sites("127.0.0.1") as (site,):
        link = site.add("/long", _bare_page())
        huge = "Long " * 200_000
        site.add(
            "/feed.xml",
            rss([item(huge, link, f"<description>{'d' * 1_000_000}</description>")]),
            RSS,
        )
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(settings, feeds=[FeedSource(site.url("/feed.xml"), "Long")])
        assert summary.articles_failed == 0, summary.failures
        doc = _docs(settings)[link]
        assert doc["field_sources"]["title"] == "feed"
        assert len(doc["title"]) == FIELD_MAX_CHARS and doc["title"].startswith("Long Long")
        assert len(doc["feed_summary"]) <= FIELD_MAX_CHARS


def test_entries_without_an_http_link_are_counted_and_recorded(tmp_path: Path) -> None:
    with sites("127.0.0.1") as (site,):
        good = site.add("/ok", article_page("Fine"))
        relative = site.add("/rel", article_page("Relative"))
        items = [
            item("Fine", good),
            item("Relative", "/rel"),  # resolved against the feed's URL: a valid entry
            item("Mail", "mailto:desk@example.org"),
            item("FTP", "ftp://files.example.org/a.txt"),
            "<item><title>No link at all</title><description>x</description></item>",
        ]
        site.add("/feed.xml", rss(items), RSS)
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(settings, feeds=[FeedSource(site.url("/feed.xml"), "Mixed")])
        assert summary.entries_new == 2 and summary.entries_skipped == 3
        assert set(_docs(settings)) == {good, relative}
        with sqlite3.connect(settings.state_file) as db:
            rows = db.execute(
                "SELECT url, message FROM failures WHERE stage = 'entry' ORDER BY url"
            ).fetchall()
        keys = [r[0] for r in rows]
        assert "mailto:desk@example.org" in keys and "ftp://files.example.org/a.txt" in keys
        assert site.url("/feed.xml") + "#entry-5" in keys
        assert all("no http(s) link" in r[1] or "no link" in r[1] for r in rows)
        assert summary.exit_code == 0  # a skipped entry is recorded, not a failed run


def test_media_rss_and_enclosure_images_when_the_page_has_none_resolved_against_the_base(
    tmp_path: Path,
) -> None:
    with sites("127.0.0.1") as (site,):
        links = {
            name: site.add(f"/m/{name}", _bare_page()) for name in ("content", "thumb", "enclosure")
        }
        page_image = site.add(
            "/m/own",
            article_page("Own image", head="<meta property='og:image' content='/img/own.jpg'>"),
        )
        items = [
            item(
                "c",
                links["content"],
                "<media:content url='//127.0.0.1/img/c.jpg' medium='image'/>"
                "<media:content url='/v.mp4' type='video/mp4'/>",
            ),
            item("t", links["thumb"], "<media:thumbnail url='img/t.jpg'/>"),
            item(
                "e", links["enclosure"], "<enclosure url='/img/e.png' type='image/png' length='9'/>"
            ),
            item("o", page_image, "<media:thumbnail url='/img/feed.jpg'/>"),
        ]
        site.add("/news/feed.xml", rss(items), RSS)
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(settings, feeds=[FeedSource(site.url("/news/feed.xml"), "Media")])
        assert summary.articles_failed == 0, summary.failures
        docs = _docs(settings)
        assert docs[links["content"]]["image"] == "http://127.0.0.1/img/c.jpg"
        assert docs[links["thumb"]]["image"] == site.url("/news/img/t.jpg")
        assert docs[links["enclosure"]]["image"] == site.url("/img/e.png")
        assert docs[links["content"]]["field_sources"]["image"] == "feed"
        assert docs[page_image]["image"] == site.url("/img/own.jpg")  # the page's own image wins
        assert docs[page_image]["field_sources"]["image"] == "page"


def test_page_urls_resolve_against_the_base_element_and_never_stay_relative(tmp_path: Path) -> None:
    with sites("127.0.0.1") as (site,):
        head = (
            f"<base href='{site.base}/static/'>"
            "<link rel='canonical' href='//{HOST}/news/rail-strike'>"
            "<meta property='og:image' content='pics/rail.jpg'>"
        ).replace("{HOST}", site.base.split("//")[1])
        link = site.add("/p/123", article_page("Rail strike", head=head))
        site.add("/feed.xml", rss([item("Rail strike", link)]), RSS)
        settings = loopback_settings(tmp_path)
        summary = pipeline.run(settings, feeds=[FeedSource(site.url("/feed.xml"), "Base")])
        assert summary.articles_failed == 0, summary.failures
        (doc,) = _docs(settings).values()
        assert (
            doc["url"] == doc["canonical_url"] == site.url("/news/rail-strike")
        )  # http, as the page
        assert doc["image"] == site.url("/static/pics/rail.jpg")
        for value in (doc["url"], doc["canonical_url"], doc["image"], *doc["aliases"]):
            assert value.startswith("http://127.0.0.1:"), value
        assert link in doc["aliases"]
