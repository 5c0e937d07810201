"""Polling one feed: conditional GET with our client, feedparser on the bytes, entries out."""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Any, Literal

import feedparser
import httpx

from newsflow import jsonfeed
from newsflow.dates import entry_date
from newsflow.errors import EntrySkipped, FeedParseError, StageError
from newsflow.fetching import Response, fetch
from newsflow.fieldcaps import cap_names, cap_text
from newsflow.identity import entry_urls
from newsflow.langtags import language_parts, normalize_language
from newsflow.models import FeedEntry, FeedSource
from newsflow.state import FeedState
from newsflow.urls import domain_of, normalize_url, resolve_url
from newsflow.websub.discovery import Hub, discover
from newsflow.xmlguard import check_feed_xml

log = logging.getLogger(__name__)

PollStatus = Literal["changed", "unchanged"]


@dataclass(frozen=True, slots=True)
class PollResult:
    """What one poll of a feed found, and the validators to store for the next one."""

    feed: FeedSource
    status: PollStatus
    """``changed`` (new body, entries parsed) or ``unchanged`` (304, or the same body)."""
    http_status: int
    entries: list[FeedEntry] = field(default_factory=list)
    """The feed's readable entries, in feed order (empty when unchanged)."""
    etag: str | None = None
    last_modified: str | None = None
    """The response's ``ETag`` and ``Last-Modified``, for the next conditional request."""
    body_hash: str | None = None
    """SHA-256 (hex) of the body: an unchanged body is recognised without validators."""
    warning: str | None = None
    """Why the feed was read with reservations (untrusted validators, a recovered parse)."""
    conditional: bool = False
    """Whether the request carried validators (If-None-Match / If-Modified-Since)."""
    validators_trusted: bool = True
    """False once the server kept its validators while the body changed."""
    rejected: list[tuple[str, StageError]] = field(default_factory=list)
    """(link, reason) of each entry that could not be read (e.g. an invalid URL): that
    entry's failure, recorded by the caller; the feed's other entries go on."""
    hub: Hub | None = None
    """The WebSub hub and topic the feed declares (``Link`` headers, then its own links)."""


def poll_feed(
    client: httpx.Client,
    feed: FeedSource,
    previous: FeedState | None,
    *,
    max_bytes: int,
    total_timeout: float,
    max_redirects: int = 5,
    verify_every: int = 0,
) -> PollResult:
    """Fetch ``feed`` and parse its entries.

    The request is conditional when the feed's validators are trusted, except every
    ``verify_every``-th poll, which checks them with an unconditional request. A feed whose
    ETag (or Last-Modified) stayed the same while its body changed is marked untrusted and is
    from then on fetched unconditionally and compared by body hash. ``unchanged`` when the
    server answers 304 or the body hash equals the last one seen. Raises a
    :class:`~newsflow.errors.StageError` when the feed cannot be fetched, is unsafe XML or
    cannot be parsed.
    """
    trusted = previous.validators_trusted if previous else True
    verifying = bool(previous and verify_every > 0 and previous.polls_since_verify + 1 >= verify_every)
    conditional = bool(previous and trusted and not verifying and (previous.etag or previous.last_modified))
    response = fetch(
        client,
        feed.url,
        kind="feed",
        max_bytes=max_bytes,
        total_timeout=total_timeout,
        etag=previous.etag if conditional and previous else None,
        last_modified=previous.last_modified if conditional and previous else None,
        max_redirects=max_redirects,
    )
    if response.not_modified:
        return PollResult(feed, "unchanged", 304, conditional=conditional, validators_trusted=trusted)
    body_hash = hashlib.sha256(response.body).hexdigest()
    warning = None
    if previous and previous.body_hash and previous.body_hash != body_hash and _same_validators(previous, response):
        if trusted:
            warning = "validators untrusted: the ETag/Last-Modified stayed the same while the body changed"
            log.warning("feed %s: %s", feed.url, warning)
        trusted = False
    if previous and previous.body_hash == body_hash:
        return PollResult(
            feed, "unchanged", response.status, etag=response.etag, last_modified=response.last_modified,
            body_hash=body_hash, conditional=conditional, validators_trusted=trusted,
        )
    if not jsonfeed.looks_like_json(response.body, response.content_type):
        check_feed_xml(response.body, feed.url)
    rejected: list[tuple[str, StageError]] = []
    entries, parse_warning = parse_feed(response, feed, rejected=rejected)
    return PollResult(
        feed, "changed", response.status, entries, etag=response.etag, last_modified=response.last_modified,
        body_hash=body_hash, warning="; ".join(w for w in (warning, parse_warning) if w) or None,
        conditional=conditional, validators_trusted=trusted, rejected=rejected, hub=discover(response),
    )


