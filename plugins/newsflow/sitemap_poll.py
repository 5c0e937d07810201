"""Polling one sitemap source of the feed list: find its sitemaps, fetch them, walk indexes.

A source is ``type: sitemap`` (its ``url`` is a sitemap or sitemap index) or ``type: site``
(the sitemaps its origin's robots.txt declares with ``Sitemap:`` lines). :func:`poll_source`
reads them breadth first: an index's children one level deeper, at most
``sitemap_max_depth`` index levels and ``sitemap_max_files`` files per source; each file is
parsed by :mod:`newsflow.sitemaps` within ``sitemap_max_bytes`` and ``sitemap_max_urls``.

A urlset file is fetched conditionally (ETag/Last-Modified) and compared by body hash like a
feed, so an unchanged file costs a 304 and yields nothing. An index is always read whole
(its children may have changed while it did not). A file that fails (404, broken XML or
gzip, too big, too deep) is that file's failure: the other files of the source go on.
:func:`entry_of` turns a sitemap URL into the pipeline's :class:`~newsflow.models.FeedEntry`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from newsflow.config import Settings
from newsflow.dates import parse_date
from newsflow.errors import SitemapError, StageError
from newsflow.fetching import Response
from newsflow.fieldcaps import cap_text
from newsflow.langtags import normalize_language
from newsflow.models import FeedEntry, FeedSource
from newsflow.sitemaps import Sitemap, SitemapURL, parse_sitemap, unpack
from newsflow.state import FeedState

log = logging.getLogger(__name__)

Getter = Callable[[str, str | None, str | None], Response]
"""GET a sitemap: (url, ETag, Last-Modified to send or None) → response; raises StageError."""


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """How one sitemap file of a source went (stored like a feed's poll)."""

    url: str
    status: Literal["changed", "unchanged", "failed"]
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    """Validators and body hash to keep; None for an index (always read whole)."""
    conditional: bool = False
    note: str | None = None
    """What was left out (entries past ``sitemap_max_urls``, rejected locs)."""
    error: StageError | None = None


@dataclass(slots=True)
class SitemapPoll:
    """What one poll of a sitemap source found."""

    source: FeedSource
    files: list[FileOutcome] = field(default_factory=list)
    """Every sitemap file fetched (or failed), in the order read."""
    found: list[tuple[str, SitemapURL]] = field(default_factory=list)
    """(file it came from, entry) of every article URL of the changed urlset files."""
    rejected: list[tuple[str, StageError]] = field(default_factory=list)
    """(loc, why) of each entry left out (off-site, relative, invalid)."""
    left_out: int = 0
    """Sitemap files not fetched because of ``sitemap_max_files``."""


def roots(source: FeedSource, declared: Callable[[str], list[str]]) -> list[str]:
    """The sitemaps a source starts from: its url (``sitemap``), or the ``Sitemap:`` lines of its
    origin's robots.txt (``site``; :class:`SitemapError` when there are none)."""
    if source.type != "site":
        return [source.url]
    parts = urlsplit(source.url)
    origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
    found = declared(origin)
    if not found:
        raise SitemapError(f"{origin}/robots.txt declares no Sitemap: lines (feed-list entry {source.name!r} "
                           "is type: site); list the sitemap itself with type: sitemap", url=source.url)
    return found


def poll_source(
    source: FeedSource,
    settings: Settings,
    *,
    get: Getter,
    previous: Callable[[str], FeedState | None],
    declared: Callable[[str], list[str]],
) -> SitemapPoll:
    """Read every sitemap of ``source`` (see the module docstring). ``previous`` gives a file's
    stored poll (validators, body hash), ``declared`` an origin's robots.txt ``Sitemap:`` URLs.
    Raises :class:`StageError` only when the source's sitemaps cannot be found at all."""
    poll = SitemapPoll(source)
    queue = deque((url, 0) for url in roots(source, declared))
    seen: set[str] = set()
    while queue:
        url, depth = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        if len(poll.files) >= settings.sitemap_max_files:
            poll.left_out = 1 + sum(1 for u, _ in queue if u not in seen)
            break
        try:
            outcome, sitemap = _read(url, previous(url), get, settings)
        except Exception as exc:  # one file's failure, whatever it is; the source's others go on
            if not isinstance(exc, StageError):
                log.error("unexpected error reading sitemap %s", url, exc_info=exc)
                exc = SitemapError(f"sitemap {url} could not be read: {type(exc).__name__}: {exc}", url=url)
            poll.files.append(FileOutcome(url, "failed", error=exc))
            continue
        if sitemap is not None and sitemap.kind == "index" and depth >= settings.sitemap_max_depth:
            error = SitemapError(f"sitemap index {url} is nested deeper than sitemap_max_depth="
                                 f"{settings.sitemap_max_depth} index level(s); its sitemaps are not read", url=url)
            poll.files.append(FileOutcome(url, "failed", error=error))
            continue
        poll.files.append(outcome)
        if sitemap is None:
            continue
        poll.rejected.extend((loc, SitemapError(why, url=loc or url)) for loc, why in sitemap.rejected)
        if sitemap.kind == "index":
            queue.extend((child, depth + 1) for child, _lastmod in sitemap.sitemaps)
        else:
            poll.found.extend((url, item) for item in sitemap.urls)
    return poll


def _read(url: str, previous: FeedState | None, get: Getter, settings: Settings) -> tuple[FileOutcome, Sitemap | None]:
    """Fetch and parse one sitemap file; the sitemap is None when the file is unchanged."""
    conditional = bool(previous and previous.validators_trusted and (previous.etag or previous.last_modified))
    response = get(url, previous.etag if conditional and previous else None,
                   previous.last_modified if conditional and previous else None)
    if response.not_modified:
        return FileOutcome(url, "unchanged", 304, conditional=conditional), None
    body_hash = hashlib.sha256(response.body).hexdigest()
    if previous and previous.body_hash == body_hash:
        return FileOutcome(url, "unchanged", response.status, response.etag, response.last_modified, body_hash,
                           conditional), None
    xml = unpack(response.body, url, response.content_type, max_bytes=settings.sitemap_max_bytes)
    final_host = urlsplit(response.final_url).hostname or ""
    sitemap = parse_sitemap(xml, url, max_urls=settings.sitemap_max_urls, hosts=frozenset({final_host}))
    notes = []
    if sitemap.truncated:
        notes.append(f"only the first {settings.sitemap_max_urls} entries read (sitemap_max_urls)")
    if sitemap.rejected:
        notes.append(f"{len(sitemap.rejected)} entries rejected")
    if sitemap.kind == "index":  # always read whole: keep no validators
        return FileOutcome(url, "changed", response.status, note="; ".join(notes) or None), sitemap
    return FileOutcome(url, "changed", response.status, response.etag, response.last_modified, body_hash,
                       conditional, "; ".join(notes) or None), sitemap


def entry_of(source: FeedSource, item: SitemapURL) -> tuple[FeedEntry, str | None]:
    """The pending entry for one sitemap URL, and its lastmod (ISO 8601 UTC, None when absent or
    unreadable). The news sitemap's title, publication date and language are its feed-side
    fields; the source's name is its ``source``, the source's url its ``feed_url``."""
    language = normalize_language(item.language) or source.language
    published = parse_date(item.published, language)
    lastmod = parse_date(item.lastmod).at if item.lastmod else None
    entry = FeedEntry(
        url=item.url,
        feed_url=source.url,
        source=source.name,
        title=cap_text(" ".join(item.title.split())) if item.title else None,
        published_at=published.at,
        published_day=published.day,
        published_offset=published.offset,
        published_raw=published.raw,
        published_warning=published.warning,
        tags=source.tags,
        language=language,
    )
    return entry, lastmod
