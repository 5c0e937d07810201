"""One language-code normaliser (newsflow.langtags.normalize_language): the page's
``<html lang>``, a feed's and an entry's ``<language>``, the feed list, OPML import and the
language classifier's codes all come out in the same canonical form."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.language import rank_languages
from newsflow.cleaning import page_language
from newsflow.feeds import import_opml, load_feed_list
from newsflow.fetching import Response
from newsflow.langtags import normalize_language
from newsflow.models import FeedSource
from newsflow.polling import parse_feed


@pytest.mark.parametrize(("tag", "code"), [
    ("en-US", "en"), ("pt_BR", "pt"), (" DEU ", "de"), ("ger", "de"), ("fre", "fr"), ("iw", "he"),
    ("en_GB.UTF-8", "en"), ("zh-Hant-TW", "zh"), ("sr-Latn", "sr"), ("no", "no"), ("xx", "xx"),
    ("und", None), ("mul", None), ("zxx", None), ("english", None), ("12", None), ("", None), (None, None),
])
def test_normalize_language(tag: str | None, code: str | None) -> None:
    assert normalize_language(tag) == code


@pytest.mark.parametrize(("html", "code"), [
    ('<html lang="de-AT"><body>x</body></html>', "de"),
    ("<html lang='ger'><body>x</body></html>", "de"),
    ('<html xml:lang="pt_BR" lang=pt-BR>', "pt"),
    ('<html lang="english">', None),  # a word, not a code (its first three letters are no code either)
    ('<html lang="">', None),
    ("<html><body>x</body></html>", None),
])
def test_page_language(html: str, code: str | None) -> None:
    assert page_language(html) == code


def _rss(channel_language: str, item_language: str | None = None) -> bytes:
    item_lang = f"<language>{item_language}</language>" if item_language else ""
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<link>http://news.test/</link><language>{channel_language}</language>"
        f"<item><title>Harbour reopens</title><link>http://news.test/a.html</link>{item_lang}</item>"
        "</channel></rss>"
    ).encode()


@pytest.mark.parametrize(("declared", "code"), [("ger", "de"), ("en-gb", "en"), ("english", None)])
def test_a_feeds_declared_language(declared: str, code: str | None) -> None:
    url = "http://news.test/feed.xml"
    response = Response(url, url, 200, "application/rss+xml", "utf-8", _rss(declared))
    [entry], _warning = parse_feed(response, FeedSource(url=url, name="T"))
    assert entry.language == code


def test_an_entrys_own_language_wins_normalised() -> None:
    url = "http://news.test/feed.xml"
    response = Response(url, url, 200, "application/rss+xml", "utf-8", _rss("en", "fre"))
    [entry], _warning = parse_feed(response, FeedSource(url=url, name="T"))
    assert entry.language == "fr"


def test_the_feed_list_and_opml_store_canonical_codes(tmp_path: Path) -> None:
    listed = tmp_path / "feeds.yaml"
    listed.write_text("feeds:\n  - name: Tagesschau\n    url: https://de.example/rss\n    language: DEU\n",
                      encoding="utf-8")
    assert [f.language for f in load_feed_list(listed)] == ["de"]
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body>'
        '<outline text="A" xmlUrl="https://a.example/rss" language="iw-IL"/>'
        '<outline text="B" xmlUrl="https://b.example/rss" language="ger"/>'
        '<outline text="C" xmlUrl="https://c.example/rss" language="German"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    assert [f.language for f in import_opml(opml)] == ["he", "de", None]


def test_the_classifier_speaks_the_same_codes() -> None:
    """Declared and detected languages are compared: the classifier's codes are canonical too
    (py3langid says ``tl`` where langcodes writes ``fil``); its ``zxx`` (no linguistic content)
    names no language and stays as it is."""
    codes = [code for code, _p in rank_languages("The harbour reopened on Monday after the storm.")]
    assert "fil" in codes
    assert all(normalize_language(code) in (code, None) for code in codes)
