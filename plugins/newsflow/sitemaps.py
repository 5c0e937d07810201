"""Reading one sitemap body: XML sitemaps, sitemap indexes and Google News sitemaps, plain or gzip.

Pure functions over bytes (fetching and walking an index live in :mod:`newsflow.sitemap_fetch`):

- :func:`unpack` gunzips a body that is gzip (magic bytes; a ``.gz`` URL or a gzip content type
  whose body is plain XML is taken as it is, the server or client already decompressed it),
  refusing more than ``max_bytes`` decompressed (a gzip bomb never sits in memory);
- :func:`parse_sitemap` reads a ``<urlset>`` or ``<sitemapindex>`` with defusedxml
  (``forbid_dtd``: no DOCTYPE, entities or external references, ever), element by element,
  stopping after ``max_urls`` entries. Elements are matched by local name, so a sitemap with
  no namespace or an odd one is read too. Per ``<url>``: ``loc``, ``lastmod`` and, inside
  ``news:news``, ``news:title``, ``news:publication_date`` and ``news:publication/news:language``
  (namespace :data:`NEWS_NS`).

A ``loc`` is stripped of surrounding whitespace (whitespace inside it is refused: sitemaps.org
asks for escaped URLs); it must be an absolute http(s) URL on the
sitemap's own host (sitemaps.org: a sitemap lists URLs of a single host; either scheme is
accepted, and the path rule is not applied because news sites serve ``/sitemaps/*.xml`` for
articles elsewhere). Any other ``loc`` is rejected with its reason, the others go on.
"""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

from newsflow.errors import InvalidURL, SitemapError
from newsflow.urls import normalize_url

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
GZIP_MAGIC = b"\x1f\x8b"
GZIP_TYPES = ("gzip", "x-gzip")


@dataclass(frozen=True, slots=True)
class SitemapURL:
    """One ``<url>`` of a sitemap: ``url`` normalised; the rest as written (stripped), None when absent."""

    url: str
    lastmod: str | None = None
    title: str | None = None
    """``news:title``."""
    published: str | None = None
    """``news:publication_date`` (W3C datetime)."""
    language: str | None = None
    """``news:publication/news:language``."""


@dataclass(slots=True)
class Sitemap:
    """What one sitemap body holds."""

    kind: Literal["urlset", "index"]
    urls: list[SitemapURL] = field(default_factory=list)
    """A urlset's article URLs, in document order (duplicates dropped)."""
    sitemaps: list[tuple[str, str | None]] = field(default_factory=list)
    """An index's child sitemaps: (absolute URL, lastmod as written)."""
    rejected: list[tuple[str, str]] = field(default_factory=list)
    """(loc as written, why) of each entry left out: relative, off-site, not http(s), invalid."""
    truncated: bool = False
    """True when the body held more than ``max_urls`` entries (the rest were not read)."""


def is_gzip(url: str, content_type: str | None) -> bool:
    """Whether ``url``/``content_type`` announce a gzip file (``.gz``, ``application/x-gzip``)."""
    path = urlsplit(url).path.lower()
    mime = (content_type or "").split(";")[0].strip().lower()
    return path.endswith(".gz") or mime.split("/")[-1] in GZIP_TYPES


def unpack(body: bytes, url: str, content_type: str | None, *, max_bytes: int) -> bytes:
    """``body`` as XML bytes: gunzipped when it is gzip, at most ``max_bytes`` decompressed.

    Raises :class:`SitemapError` for a body announced as gzip that is neither gzip nor XML,
    a broken gzip stream, or more than ``max_bytes`` once decompressed.
    """
    if not body.startswith(GZIP_MAGIC):
        if is_gzip(url, content_type) and not body.lstrip()[:1] == b"<":
            raise SitemapError(f"sitemap {url} is announced as gzip but is neither gzip nor XML", url=url)
        if len(body) > max_bytes:
            raise SitemapError(f"sitemap {url} is larger than the {max_bytes} byte limit", url=url)
        return body
    out = bytearray()
    data = body
    while data:  # a gzip file may hold several members
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(data, max_bytes + 1 - len(out))
        except zlib.error as exc:
            raise SitemapError(f"sitemap {url} is broken gzip ({exc})", url=url) from None
        if len(out) > max_bytes or inflater.unconsumed_tail:
            raise SitemapError(f"sitemap {url} is larger than the {max_bytes} byte limit once decompressed",
                               url=url)
        if not inflater.eof:
            raise SitemapError(f"sitemap {url} is truncated gzip (the stream ends early)", url=url)
        data = inflater.unused_data
    return bytes(out)


