"""The values that flow through the pipeline, in order:

``FeedSource`` → ``FeedEntry`` → ``FetchedPage`` → ``Article`` → document (``dict``) → index.

An :class:`Article` is built once by the cleaning stage, enriched in place by the
extractors, and turned into the flat, JSON-ready document both index backends store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Document = dict[str, Any]
"""A flat, JSON-serialisable article as stored in an index (see :meth:`Article.to_document`)."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(dt: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` suffix, the one date format of our documents."""
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class FeedSource:
    """One feed of the feed list."""

    url: str
    name: str
    language: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a parsed feed, pointing at an article page."""

    url: str
    """Normalised article URL (the identity of the article everywhere)."""
    feed_url: str
    source: str
    title: str | None = None
    summary: str | None = None
    published_at: str | None = None
    """ISO 8601 UTC (``…Z``); the fields below are as on :class:`Article`."""
    published_day: str | None = None
    published_offset: str | None = None
    published_raw: str | None = None
    published_warning: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    language: str | None = None
    aliases: tuple[str, ...] = ()
    """Other normalised URLs the entry names the article by (a proxy or tracker link)."""
    image: str | None = None
    """Absolute image URL from Media RSS, an image enclosure or a JSON Feed ``image``."""


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """An HTTP response body worth cleaning."""

    url: str
    final_url: str
    status: int
    content_type: str
    text: str
    fetched_at: datetime
    encoding: str | None = None
    """How the body was decoded, e.g. ``"cp1251 (detected)"`` (see :mod:`newsflow.encoding`)."""


@dataclass(frozen=True, slots=True)
class ExtractorRun:
    """Provenance: which extractor produced which fields, and whether it failed."""

    name: str
    version: str
    fields: tuple[str, ...]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "version": self.version, "fields": list(self.fields)}
        if self.error:
            out["error"] = self.error
        return out


@dataclass(slots=True)
class Article:
    """A cleaned article: the single model every later stage enriches."""

    id: str
    url: str
    feed_url: str
    source: str
    domain: str
    title: str
    text: str
    fetched_at: str
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    """The publication instant, ISO 8601 UTC (``…Z``); a date without a time is 00:00Z of its day."""
    published_day: str | None = None
    """The publisher's local day of ``published_at`` (``YYYY-MM-DD``): ``2022-01-28T00:00+01:00`` is the 28th."""
    published_offset: str | None = None
    """The publisher's UTC offset (``+01:00``); None when the source gave a day or no zone."""
    published_raw: str | None = None
    """The date text it was read from (the feed's ``pubDate``/``updated``, or the page's date)."""
    published_warning: str | None = None
    """Why a date was refused or reduced to its day (unknown zone, no zone, unreadable)."""
    site_name: str | None = None
    language: str | None = None
    description: str | None = None
    image: str | None = None
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    aliases: list[str] = field(default_factory=list)
    """Every normalised URL naming this article (entry link, proxy link, final URL, canonical)."""
    feed_published_at: str | None = None
    feed_summary: str | None = None
    field_sources: dict[str, str] = field(default_factory=dict)
    """For each metadata field, where its value came from: ``page``, ``feed`` or ``extractor:<name>``."""
    enrichments: dict[str, Any] = field(default_factory=dict)
    extractors: list[ExtractorRun] = field(default_factory=list)

    def to_document(self) -> Document:
        doc: Document = {
            "id": self.id,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "aliases": list(self.aliases),
            "feed_url": self.feed_url,
            "source": self.source,
            "domain": self.domain,
            "title": self.title,
            "text": self.text,
            "authors": list(self.authors),
            "published_at": self.published_at,
            "published_day": self.published_day,
            "published_offset": self.published_offset,
            "published_raw": self.published_raw,
            "published_warning": self.published_warning,
            "feed_published_at": self.feed_published_at,
            "fetched_at": self.fetched_at,
            "site_name": self.site_name,
            "language": self.language,
            "description": self.description,
            "feed_summary": self.feed_summary,
            "image": self.image,
            "tags": list(self.tags),
            "categories": list(self.categories),
            "field_sources": dict(self.field_sources),
            "extractors": [run.as_dict() for run in self.extractors],
        }
        doc.update(self.enrichments)
        return doc

    @classmethod
    def from_document(cls, doc: Document) -> Article:
        """Rebuild an article from a stored document (for re-running extractors)."""
        core = {
            "id", "url", "canonical_url", "aliases", "feed_url", "source", "domain", "title", "text",
            "authors", "published_at", "published_day", "published_offset", "published_raw",
            "published_warning", "feed_published_at", "fetched_at", "site_name",
            "language", "description", "feed_summary", "image", "tags", "categories",
            "field_sources", "extractors", "indexed_at",
        }
        runs = [
            ExtractorRun(r["name"], r["version"], tuple(r.get("fields", ())), r.get("error"))
            for r in doc.get("extractors", [])
        ]
        return cls(
            id=doc["id"],
            url=doc["url"],
            feed_url=doc.get("feed_url") or "",
            source=doc.get("source") or "",
            domain=doc.get("domain") or "",
            title=doc.get("title") or "",
            text=doc.get("text") or "",
            fetched_at=doc.get("fetched_at") or "",
            authors=list(doc.get("authors") or []),
            published_at=doc.get("published_at"),
            published_day=doc.get("published_day"),
            published_offset=doc.get("published_offset"),
            published_raw=doc.get("published_raw"),
            published_warning=doc.get("published_warning"),
            site_name=doc.get("site_name"),
            language=doc.get("language"),
            description=doc.get("description"),
            image=doc.get("image"),
            tags=list(doc.get("tags") or []),
            categories=list(doc.get("categories") or []),
            canonical_url=doc.get("canonical_url"),
            aliases=list(doc.get("aliases") or []),
            feed_published_at=doc.get("feed_published_at"),
            feed_summary=doc.get("feed_summary"),
            field_sources=dict(doc.get("field_sources") or {}),
            enrichments={k: v for k, v in doc.items() if k not in core},
            extractors=runs,
        )
