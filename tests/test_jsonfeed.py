"""JSON Feed parsing and feed field caps on their own (the pipeline runs are in tests/realworld)."""

from __future__ import annotations

import json

import pytest

from newsflow import jsonfeed
from newsflow.errors import FeedParseError
from newsflow.fieldcaps import FIELD_MAX_CHARS, cap_names, cap_text
from newsflow.polling import entry_image

V11 = "https://jsonfeed.org/version/1.1"


def test_json_is_recognised_by_type_or_by_its_first_character() -> None:
    assert jsonfeed.looks_like_json(
        b"", "application/feed+json"
    )  # nothing to sniff: the type decides
    assert jsonfeed.looks_like_json(b'\xef\xbb\xbf  {"version": 1}', "text/plain")
    assert not jsonfeed.looks_like_json(b"<?xml version='1.0'?><rss/>", "application/xml")
    assert not jsonfeed.looks_like_json(
        b"  <rss version='2.0'/>", "application/json"
    )  # mislabelled RSS
    assert jsonfeed.looks_like_json(b'{"version": "x"}', "application/rss+xml")  # mislabelled JSON
    assert jsonfeed.looks_like_json('{"version": "x"}'.encode("utf-32-be"), "text/plain")  # no BOM


def test_utf32_json_feed_without_a_bom_is_read() -> None:
    feed = {"version": V11, "items": [{"id": "1", "url": "https://pub.example/é", "title": "Café"}]}
    entries, _ = jsonfeed.parse(
        json.dumps(feed, ensure_ascii=False).encode("utf-32-le"), "https://pub.example/f"
    )
    assert entries[0]["title"] == "Café" and entries[0]["link"] == "https://pub.example/é"


def test_items_in_utf16_with_a_bom_and_fields_of_the_wrong_type_are_ignored() -> None:
    feed = {
        "version": V11,
        "items": [
            {
                "id": 1,
                "url": "https://pub.example/a",
                "title": ["x"],
                "summary": 5,
                "authors": [{"name": "  Ann  "}, {"url": "https://ann.example"}, "Bob"],
                "date_published": "2025-03-01T12:00:00",
                "attachments": "none",
            },
            "not an item",
        ],
    }
    entries, meta = jsonfeed.parse(
        json.dumps(feed).encode("utf-16"), "https://pub.example/feed.json"
    )
    assert len(entries) == 1
    (entry,) = entries
    assert entry["id"] == "1" and entry["link"] == "https://pub.example/a"
    assert entry["title"] is None and entry["summary"] is None and entry["image"] is None
    assert entry["authors"] == [{"name": "Ann"}]
    assert (
        entry["published"] == "2025-03-01T12:00:00" and entry["published_parsed"] is None
    )  # no offset: no date
    assert meta["title"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"[1, 2]", "top level is not an object"),
        (b'{"version": "1.1", "items": []}', "not a JSON Feed"),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "no 'items' list"),
        (b"\xff\xfe\xfd", "not valid JSON"),
        (
            b'{"version": "https://jsonfeed.org/version/1.1", "items": '
            + b"[" * 50_000
            + b"]" * 50_000
            + b"}",
            "not valid JSON",
        ),
    ],
)
def test_what_is_not_a_json_feed_is_a_feed_parse_error(body: bytes, expected: str) -> None:
    with pytest.raises(FeedParseError, match=expected):
        jsonfeed.parse(body, "https://pub.example/feed.json")


def test_caps() -> None:
    capped = cap_text("x" * (FIELD_MAX_CHARS * 3))
    assert capped is not None and len(capped) == FIELD_MAX_CHARS and capped.endswith("…")
    assert cap_text("") is None and cap_text("short") == "short"
    assert cap_names(("Ann", "y" * 300, *[f"n{i}" for i in range(100)]))[:2] == ("Ann", "n0")
    assert len(cap_names(tuple(f"n{i}" for i in range(100)))) == 50


def test_entry_image_order_and_resolution() -> None:
    raw = {
        "media_content": [
            {"url": "/v.mp4", "type": "video/mp4"},
            {"url": "javascript:x", "medium": "image"},
            {"url": "//img.example/c.jpg", "medium": "image"},
        ],
        "media_thumbnail": [{"url": "t.jpg"}],
    }
    assert entry_image(raw, "https://pub.example/feed/") == "https://img.example/c.jpg"
    assert (
        entry_image({"media_thumbnail": [{"url": "t.jpg"}]}, "https://pub.example/feed/")
        == "https://pub.example/feed/t.jpg"
    )
    enclosure = {
        "links": [
            {"rel": "enclosure", "type": "audio/mpeg", "href": "/a.mp3"},
            {"rel": "enclosure", "type": "image/png", "href": "/e.png"},
        ]
    }
    assert entry_image(enclosure, "http://pub.example/rss") == "http://pub.example/e.png"
    assert (
        entry_image({"image": {"href": "/itunes.jpg"}}, "http://pub.example/rss")
        == "http://pub.example/itunes.jpg"
    )
    assert entry_image({}, "http://pub.example/rss") is None