def parse_sitemap(xml: bytes, url: str, *, max_urls: int, hosts: frozenset[str] = frozenset()) -> Sitemap:
    """Read a sitemap or sitemap index (see the module docstring).

    ``url``: where the body came from (its host is the one allowed in ``loc``; ``hosts`` adds
    others, e.g. the host a redirect ended on). Raises :class:`SitemapError` for XML that is
    broken, declares a DTD or entities or an unknown encoding, or whose root is neither
    ``urlset`` nor ``sitemapindex``.
    """
    allowed = {h.lower() for h in hosts} | {(urlsplit(url).hostname or "").lower()}
    sitemap: Sitemap | None = None
    seen: set[str] = set()
    try:
        for event, element in safe_etree.iterparse(io.BytesIO(xml), events=("start", "end"), forbid_dtd=True):
            name = _local(element.tag)
            if sitemap is None:
                sitemap = _root(name, url)
                continue
            if event != "end" or name not in ("url", "sitemap"):
                continue
            if len(seen) + len(sitemap.rejected) >= max_urls:
                sitemap.truncated = True
                break
            _take(sitemap, element, url, allowed, seen)
            element.clear()
    except DefusedXmlException as exc:
        raise SitemapError(f"sitemap {url} refused: {exc}; DTDs and entities are not accepted", url=url) from None
    except ParseError as exc:
        raise SitemapError(f"sitemap {url} is not well-formed XML ({exc})", url=url) from None
    except (LookupError, ValueError) as exc:  # an encoding declaration no codec answers to
        raise SitemapError(f"sitemap {url} cannot be decoded ({exc})", url=url) from None
    if sitemap is None:
        raise SitemapError(f"sitemap {url} is empty", url=url)
    return sitemap


def _root(name: str, url: str) -> Sitemap:
    if name == "urlset":
        return Sitemap("urlset")
    if name == "sitemapindex":
        return Sitemap("index")
    raise SitemapError(f"{url} is not a sitemap: its root element is <{name}>, not <urlset> or <sitemapindex>",
                       url=url)


def _take(sitemap: Sitemap, element: Element, base: str, allowed: set[str], seen: set[str]) -> None:
    """Add one ``<url>`` or ``<sitemap>`` element to ``sitemap`` (or to its rejected)."""
    loc = _text(element, "loc")
    if loc is None:
        sitemap.rejected.append(("", f"an entry of {base} has no <loc>"))
        return
    problem, url = _checked(loc, allowed)
    if url is None:
        sitemap.rejected.append((loc, f"<loc> {loc[:200]!r} of sitemap {base} {problem}"))
        return
    if url in seen:
        return
    seen.add(url)
    lastmod = _text(element, "lastmod")
    if sitemap.kind == "index":
        sitemap.sitemaps.append((url, lastmod))
        return
    news = next((child for child in element if _local(child.tag) == "news"), None)
    title = published = language = None
    if news is not None:
        title, published = _text(news, "title"), _text(news, "publication_date")
        publication = next((child for child in news if _local(child.tag) == "publication"), None)
        language = _text(publication, "language") if publication is not None else None
    sitemap.urls.append(SitemapURL(url, lastmod, title, published, language))


def _checked(loc: str, allowed: set[str]) -> tuple[str, str | None]:
    """(why it is refused, None) or ("", the normalised URL) for a ``<loc>`` value."""
    if any(ch.isspace() for ch in loc):
        return "contains whitespace inside it (a sitemap must URL-escape it, e.g. %20)", None
    try:
        parts = urlsplit(loc)
    except ValueError as exc:
        return f"is not a valid URL ({exc})", None
    if not parts.scheme or not parts.netloc:
        return "is not an absolute URL (sitemaps list full http(s) addresses)", None
    if parts.scheme.lower() not in ("http", "https"):
        return "is not an http(s) URL", None
    host = (parts.hostname or "").lower()
    if host not in allowed:
        return f"is on host {host!r}, not the sitemap's own ({', '.join(sorted(allowed))})", None
    try:
        return "", normalize_url(loc)
    except InvalidURL as exc:
        return f"is not a valid URL ({exc})", None


def _local(tag: object) -> str:
    """An element's local name, whatever its namespace (``{ns}loc`` → ``loc``)."""
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _text(parent: Element, name: str) -> str | None:
    """The stripped text of ``parent``'s first child named ``name`` (any namespace); None when absent or blank."""
    for child in parent:
        if _local(child.tag) == name:
            text = "".join(child.itertext()).strip()
            return text or None
    return None
