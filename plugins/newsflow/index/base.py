"""The one interface every index backend implements, and the search request/answer shapes.

Backends: :mod:`newsflow.index.embedded` (SQLite + FTS5, the default) and
:mod:`newsflow.index.elastic` (Elasticsearch). Both pass ``tests/test_index_contract.py``.

Query text syntax (the same on both backends, never able to raise a syntax error): parsed
once by :func:`newsflow.index.query.parse` into a small tree that each backend compiles.
Words are ANDed; ``"a phrase"`` matches the words in order; ``OR`` between two terms makes
either enough; a leading ``-`` excludes a word or phrase. Everything else is plain text; the
edge cases (dangling ``OR``, unclosed quote, lone ``-``, nothing searchable) are decided in
:mod:`newsflow.index.query`. Field filters, dates and distance are structured
:class:`SearchQuery` fields, not query text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from newsflow.index.fusion import Mode
from newsflow.models import Document

# Field roles are declared once, in newsflow.schema; re-exported for the backends.
from newsflow.schema import FACET_FIELDS as FACET_FIELDS
from newsflow.schema import GEO_FIELD as GEO_FIELD
from newsflow.schema import REQUIRED_FIELDS as REQUIRED_FIELDS
from newsflow.schema import TIME_FIELD as TIME_FIELD


def check_near(near: tuple[float, float, float] | None) -> tuple[float, float, float] | None:
    """``near`` as floats, or raise ``ValueError`` saying what is wrong with it."""
    if near is None:
        return None
    try:
        lat, lon, km = (float(v) for v in near)
    except (TypeError, ValueError) as exc:
        raise ValueError("near must be (latitude, longitude, kilometres)") from exc
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"near: latitude {lat} / longitude {lon} out of range")
    if not km > 0 or km != km or km == float("inf"):
        raise ValueError(f"near: the distance must be a positive number of km, not {km}")
    return lat, lon, km


def reject_reason(doc: Any) -> str | None:
    """Why a document cannot be indexed by any backend, or ``None`` when its required fields
    are fine (backends check what only they can know, e.g. values JSON cannot carry)."""
    if not isinstance(doc, dict):
        return f"document is a {type(doc).__name__}, not a mapping"
    for key in REQUIRED_FIELDS:
        if doc.get(key) is None:
            return f"missing required field {key!r}"
        if not isinstance(doc[key], str):
            return f"field {key!r} must be a string, not {type(doc[key]).__name__}"
    if not doc["id"] or not doc["url"]:
        return "fields 'id' and 'url' must not be empty"
    return None


Sort = Literal["relevance", "date"]
Interval = Literal["day", "week", "month", "year"]


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str = ""
    """Query text in the syntax of :mod:`newsflow.index.query` (``""``: no text condition)."""
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Field → accepted values: OR within a field, AND across fields. Keys from FACET_FIELDS."""
    since: datetime | None = None
    """Inclusive lower bound on ``published_at``."""
    until: datetime | None = None
    """Exclusive upper bound on ``published_at``."""
    indexed_since: datetime | None = None
    """Inclusive lower bound on ``indexed_at`` (when the backend last wrote the document, whole
    seconds): how saved-search alerts (:mod:`newsflow.alerts`) search only new documents."""
    near: tuple[float, float, float] | None = None
    """(latitude, longitude, km): only documents with a point of ``place_points`` within
    ``km`` kilometres (great-circle distance) of the point."""
    facets: tuple[str, ...] = ()
    facet_size: int = 10
    histogram: Interval | None = None
    """Date histogram of ``published_at`` over the matching documents."""
    sort: Sort = "relevance"
    size: int = 10
    offset: int = 0
    search_after: str | None = None
    """Opaque cursor from a previous :attr:`SearchResult.next_cursor` (deep paging)."""
    highlight: bool = True
    mode: Mode = "keyword"
    """``keyword`` (BM25), ``semantic`` (kNN over embeddings) or ``hybrid`` (both, fused):
    see :mod:`newsflow.index.fusion`."""


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    score: float
    document: Document
    """The stored document without its embedding (``get`` returns that too)."""
    highlights: dict[str, list[str]] = field(default_factory=dict)
    """Field (``title``/``text``) → fragments with matches wrapped in ``<mark>…</mark>``."""


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    """Facet field → (value, count), most frequent first, ties by value."""
    histogram: list[tuple[str, int]] = field(default_factory=list)
    """(bucket start as ``YYYY-MM-DD``, count), oldest first, empty buckets omitted."""
    next_cursor: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "hits": [
                {"id": h.id, "score": h.score, "highlights": h.highlights, "document": h.document}
                for h in self.hits
            ],
            "facets": {k: [{"value": v, "count": c} for v, c in vs] for k, vs in self.facets.items()},
            "histogram": [{"date": d, "count": c} for d, c in self.histogram],
            "next_cursor": self.next_cursor,
        }


@dataclass(slots=True)
class IndexReport:
    """What one :meth:`IndexBackend.upsert` call did."""

    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(document id, reason) for each document the backend refused."""

    def merge(self, other: IndexReport) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed


class IndexBackend(Protocol):
    """A searchable store of documents keyed by their id.

    ``upsert`` is idempotent: a document whose content (everything but ``indexed_at``) is
    unchanged is reported ``unchanged`` and not rewritten; a changed one replaces the old.
    Backends set ``indexed_at`` themselves.
    """

    name: str

    def upsert(self, documents: Iterable[Document]) -> IndexReport: ...

    def get(self, doc_id: str) -> Document | None: ...

    def search(self, query: SearchQuery) -> SearchResult: ...

    def count(self) -> int: ...

    def iter_documents(self, since: datetime | None = None) -> Iterator[Document]:
        """Every stored document (optionally with ``published_at >= since``), in id order."""
        ...

    def delete(self, doc_ids: Iterable[str]) -> int: ...

    def close(self) -> None: ...
