"""Cleaning one page into an Article: which source each field comes from."""

from __future__ import annotations

from datetime import UTC, datetime

from newsflow.cleaning import clean_page
from newsflow.models import FeedEntry, FetchedPage

BODY = "<p>" + "The council approved the new harbour plan after a long debate on Tuesday evening. " * 4 + "</p>"


def page(head: str, body: str = BODY) -> FetchedPage:
    html = f"<!doctype html><html lang='en'><head>{head}</head><body><article><h1>Harbour plan</h1>{body}</article></body></html>"
    return FetchedPage("http://news.test/a", "http://news.test/a", 200, "text/html", html, datetime(2025, 12, 2, tzinfo=UTC))


def entry(**kw: object) -> FeedEntry:
    return FeedEntry(url="http://news.test/a", feed_url="http://news.test/feed", source="Test", **kw)  # type: ignore[arg-type]


def test_page_metadata_wins_and_says_so() -> None:
    article = clean_page(page('<title>Harbour plan</title><meta name="author" content="Ada Lane">'
                              '<meta property="article:published_time" content="2025-12-01T18:30:00+01:00">'),
                         entry(title="Feed title", published_at="2025-12-01T20:00:00Z", authors=("Feed Author",)))
    assert article.title == "Harbour plan" and article.field_sources["title"] == "page"
    assert article.authors == ["Ada Lane"] and article.field_sources["authors"] == "page"
    assert article.published_at == "2025-12-01T17:30:00Z" and article.field_sources["published_at"] == "page"
    assert article.feed_published_at == "2025-12-01T20:00:00Z"
    assert not article.text.startswith("Harbour plan"), "the headline is stored apart from the text"


def test_feed_fills_in_what_the_page_lacks() -> None:
    article = clean_page(page("<title>Harbour plan</title>"),
                         entry(published_at="2025-12-01T20:00:00Z", authors=("Feed Author",), summary="A summary."))
    assert article.authors == ["Feed Author"] and article.field_sources["authors"] == "feed"
    assert article.field_sources["published_at"] in {"feed", "page"}
    assert article.feed_summary == "A summary."


def test_a_day_only_page_date_keeps_the_feeds_time_of_that_day() -> None:
    article = clean_page(page('<title>Harbour plan</title><meta name="date" content="2025-12-01">'),
                         entry(published_at="2025-12-01T20:00:00Z"))
    assert article.published_at == "2025-12-01T20:00:00Z"
    assert article.field_sources["published_at"] == "feed"


def test_a_reference_to_a_control_character_does_not_lose_the_article() -> None:
    """One ``&#x4;`` (a broken CMS entity) made trafilatura return no text for the whole page."""
    body = BODY + "<p>Ferries leave from Harbour City&#x4;s terminal and the &#11;old pier &#x27;daily&#x27;.</p>" + BODY
    article = clean_page(page("<title>Harbour plan</title>", body), entry())
    assert "Ferries leave from Harbour Citys terminal and the old pier 'daily'." in article.text
    assert article.text.count("The council approved the new harbour plan") == 8


def test_local_day_offset_and_raw_date_reach_the_document_and_back() -> None:
    from newsflow.models import Article

    head = "<title>Harbour plan</title><meta property='article:published_time' content='2022-01-28T00:00:00+01:00'>"
    article = clean_page(page(head), entry(published_raw="Fri, 28 Jan 2022 07:00:00 XYZT",
                                           published_warning="date 'Fri, 28 Jan 2022 07:00:00 XYZT': unknown time zone 'XYZT'"))
    doc = article.to_document()
    assert (doc["published_at"], doc["published_day"], doc["published_offset"]) == (
        "2022-01-27T23:00:00Z", "2022-01-28", "+01:00")
    assert doc["published_raw"] == "2022-01-28T00:00:00+0100" and "XYZT" in doc["published_warning"]
    again = Article.from_document(doc)
    assert (again.published_day, again.published_offset, again.published_raw, again.published_warning) == (
        "2022-01-28", "+01:00", doc["published_raw"], doc["published_warning"])
    assert "published_day" not in again.enrichments
