"""JSON Feed 1.0 and 1.1 (https://www.jsonfeed.org/version/1.1/), read into the shape of
feedparser's entries so one code path turns every feed format into
:class:`~newsflow.models.FeedEntry` values.

feedparser 6.0 reads RSS and Atom only. A JSON Feed body has already passed the fetch limits
(size cap after decompression, time limit); here a body that is not a JSON object, nests
deeper than Python's recursion limit, or lacks the ``https://jsonfeed.org/version/`` marker is a
:class:`~newsflow.errors.FeedParseError`. Item fields read: ``id``, ``url``,
``external_url`` (the link when ``url`` is absent), ``title``, ``summary``,
``content_text``/``content_html`` (the summary when ``summary`` is absent),
``date_published``/``date_modified`` (RFC 3339), ``authors`` (1.1) / ``author`` (1.0),
inherited from the feed when the item has none, ``tags``, ``language`` (1.1), ``image``,
``banner_image`` and image ``attachments``. Values of the wrong JSON type are ignored.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from newsflow.errors import FeedParseError

VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json(body: bytes, content_type: str) -> bool:
    """Whether a feed body is JSON: its first character is ``{``; or, when it starts with
    neither ``{`` nor ``<`` (servers mislabel feeds both ways), its media type says JSON."""
    first = _decode(body[:64], strict=False).lstrip()[:1]
    if first in ("{", "<"):
        return first == "{"
    return "json" in content_type.lower()


def parse(body: bytes, url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(entries, feed)`` of a JSON Feed: entries as feedparser-style dictionaries (``link``,
    ``title``, ``summary``, ``published``/``published_parsed``, ``updated``/``updated_parsed``,
    ``authors`` [{name}], ``tags`` [{term}], ``image``, ``id``), feed metadata (``title``,
    ``language``, ``link``). Raises :class:`FeedParseError` when the body is not a JSON Feed."""
    try:
        data = json.loads(_decode(body, strict=True))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise FeedParseError(f"{url} is not valid JSON ({type(exc).__name__}: {exc})", url=url) from None
    if not isinstance(data, dict):
        raise FeedParseError(f"{url} is JSON but not a JSON Feed (top level is not an object)", url=url)
    version = data.get("version")
    if not isinstance(version, str) or not version.startswith(VERSION_PREFIX):
        raise FeedParseError(f"{url} is JSON but not a JSON Feed (no 'version': '{VERSION_PREFIX}1.1')", url=url)
    items = data.get("items")
    if not isinstance(items, list):
        raise FeedParseError(f"JSON Feed {url} has no 'items' list", url=url)
    feed_authors = _authors(data)
    feed = {"title": _str(data.get("title")), "language": _str(data.get("language")),
            "link": _str(data.get("home_page_url"))}
    return [_item(raw, feed_authors) for raw in items if isinstance(raw, dict)], feed


def _item(raw: dict[str, Any], feed_authors: list[dict[str, str]]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": _str(raw.get("id")) or (str(raw["id"]) if isinstance(raw.get("id"), int) else None),
        "link": _str(raw.get("url")) or _str(raw.get("external_url")),
        "title": _str(raw.get("title")),
        "summary": _str(raw.get("summary")) or _str(raw.get("content_text")) or _str(raw.get("content_html")),
        "authors": _authors(raw) or feed_authors,
        "tags": [{"term": t} for t in raw.get("tags") or [] if isinstance(t, str)] if isinstance(raw.get("tags"), list) else [],
        "language": _str(raw.get("language")),
        "image": _str(raw.get("image")) or _str(raw.get("banner_image")) or _image_attachment(raw.get("attachments")),
    }
    for name, key in (("published", "date_published"), ("updated", "date_modified")):
        value = _str(raw.get(key))
        if value:
            entry[name] = value
            entry[f"{name}_parsed"] = _rfc3339(value)
    return entry


def _authors(obj: dict[str, Any]) -> list[dict[str, str]]:
    """1.1's ``authors`` list, else 1.0's single ``author`` object."""
    values = obj.get("authors")
    if not isinstance(values, list):
        values = [obj.get("author")]
    return [{"name": v["name"].strip()} for v in values if isinstance(v, dict) and _str(v.get("name"))]


def _image_attachment(attachments: Any) -> str | None:
    if not isinstance(attachments, list):
        return None
    for item in attachments:
        if isinstance(item, dict) and str(item.get("mime_type") or "").lower().startswith("image/"):
            return _str(item.get("url"))
    return None


def _rfc3339(value: str) -> time.struct_time | None:
    """A UTC ``struct_time`` like feedparser's ``*_parsed`` values; None when unparseable or
    without an offset (a JSON Feed date must carry one)."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC).timetuple()


def _str(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _decode(body: bytes, *, strict: bool) -> str:
    """JSON text in UTF-8, UTF-16 or UTF-32, with or without a BOM (``json.detect_encoding``)."""
    return body.decode(json.detect_encoding(body), errors="strict" if strict else "replace")