def _same_validators(previous: FeedState, response: Response) -> bool:
    if previous.etag and response.etag:
        return previous.etag == response.etag
    return bool(previous.last_modified and previous.last_modified == response.last_modified)


def next_poll_interval(previous: float | None, *, changed: bool, minimum: float, maximum: float) -> float:
    """Adaptive poll interval: back to ``minimum`` on a change, ×1.5 (up to ``maximum``) when unchanged."""
    if changed or previous is None:
        return minimum
    return min(max(previous, minimum) * 1.5, maximum)


def parse_feed(
    response: Response, feed: FeedSource, *, rejected: list[tuple[str, StageError]] | None = None
) -> tuple[list[FeedEntry], str | None]:
    """Entries of a fetched feed body (RSS, Atom or JSON Feed); a recoverable syntax problem
    becomes a warning.

    An entry that names no fetchable article (no http(s) link, an invalid link, or any error
    while reading it) is left out and appended to ``rejected`` as ``(link, StageError)``: one
    entry's failure, never the feed's. The link of an entry without one is
    ``<feed url>#entry-<n>`` (n counted from 1).
    """
    if not response.body.strip():
        raise FeedParseError(f"feed {feed.url} returned an empty body", url=feed.url)
    if jsonfeed.looks_like_json(response.body, response.content_type):
        raw_entries, meta = jsonfeed.parse(response.body, feed.url)
        warning = None
    else:
        raw_entries, meta, warning = _parse_xml(response, feed)
    if not raw_entries:
        raise FeedParseError(f"feed {feed.url} has no entries", url=feed.url)
    language = feed.language or normalize_language(meta.get("language"))
    date_language = _date_language(feed.language, meta.get("language"))
    if feed.name == feed.url:  # a feed given by URL alone (manual ingest): name it by its own title
        feed = replace(feed, name=_plain(meta.get("title")) or domain_of(feed.url) or feed.url)
    entries: dict[str, FeedEntry] = {}
    for number, raw in enumerate(raw_entries, start=1):
        try:
            entry = _entry(raw, feed, response.final_url, language, date_language)
        except Exception as exc:  # one bad entry is that entry's failure; the feed goes on
            link = _link_of(raw, f"{feed.url}#entry-{number}")
            error = exc if isinstance(exc, StageError) else StageError(
                f"entry of feed {feed.url} could not be read: {type(exc).__name__}: {exc}", url=link
            )
            if not isinstance(exc, StageError):
                log.error("unexpected error reading an entry of %s", feed.url, exc_info=exc)
            if rejected is not None:
                rejected.append((link, error))
            continue
        if entry.url not in entries:
            entries[entry.url] = entry
        else:  # the same article twice (two proxy links to one origLink): keep every alias
            first = entries[entry.url]
            entries[entry.url] = replace(first, aliases=tuple(dict.fromkeys((*first.aliases, *entry.aliases))))
    date_warnings = [e.published_warning for e in entries.values() if e.published_warning]
    if date_warnings:
        note = f"{len(date_warnings)} entry date(s) refused or reduced to the day, e.g. {date_warnings[0]}"
        log.warning("feed %s: %s", feed.url, note)
        warning = "; ".join(w for w in (warning, note) if w)
    return list(entries.values()), warning


def _parse_xml(response: Response, feed: FeedSource) -> tuple[list[Any], Any, str | None]:
    """feedparser's entries, feed metadata and malformation warning for an RSS/Atom body."""
    headers = {"content-location": response.final_url}
    if response.content_type:
        charset = f"; charset={response.charset}" if response.charset else ""
        headers["content-type"] = response.content_type + charset
    try:
        parsed = feedparser.parse(response.body, response_headers=headers)
    except Exception as exc:  # feedparser has crashed on broken encodings declarations and NUL bytes
        raise FeedParseError(f"{feed.url} could not be parsed ({type(exc).__name__}: {exc})", url=feed.url) from exc
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedParseError(
            f"{feed.url} is not an RSS/Atom feed nor a JSON Feed "
            f"({type(reason).__name__ if reason else 'unknown format'}: {reason})",
            url=feed.url,
        )
    warning = None
    if parsed.get("bozo"):
        warning = f"feed is malformed but was parsed: {parsed.get('bozo_exception')}"
        log.warning("feed %s: %s", feed.url, warning)
    return list(parsed.entries), parsed.feed, warning


