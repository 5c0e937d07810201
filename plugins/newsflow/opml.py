"""OPML 2.0 import and export of the feed list.

:func:`import_opml` reads ``<outline xmlUrl=...>`` elements, turning enclosing category
outlines and the ``category`` attribute into tags; :func:`export_opml` writes one outline per
feed with its tags in ``category``. OPML files with a DOCTYPE or entity declarations are
refused before parsing (no entity expansion).
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from email.utils import formatdate
from pathlib import Path
from xml.parsers import expat

from newsflow.errors import ConfigError
from newsflow.feed_check import url_problem
from newsflow.langtags import normalize_language
from newsflow.models import FeedSource
from newsflow.urls import domain_of
from newsflow.xmlguard import dtd_problem


def import_opml(path: str | os.PathLike[str], skipped: list[str] | None = None) -> list[FeedSource]:
    """The feeds of an OPML file, in document order.

    A bad outline (its ``xmlUrl`` is not an http(s) URL) raises :class:`ConfigError` listing
    every one, unless ``skipped`` is given: then each is described there and left out.

    Each ``<outline>`` with an ``xmlUrl`` is a feed: its name is ``title`` or ``text``,
    its tags the ``text`` of enclosing outlines without ``xmlUrl`` (categories) followed
    by the entries of its ``category`` attribute (``/A/B`` paths give ``A`` and ``B``),
    its language the ``language`` attribute's primary subtag when valid.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read OPML file: {exc.strerror or exc}") from None
    _refuse_dtd(path, data)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 1
        raise ConfigError(
            f"{path}:{line}: not well-formed XML ({exc}); fix the OPML file"
        ) from None
    if _local(root.tag) != "opml":
        raise ConfigError(
            f"{path}: the root element is <{_local(root.tag)}>, not <opml>; is this an OPML file?"
        )
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise ConfigError(f"{path}: the OPML file has no <body>; nothing to import")
    feeds: list[FeedSource] = []
    problems: list[str] = []
    _walk(body, [], feeds, problems)
    if skipped is not None:
        skipped.extend(problems)
    elif problems:
        raise ConfigError(
            f"{path}: {len(problems)} bad outline(s):\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return feeds


def _refuse_dtd(path: Path, data: bytes) -> None:
    """Refuse DOCTYPE and entity declarations (the shared :mod:`newsflow.xmlguard`), then
    anything that is not well-formed XML, before ElementTree parses the file."""
    problem = dtd_problem(data, allow_doctype=False)
    if problem:
        raise ConfigError(
            f"{path}: OPML with a DOCTYPE or ENTITY declaration is refused ({problem}); remove the declaration"
        )
    parser = expat.ParserCreate()
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ConfigError(
            f"{path}:{exc.lineno}: not well-formed XML ({expat.ErrorString(exc.code)}); fix the OPML file"
        ) from None


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _walk(
    element: ET.Element, categories: list[str], feeds: list[FeedSource], problems: list[str]
) -> None:
    for outline in element:
        if _local(outline.tag) != "outline":
            continue
        attrs = {k.rsplit("}", 1)[-1]: v for k, v in outline.attrib.items()}
        label = (attrs.get("title") or attrs.get("text") or "").strip()
        xml_url = (attrs.get("xmlUrl") or attrs.get("xmlurl") or "").strip()
        if xml_url:
            problem = url_problem(xml_url)
            if problem:
                problems.append(f"outline {label or xml_url!r}: xmlUrl {xml_url!r} {problem}")
            else:
                tags = [*categories, *_categories(attrs.get("category", ""))]
                feeds.append(
                    FeedSource(
                        url=xml_url,
                        name=label or domain_of(xml_url) or xml_url,
                        language=normalize_language(attrs.get("language")),
                        tags=tuple(dict.fromkeys(t for t in tags if t)),
                    )
                )
            _walk(outline, categories, feeds, problems)
        else:
            _walk(outline, [*categories, label] if label else categories, feeds, problems)


def _categories(value: str) -> list[str]:
    out: list[str] = []
    for item in value.split(","):
        item = item.strip()
        if item.startswith("/"):
            out.extend(part.strip() for part in item.split("/") if part.strip())
        elif item:
            out.append(item)
    return out


def export_opml(feeds: Iterable[FeedSource], title: str = "newsflow feeds") -> str:
    """The feeds as an OPML 2.0 document, tags in each outline's ``category`` attribute.

    Sitemap and site sources (``type: sitemap``/``site``) are left out: OPML lists feeds, and a
    feed reader would poll a sitemap as one."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = formatdate(usegmt=True)
    body = ET.SubElement(root, "body")
    for feed in (f for f in feeds if f.type == "feed"):
        attrs = {"type": "rss", "text": feed.name, "title": feed.name, "xmlUrl": feed.url}
        if feed.language:
            attrs["language"] = feed.language
        if feed.tags:
            # commas separate categories and a leading "/" starts a path: keep tags intact
            attrs["category"] = ",".join(t.replace(",", " ").lstrip("/") for t in feed.tags)
        ET.SubElement(body, "outline", attrs)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
