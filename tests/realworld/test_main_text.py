"""Main text chosen on evidence: the story, not a consent banner or a mega-menu.

Pages written for these tests, shaped like real pages that fooled a length rule.
"""

from __future__ import annotations

from datetime import UTC, datetime

import trafilatura

from newsflow.cleaning import clean_page
from newsflow.main_text import anchor_texts, evidence
from newsflow.models import FeedEntry, FetchedPage

URL = "http://news.test/ferry"
STORY = [
    "The harbour ferry Marigold returned to service on Tuesday morning after eleven weeks in the "
    "dry dock at Keller's Yard, where engineers replaced both propeller shafts.",
    "Skipper Aileen Voss said the first crossing carried 212 passengers and 31 cars, close to a "
    "normal winter Tuesday. \"People were waiting at the slipway before we lowered the ramp,\" she said.",
    "The repairs cost the harbour board about £1.3 million, roughly half of which came from the "
    "regional transport fund.",
    "During the closure commuters relied on a replacement bus that took up to ninety minutes "
    "around the estuary, and island shops reported a fall in trade of about a third.",
    "The board said the smaller Linnet will remain on standby through the storm season and run an "
    "extra evening service on Fridays until the end of March.",
]
BANNER = (
    "<div class='consent'><p>We use cookies to improve your experience on our site, to "
    "personalise content and to analyse our traffic. By continuing to browse you agree to our use "
    "of cookies as described in our cookie policy, which you can change at any time.</p>"
    "<button>Accept all</button></div>"
)
NAV = "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
SECTIONS = ["Politics", "Business", "Markets", "Technology", "Science", "Health", "Education",
            "Environment", "Culture", "Books", "Music", "Film", "Travel", "Food", "Sport",
            "Football", "Cricket", "Rugby", "Tennis", "Golf", "Motoring", "Property", "Jobs",
            "Letters", "Opinion", "Weather", "Puzzles", "Podcasts"]
MEGAMENU = "<div class='megamenu'>" + "".join(
    f"<div><p>{s}</p><p>Latest {s.lower()} headlines, live coverage and analysis</p>"
    f"<p>{s} newsletter and alerts for readers</p></div>" for s in SECTIONS * 2) + "</div>"
LIBRARY = [
    "The central library on Mill Street will stay open until 10pm on weekdays from Monday until "
    "the end of the university exam period on 20 June, the city council said.",
    "Councillor Priya Anand said the trial follows a petition signed by 1,400 students. "
    "\"The reading rooms are full by nine in the morning,\" she said.",
]


def _page(html: str) -> FetchedPage:
    return FetchedPage(URL, URL, 200, "text/html", html, datetime(2025, 12, 2, tzinfo=UTC))


def _entry(title: str | None = None, summary: str | None = None) -> FeedEntry:
    return FeedEntry(url=URL, feed_url="http://news.test/feed", source="Test", title=title, summary=summary)


def _html(title: str, body: str) -> str:
    return (f"<!doctype html><html lang='en'><head><title>{title}</title>"
            f"<meta property='og:title' content='{title}'></head><body>{body}</body></html>")


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{t}</p>" for t in texts)


def test_story_in_an_aside_beats_the_consent_banner() -> None:
    title = "Harbour ferry returns after winter repairs"
    html = _html(title, f"{NAV}{BANNER}<aside class='story'><h1>{title}</h1>{_paragraphs(STORY)}</aside>"
                        "<footer><a href='/privacy'>Privacy</a></footer>")
    bare = trafilatura.bare_extraction(html, with_metadata=True).as_dict()["text"]
    assert "cookies" in bare and "Marigold" not in bare  # the library alone keeps the banner

    article = clean_page(_page(html), _entry())
    assert "Marigold" in article.text and "Linnet" in article.text
    assert "cookies" not in article.text


def test_short_story_beats_a_long_mega_menu() -> None:
    title = "Library extends opening hours for exam season"
    html = _html(title, f"{MEGAMENU}<div class='story'><h1>{title}</h1>{_paragraphs(LIBRARY)}</div>")
    bare = trafilatura.bare_extraction(html, with_metadata=True).as_dict()["text"]
    assert len(bare) > 4000 and "headlines, live coverage" in bare  # the library's default reading

    article = clean_page(_page(html), _entry())
    assert "Mill Street" in article.text and "Priya Anand" in article.text
    assert "headlines, live coverage" not in article.text
    assert len(article.text) < 600


def test_a_sound_fast_reading_is_kept_as_it_is() -> None:
    title = "Harbour ferry returns after winter repairs"
    html = _html(title, f"{NAV}<article><h1>{title}</h1>{_paragraphs(STORY)}</article>")
    fast = trafilatura.bare_extraction(html, with_metadata=True, fast=True).as_dict()["text"]
    article = clean_page(_page(html), _entry(title=title))
    assert article.text == fast.split("\n", 1)[1].strip() or article.text == fast.strip()


def test_evidence_reads_navigation_templates_and_relevance() -> None:
    anchors = anchor_texts("<a href='/a'>Home</a><a href='/b'> World <b>news</b></a>")
    assert anchors == {"home", "world news"}
    menu = "\n".join(f"Latest {s.lower()} headlines and analysis" for s in SECTIONS[:6])
    ev = evidence("Home\nWorld news\n" + menu, anchors=anchors, hints=["Ferry returns"])
    assert ev.prose == 0 and ev.links == len("Home") + len("World news")
    assert ev.templated == sum(len(line) for line in menu.split("\n"))
    assert ev.relevance == 0.0 and not ev.sound
    story = evidence("\n".join(STORY), anchors=anchors, hints=["Harbour ferry returned after repairs"])
    assert story.sound and story.relevance == 1.0 and story.prose == story.chars
    assert evidence("", anchors=anchors).score == 0.0
