"""The values that flow through the pipeline, in order:

``FeedSource`` → ``FeedEntry`` → ``FetchedPage`` → ``Article`` → document (``dict``) → index.

An :class:`Article` is built once by the cleaning stage, enriched in place by the
extractors, and turned into the flat, JSON-ready document both index backends store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from newsflow.schema import CORE_FIELDS, STORED_ONLY

if TYPE_CHECKING:
    from newsflow.feed_rules import Rules

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
    rules: Rules | None = None
    """Its include/exclude, selector and paywall rules and the file's site rules
    (:mod:`newsflow.feed_rules`); None when none apply."""
    type: str = "feed"
    """``feed`` (RSS/Atom/JSON Feed), ``sitemap`` (an XML sitemap or index at ``url``) or
    ``site`` (the sitemaps its robots.txt declares); see :data:`SOURCE_TYPES`."""


SOURCE_TYPES = ("feed", "sitemap", "site")
"""The kinds of feed-list entry (the feed list's ``type:`` key)."""


@dataclass(frozen=True, slots=True)
class PageRules:
    """What the feed list's rules ask of one entry's page, carried by its pending entry
    (plain data: stored as JSON, sent to the CPU workers; see :mod:`newsflow.feed_rules`)."""

    selector: str | None = None
    """CSS selector (XPath when it starts with ``/`` or ``(``) of the article body."""
    paywall: bool | None = None
    """The ``paywalled`` flag forced by a rule (None: detected from the page)."""
    waiting: tuple[tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]], ...] = ()
    """Per rule whose verdict waits for the page's language: its ``(include, exclude)``
    conditions as ``(kind, value)`` pairs."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageRules:
        """Back from the JSON of ``dataclasses.asdict`` (lists become tuples again)."""
        waiting = tuple(
            (tuple((str(k), str(v)) for k, v in include), tuple((str(k), str(v)) for k, v in exclude))
            for include, exclude in data.get("waiting") or ())
        return cls(selector=data.get("selector"), paywall=data.get("paywall"), waiting=waiting)


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
    page_rules: PageRules | None = None
    """What its feed's rules ask of its page (None: nothing)."""


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
    """A cleaned article: the single model every later stage enriches.

    Its attributes (but ``enrichments``) are the core fields of :data:`newsflow.schema.FIELDS`,
    with the types declared there (``tests/test_schema.py`` checks they agree)."""

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
    paywalled: bool = False
    """The page is marked as paywalled (schema.org, paywall markup, a body much shorter than
    the teaser) or a feed-list rule says so; see :mod:`newsflow.paywall`."""

    def to_document(self) -> Document:
        """The flat document both backends store: every core field of
        :data:`newsflow.schema.CORE_FIELDS` (lists and mappings copied, extractor runs as
        dicts), then the enrichments."""
        doc: Document = {f.name: _TO_DOCUMENT.get(f.type, _same)(getattr(self, f.name))
                         for f in CORE_FIELDS}
        doc.update(self.enrichments)
        return doc

    @classmethod
    def from_document(cls, doc: Document) -> Article:
        """Rebuild an article from a stored document (for re-running extractors): core fields
        become attributes, fields the backend set on storing are dropped, the rest are
        enrichments.

        Raises ``KeyError`` naming a required field (:data:`newsflow.schema.REQUIRED_FIELDS`)
        the document lacks.
        """
        values: dict[str, Any] = {}
        for f in CORE_FIELDS:
            if f.required and f.name not in doc:
                raise KeyError(f"the document has no {f.name!r}")
            values[f.name] = _FROM_DOCUMENT[f.type](doc.get(f.name))
        skip = _CORE_NAMES | STORED_ONLY
        return cls(**values, enrichments={k: v for k, v in doc.items() if k not in skip})


def _same(value: Any) -> Any:
    return value


def _runs(value: Any) -> list[ExtractorRun]:
    return [ExtractorRun(r["name"], r["version"], tuple(r.get("fields", ())), r.get("error"))
            for r in value or ()]


_TO_DOCUMENT: dict[str, Callable[[Any], Any]] = {
    "list[str]": list,
    "dict[str, str]": dict,
    "list[ExtractorRun]": lambda runs: [run.as_dict() for run in runs],
}
"""How a core field's value becomes JSON, by its schema type (others are stored as they are)."""
_FROM_DOCUMENT: dict[str, Callable[[Any], Any]] = {
    "bool": bool,
    "str": lambda v: v or "",
    "str | None": _same,
    "list[str]": lambda v: list(v or []),
    "dict[str, str]": lambda v: dict(v or {}),
    "list[ExtractorRun]": _runs,
}
"""How a stored value becomes a core attribute again, by its schema type."""
_CORE_NAMES = frozenset(f.name for f in CORE_FIELDS)
