"""Publication dates through the real pipeline: the publisher's day, never a silent guess.

Feeds and pages are ours, written in the shapes real publishers serve: RSS ``pubDate`` with
named zones feedparser reads as UTC, day and month names in seven languages, an unknown zone,
a page whose date is only in its visible text, and a local midnight east of Greenwich.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import make_settings

from newsflow import pipeline
from newsflow.index.embedded import EmbeddedBackend
from newsflow.models import FeedSource
from newsflow.state import StateStore

from .site import page, rss, site

# zone → (UTC instant, offset) for "Tue, 24 Jun 2025 08:57:00 <zone>", worked out by hand
ZONES = {
    "CEST": ("2025-06-24T06:57:00Z", "+02:00"),
    "CET": ("2025-06-24T07:57:00Z", "+01:00"),
    "EET": ("2025-06-24T06:57:00Z", "+02:00"),
    "BST": ("2025-06-24T07:57:00Z", "+01:00"),
    "IST": ("2025-06-24T03:27:00Z", "+05:30"),
    "MSK": ("2025-06-24T05:57:00Z", "+03:00"),
    "JST": ("2025-06-23T23:57:00Z", "+09:00"),
    "AEST": ("2025-06-23T22:57:00Z", "+10:00"),
    "MESZ": ("2025-06-24T06:57:00Z", "+02:00"),
    "EDT": ("2025-06-24T12:57:00Z", "-04:00"),
}

# language → pubDate as that language's publishers write it; all mean 24 June 2025 08:57 at +02:00
LOCALIZED = {
    "de": "Di, 24 Jun 2025 08:57:00 MESZ",
    "fr": "mar., 24 juin 2025 08:57:00 +0200",
    "es": "martes, 24 de junio de 2025 08:57:00 +0200",
    "it": "mar, 24 giu 2025 08:57:00 +0200",
    "pt": "ter, 24 jun 2025 08:57:00 +0200",
    "nl": "di, 24 jun 2025 08:57:00 +0200",
    "ru": "Вт, 24 июн 2025 08:57:00 +0200",
}
UNKNOWN = "Tue, 24 Jun 2025 08:57:00 XYZT"
EPOCH = "Thu, 01 Jan 1970 00:00:00 +0000"  # what a CMS writes when it has no date


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("publisher")
    files: dict[str, str] = {}
    zone_items = []
    for zone in ZONES:
        files[f"zones/{zone.lower()}.html"] = page(f"Ferry timetable ({zone})", f"Harbour {zone}")
        zone_items.append((f"/zones/{zone.lower()}.html", f"Tue, 24 Jun 2025 08:57:00 {zone}"))
    files["zones/unknown.html"] = page("Ferry timetable (unknown zone)", "Nowhere Quay")
    zone_items.append(("/zones/unknown.html", UNKNOWN))
    files["zones/epoch.html"] = page("Ferry timetable (no date in the CMS)", "Zero Pier")
    zone_items.append(("/zones/epoch.html", EPOCH))
    files["zones.xml"] = rss(zone_items, language="en")
    files["irish/ist.html"] = page("Ferry timetable (Irish summer time)", "Dún Laoghaire")
    files["irish.xml"] = rss([("/irish/ist.html", "Tue, 24 Jun 2025 08:57:00 IST")], language="en-IE")
    for language, date in LOCALIZED.items():
        files[f"{language}/story.html"] = page(f"Ferry ({language})", f"Port {language}", lang=language)
        files[f"{language}.xml"] = rss([(f"/{language}/story.html", date)], language=language)
    files["pages/text-en.html"] = page(
        "Ferry back on the river", "Elm Ford", before="<p class=\"meta\">Published on March 14, 2024</p>"
    )
    files["pages/text-de.html"] = page(
        "Fähre wieder unterwegs", "Erlenfurt", lang="de", before="<p>Veröffentlicht am 14. März 2024</p>"
    )
    files["pages/midnight.html"] = page(
        "Ferry at midnight", "Nightport",
        head='<meta property="article:published_time" content="2022-01-28T00:00:00+01:00">',
    )
    files["pages/feed-midnight.html"] = page("Ferry at midnight, feed", "Dawnport")
    files["pages.xml"] = rss([
        ("/pages/text-en.html", None), ("/pages/text-de.html", None), ("/pages/midnight.html", None),
        ("/pages/feed-midnight.html", "Fri, 28 Jan 2022 00:00:00 +0100"),
    ])
    with site(root / "site", files) as server:
        base = server.base_url
        feeds = [FeedSource(url=f"{base}/{name}.xml", name=name)
                 for name in ("zones", "irish", "pages", *LOCALIZED)]
        settings = make_settings(root / "data")
        summary = pipeline.run(settings, feeds=feeds)
        assert summary.feeds_failed == 0
        backend = EmbeddedBackend(settings.index_file)
        docs = {doc["url"].removeprefix(base): doc for doc in backend.iter_documents()}
        backend.close()
        state = StateStore(settings.state_file)
        zone_feed = state.feed(f"{base}/zones.xml")
        state.close()
    return {"docs": docs, "zone_feed_status": zone_feed.last_status if zone_feed else None}


@pytest.mark.parametrize("zone", list(ZONES))
def test_named_zone_in_pubdate(documents: dict[str, Any], zone: str) -> None:
    doc = documents["docs"][f"/zones/{zone.lower()}.html"]
    at, offset = ZONES[zone]
    assert doc["published_at"] == at
    assert doc["published_offset"] == offset
    assert doc["published_day"] == "2025-06-24"  # JST and AEST are the 23rd in UTC, not locally
    assert doc["published_raw"] == f"Tue, 24 Jun 2025 08:57:00 {zone}"
    assert doc["field_sources"]["published_at"] == "feed"
    assert doc["published_warning"] is None


def test_irish_feed_reads_ist_as_irish_summer_time(documents: dict[str, Any]) -> None:
    doc = documents["docs"]["/irish/ist.html"]
    assert (doc["published_at"], doc["published_offset"]) == ("2025-06-24T07:57:00Z", "+01:00")


@pytest.mark.parametrize("language", list(LOCALIZED))
def test_localized_day_and_month_names(documents: dict[str, Any], language: str) -> None:
    doc = documents["docs"][f"/{language}/story.html"]
    assert doc["published_at"] == "2025-06-24T06:57:00Z"
    assert doc["published_day"] == "2025-06-24" and doc["published_offset"] == "+02:00"
    assert doc["published_raw"] == LOCALIZED[language]


def test_unknown_zone_gives_no_date_and_a_recorded_warning(documents: dict[str, Any]) -> None:
    doc = documents["docs"]["/zones/unknown.html"]
    assert doc["published_at"] is None and doc["published_day"] is None
    assert doc["published_raw"] == UNKNOWN
    assert "unknown time zone 'XYZT'" in doc["published_warning"]
    status = documents["zone_feed_status"]
    assert status is not None and "XYZT" in status


def test_placeholder_epoch_date_is_not_a_publication_date(documents: dict[str, Any]) -> None:
    doc = documents["docs"]["/zones/epoch.html"]
    assert doc["published_at"] is None and doc["published_day"] is None
    assert doc["published_raw"] == EPOCH and "placeholder" in doc["published_warning"]


@pytest.mark.parametrize("path", ["/pages/text-en.html", "/pages/text-de.html"])
def test_date_only_in_visible_text_is_found(documents: dict[str, Any], path: str) -> None:
    doc = documents["docs"][path]
    assert doc["published_day"] == "2024-03-14"
    assert doc["field_sources"]["published_at"] == "page"


def test_page_local_midnight_keeps_its_day(documents: dict[str, Any]) -> None:
    doc = documents["docs"]["/pages/midnight.html"]
    assert doc["published_day"] == "2022-01-28"
    assert doc["published_at"] == "2022-01-27T23:00:00Z"
    assert doc["published_offset"] == "+01:00"


def test_feed_local_midnight_keeps_its_day(documents: dict[str, Any]) -> None:
    doc = documents["docs"]["/pages/feed-midnight.html"]
    assert (doc["published_day"], doc["published_at"]) == ("2022-01-28", "2022-01-27T23:00:00Z")
    assert doc["published_raw"] == "Fri, 28 Jan 2022 00:00:00 +0100"
