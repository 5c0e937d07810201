"""WebSub discovery: the hub and topic (``rel="self"``) a fetched feed declares.

W3C WebSub §4: a subscriber looks at the HTTP ``Link`` headers first and, when they name no
hub, at the feed's own links: ``<atom:link rel="hub">`` in RSS, ``<link rel="hub">`` in Atom
(both before the first item or entry), a JSON Feed's ``hubs``. The topic is the
``rel="self"`` URL (headers, then body), else the URL the feed was fetched from.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

import lxml.etree

from newsflow import jsonfeed
from newsflow.fetching import Response
from newsflow.urls import resolve_url

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


def _from_body(response: Response) -> tuple[str | None, str | None]:
    if jsonfeed.looks_like_json(response.body, response.content_type):
        return _from_json(response.body)
    hub = self_url = None
    try:
        for _, element in lxml.etree.iterparse(
            io.BytesIO(response.body), events=("start",), resolve_entities=False, no_network=True,
            load_dtd=False, huge_tree=False, recover=True,
        ):
            name = lxml.etree.QName(element).localname if isinstance(element.tag, str) else ""
            if name in _STOP:
                break
            if name != "link":
                continue
            rels = str(element.get("rel") or "").lower().split()
            href = element.get("href")
            if href and "hub" in rels and hub is None:
                hub = href
            if href and "self" in rels and self_url is None:
                self_url = href
    except lxml.etree.LxmlError:  # a body feedparser read anyway: what was found so far stands
        pass
    return hub, self_url


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