def _entry(
    raw: Any, feed: FeedSource, base_url: str, language: str | None, date_language: str | None = None
) -> FeedEntry:
    """The entry as a :class:`FeedEntry`; :class:`~newsflow.errors.EntrySkipped` when it names
    no http(s) article."""
    base = _base(raw) or base_url
    given = raw.get("link") or _first_alternate(raw)
    link = resolve_url(given, base)
    if link is None and not given:  # an id is a name, not a reference: only an absolute URL will do
        given = raw.get("id")
        link = resolve_url(given, None)
    if link is None:
        if given and str(given).strip().lower().startswith(("http:", "https:")):
            normalize_url(str(given))  # an http(s) URL no client could fetch: InvalidURL says why
        shown = cap_text(str(given).strip(), 500) if given else None
        raise EntrySkipped(
            f"entry of feed {feed.url} skipped: " + (f"no http(s) link ({shown!r})" if shown else "no link"),
            url=shown or None,
        )
    url, aliases = entry_urls(raw, link, base)
    authors = tuple(
        dict.fromkeys(
            str(a.get("name") or "").strip() for a in raw.get("authors") or [] if str(a.get("name") or "").strip()
        )
    ) or ((str(raw.get("author")).strip(),) if raw.get("author") else ())
    tags = tuple(dict.fromkeys(str(t.get("term")).strip() for t in raw.get("tags") or [] if t.get("term")))
    published = entry_date(raw, date_language or language)
    return FeedEntry(
        url=url,
        feed_url=feed.url,
        source=feed.name,
        title=cap_text((raw.get("title") or "").strip()),
        summary=cap_text(_plain(raw.get("summary"))),
        published_at=published.at,
        published_day=published.day,
        published_offset=published.offset,
        published_raw=published.raw,
        published_warning=published.warning,
        authors=cap_names(authors),
        tags=cap_names(tags),
        language=normalize_language(raw.get("language")) or language,
        aliases=aliases,
        image=entry_image(raw, base),
    )


def _base(raw: Any) -> str | None:
    """The entry's base URL as feedparser tracked it (``xml:base``, Content-Location)."""
    for key in ("summary_detail", "title_detail", "content"):
        detail = raw.get(key)
        if isinstance(detail, list):
            detail = detail[0] if detail else None
        if isinstance(detail, dict) and detail.get("base"):
            return str(detail["base"])
    return None


def entry_image(raw: Any, base: str | None) -> str | None:
    """The entry's image, absolute: Media RSS ``media:content`` (an image), then
    ``media:thumbnail``, then an image enclosure, then a JSON Feed / iTunes ``image``."""
    candidates: list[Any] = []
    for media in raw.get("media_content") or []:
        kind = f"{media.get('medium', '')} {media.get('type', '')}".lower()
        if "image" in kind:
            candidates.append(media.get("url"))
    candidates.extend(thumb.get("url") for thumb in raw.get("media_thumbnail") or [])
    for link in raw.get("links") or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).lower().startswith("image/"):
            candidates.append(link.get("href"))
    image = raw.get("image")
    candidates.append(image.get("href") if isinstance(image, dict) else image)
    return next((url for url in (resolve_url(c, base) for c in candidates) if url), None)


def _link_of(raw: Any, fallback: str) -> str:
    """The entry's link as given (for a failure record), whatever it holds; ``fallback`` when none."""
    try:
        link = raw.get("link") or _first_alternate(raw) or raw.get("id")
    except Exception:
        link = None
    return str(link or "")[:2000] or fallback


def _first_alternate(raw: Any) -> str | None:
    for link in raw.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    return None


def _date_language(configured: str | None, declared: Any) -> str | None:
    """The language tag that decides ambiguous zone names: the feed list's language with the
    region the feed itself declares (``en`` + ``<language>en-IE`` → ``en-IE``)."""
    tag = declared if isinstance(declared, str) and declared.strip() else None
    if not configured:
        return tag
    region = language_parts(tag)[1]
    return f"{configured}-{region}" if region else configured


def _plain(html: str | None) -> str | None:
    """Feed summaries are often HTML: keep their text only (entities decoded, tags dropped, a
    space at each block boundary, script and style left out), control characters and runs of
    whitespace made one space.

    The standard library's parser, not lxml: polling runs on the poll stage's threads, and
    lxml is kept to one thread per process (the CPU stage). Never raises."""
    if not html:
        return None
    reader = _TextOnly()
    reader.feed(html)
    reader.close()
    return " ".join(_CONTROL.sub(" ", "".join(reader.parts)).split()) or None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class _TextOnly(HTMLParser):
    _BLOCKS = frozenset({"address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
                         "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre",
                         "section", "table", "td", "th", "tr", "ul"})
    _SKIPPED = frozenset({"script", "style", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
