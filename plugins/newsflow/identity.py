"""Document identity: which URL names an article, and every other URL it is known by.

One article reaches us under several URLs: a feed's ``<link>`` may be a proxy, tracker or
aggregator redirect (FeedBurner's ``feeds.feedburner.com/~r/…``, ``/url?q=…``), with the
publisher's URL in ``<feedburner:origLink>``; fetching follows HTTP redirects to a final URL;
and the page may declare a canonical URL (``<link rel=canonical>``, ``og:url``). The
article's identity is, in order:

1. the page's canonical URL, when it stays on the site the page was served from (same
   registrable domain) and is not a home page or a section above the page — a canonical
   pointing to another site or to ``/`` is a CMS mistake or a syndication claim, never trusted;
2. else the final URL after redirects, unless the redirect ended on a home page or section
   (an expired article sent to ``/``);
3. else the entry's URL: the original link (``*:origLink``) or the link with any tracker
   redirect wrapper removed.

Every one of these URLs (normalised) is an *alias*; the state store maps aliases to the one
document id (:meth:`newsflow.state.StateStore.claim_identity`), so a later arrival under any
alias updates that document instead of creating another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import lxml.etree
import lxml.html

from newsflow.urls import (
    is_site_root_or_section,
    normalize_url,
    resolve_url,
    same_site,
    unwrap_redirect,
)

HEAD_SCAN_CHARS = 262_144
"""Only this much of a page is searched for ``<base>``, the canonical link and ``og:url``."""
_HEAD_END = re.compile(r"</head\s*>|<body[\s>]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Identity:
    url: str
    """The normalised URL naming the article (the document's ``url``)."""
    canonical: str | None
    """The page's canonical URL when trusted (normalised), else None."""
    aliases: tuple[str, ...]
    """Every normalised URL naming the article, ``url`` first."""


@dataclass(frozen=True, slots=True)
class HeadLinks:
    base: str
    """The base URL for relative URLs in the page: ``<base href>`` resolved against the page URL."""
    canonical: str | None
    """``<link rel=canonical>``, else ``og:url``, resolved against ``base`` (not yet trusted)."""


def entry_urls(raw: Mapping[str, Any], link: str, base: str | None) -> tuple[str, tuple[str, ...]]:
    """``(url, aliases)`` of a feed entry whose link is ``link``.

    The URL is the entry's original link when the feed gives one (any ``*_origlink`` field:
    ``feedburner:origLink``, ``pheedo:origLink``), else the link; either with a tracker
    redirect wrapper removed (:func:`~newsflow.urls.unwrap_redirect`), normalised. The aliases
    are the other normalised forms (the proxy link itself) and the entry's id when it is a
    permalink on the article's site (:func:`_permalink_id`).
    """
    original = next(
        (resolve_url(value, base) for key, value in raw.items() if str(key).lower().endswith("_origlink")),
        None,
    )
    url = (_normal(unwrap_redirect(original)) if original else None) or normalize_url(unwrap_redirect(link))
    guid = _permalink_id(raw.get("id"), url)
    aliases = _unique(_normal(u) for u in (link, unwrap_redirect(link), *([guid] if guid else [])))
    return url, tuple(a for a in aliases if a != url)


def _permalink_id(value: Any, url: str) -> str | None:
    """The entry's id (RSS ``<guid>``, Atom ``<id>``) when it is a permalink of the article:
    an absolute http(s) URL on the article's site that is not its home page or a section.
    Publishers' two feeds of one article (or a feed and its FeedBurner proxy) often agree on
    the guid when their links differ. feedparser drops ``isPermaLink``, so the URL itself
    decides; a guid naming a tag (``tag:…``) or a number is no alias."""
    guid = resolve_url(value, None) if isinstance(value, str) else None
    if guid is None or not same_site(guid, url) or is_site_root_or_section(guid, url):
        return None
    return guid


def head_links(html: str, page_url: str) -> HeadLinks:
    """The page's base URL and declared canonical URL (see :class:`HeadLinks`)."""
    head = html[:HEAD_SCAN_CHARS]
    end = _HEAD_END.search(head)
    if end:
        head = head[: end.start()]
    base, canonical = page_url, None
    if "<" not in head:
        return HeadLinks(base, None)
    try:
        root = lxml.html.fromstring(head)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError):
        return HeadLinks(base, None)
    for element in root.iter("base"):
        base = resolve_url(element.get("href"), page_url) or page_url
        break
    og_url = None
    for element in root.iter("link", "meta"):
        if element.tag == "link" and "canonical" in (element.get("rel") or "").lower().split():
            canonical = canonical or resolve_url(element.get("href"), base)
        elif element.tag == "meta" and (element.get("property") or element.get("name") or "").lower() == "og:url":
            og_url = og_url or resolve_url(element.get("content"), base)
    return HeadLinks(base, canonical or og_url)


def decide(entry_url: str, entry_aliases: Iterable[str], final_url: str | None, canonical: str | None) -> Identity:
    """The article's identity from its entry URL (and aliases), the final URL after
    redirects and the page's declared canonical URL (absolute, untrusted). ``entry_url`` is
    normalised; a final or canonical URL that cannot be normalised (InvalidURL) is ignored."""
    final = _normal(final_url) if final_url else None
    if final and final != entry_url and is_site_root_or_section(final, entry_url):
        final = None  # the article is gone and the server sent us to its home page
    page_url = final or entry_url
    trusted = None
    candidate = _normal(canonical) if canonical else None
    if candidate and same_site(candidate, page_url) and not is_site_root_or_section(candidate, page_url):
        trusted = candidate
    url = trusted or page_url
    return Identity(url, trusted, tuple(_unique((url, page_url, entry_url, *entry_aliases))))


def _normal(url: str) -> str | None:
    """``url`` normalised, or None when it is not a fetchable URL (InvalidURL)."""
    try:
        return normalize_url(url)
    except ValueError:
        return None


def _unique(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
