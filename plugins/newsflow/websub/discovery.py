"""WebSub discovery: the hub and topic (``rel="self"``) a fetched feed declares.

W3C WebSub §4: a subscriber looks at the HTTP ``Link`` headers first and, when they name no
hub, at the feed's own links: ``<atom:link rel="hub">`` in RSS, ``<link rel="hub">`` in Atom
(both before the first item or entry), a JSON Feed's ``hubs``. The topic is the
``rel="self"`` URL (headers, then body), else the URL the feed was fetched from.

The body is read with expat (the standard library's parser), not lxml: discovery runs on the
poll stage's threads, and lxml is kept to one thread per process (the CPU stage).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.parsers import expat

from newsflow import jsonfeed
from newsflow.fetching import Response
from newsflow.urls import resolve_url
from newsflow.xmlguard import is_transcode_error, parse_in_chunks, transcoded

_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,<]*(?:\"[^\"]*\")?)*)")
_REL = re.compile(r"""\brel\s*=\s*(?:"([^"]*)"|([^\s;,]+))""", re.IGNORECASE)
_STOP = frozenset({"item", "entry"})
"""Feed-level links come before these: reading stops at the first."""


@dataclass(frozen=True, slots=True)
class Hub:
    """What a feed declares: its ``hub`` URL and the ``topic`` to subscribe to (absolute http(s))."""

    hub: str
    topic: str


def discover(response: Response) -> Hub | None:
    """The hub and topic ``response`` (a fetched feed) declares; None when it names no hub."""
    base = response.final_url
    header_hub, header_self = _from_headers(v for k, v in response.headers if k.lower() == "link")
    body_hub, body_self = (None, None)
    if header_hub is None or header_self is None:
        body_hub, body_self = _from_body(response)
    hub = _absolute(header_hub, base) or _absolute(body_hub, base)
    if hub is None:
        return None
    topic = _absolute(header_self, base) or _absolute(body_self, base) or base
    return Hub(hub, topic)


def link_header_rels(values: Iterable[str]) -> list[tuple[str, set[str]]]:
    """``(target, rels)`` of every link in ``Link`` header ``values`` (RFC 8288), in order."""
    links: list[tuple[str, set[str]]] = []
    for value in values:
        for match in _LINK.finditer(value):
            rel = _REL.search(match.group(2) or "")
            rels = set(((rel.group(1) or rel.group(2) or "") if rel else "").lower().split())
            links.append((match.group(1).strip(), rels))
    return links


def _from_headers(values: Iterable[str]) -> tuple[str | None, str | None]:
    links = link_header_rels(values)
    hub = next((target for target, rels in links if "hub" in rels), None)
    self_url = next((target for target, rels in links if "self" in rels), None)
    return hub, self_url


class _FeedLinksRead(Exception):
    """The first item or entry started: the feed-level links are all read."""


def _from_body(response: Response) -> tuple[str | None, str | None]:
    if jsonfeed.looks_like_json(response.body, response.content_type):
        return _from_json(response.body)
    found: dict[str, str] = {}
    try:
        _read_links(response.body, None, found)
    except (expat.ExpatError, ValueError, LookupError) as exc:  # broken or truncated: what was read stands
        utf8 = transcoded(response.body) if is_transcode_error(exc) and not found else None
        if utf8 is not None:
            with contextlib.suppress(expat.ExpatError, ValueError, LookupError):
                _read_links(utf8, "UTF-8", found)
    return found.get("hub"), found.get("self")


def _read_links(body: bytes, encoding: str | None, found: dict[str, str]) -> None:
    """Put the first ``hub`` and ``self`` link hrefs before the first item/entry into ``found``.
    Raises ``expat.ExpatError`` (or ``ValueError``/``LookupError`` for an encoding) where
    the body stops being XML; the links read before that stay in ``found``."""
    parser = expat.ParserCreate(encoding)  # no namespace processing: an undeclared atom: prefix is common
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def start(tag: str, attributes: dict[str, str]) -> None:
        name = tag.rpartition(":")[2]
        if name in _STOP:
            raise _FeedLinksRead
        href = attributes.get("href")
        if name != "link" or not href:
            return
        for rel in str(attributes.get("rel") or "").lower().split():
            if rel in ("hub", "self"):
                found.setdefault(rel, href)

    parser.StartElementHandler = start
    try:
        parse_in_chunks(parser, body)
    except _FeedLinksRead:
        return


def _from_json(body: bytes) -> tuple[str | None, str | None]:
    try:
        data = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    hubs = data.get("hubs")
    if not isinstance(hubs, list):
        hubs = []
    hub = next((h.get("url") for h in hubs if isinstance(h, dict) and str(h.get("type", "")).lower() == "websub"
                and isinstance(h.get("url"), str)), None)
    feed_url = data.get("feed_url")
    return hub, feed_url if isinstance(feed_url, str) else None


def _absolute(url: str | None, base: str) -> str | None:
    return resolve_url(url, base) if url else None
