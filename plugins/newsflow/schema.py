"""The document schema: every field of an indexed article, declared once, in :data:`FIELDS`.

A :class:`Field` says what a field holds (its Python type), how Elasticsearch maps it, who
fills it (the cleaning stage, an extractor of :data:`extractors.builtin.CHAIN`, clustering or
the index backend), and whether it is a facet, searched as full text, required, or an
attribute of :class:`~newsflow.models.Article`. Everything else is derived from it:

* :meth:`Article.to_document <newsflow.models.Article.to_document>` and ``from_document``
  (:data:`CORE_FIELDS`, :data:`STORED_ONLY`);
* the Elasticsearch mapping (:func:`es_properties`, assembled into the index template by
  :mod:`newsflow.index.template`);
* :data:`FACET_FIELDS`, :data:`GEO_FIELD`, :data:`TIME_FIELD`, :data:`SEARCHED_FIELDS` and
  :data:`REQUIRED_FIELDS`, which both backends use (the embedded index's facet rows, point
  rows, date column and FTS5 columns).

``tests/test_schema.py`` fails when a field exists in one of those places and not here.
Adding a field: add it to :data:`FIELDS` (an extractor's field also to the extractor's
``fields``); the Elasticsearch backend adds it to a live index's mapping on its next setup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

CLEANING = "cleaning"
"""Filled when the article is built from its feed entry and page (:mod:`newsflow.cleaning`)."""
CLUSTERING = "clustering"
"""Filled by near-duplicate clustering after the extractors (:mod:`newsflow.clustering`)."""
STORIES = "stories"
"""Filled by the story-thread step after clustering (:mod:`newsflow.stories`)."""
INDEX = "index"
"""Set by the index backend when it stores the document."""
STAGES = (CLEANING, CLUSTERING, STORIES, INDEX)
"""Fillers that are pipeline stages; any other filler is the name of an extractor."""


# -- Elasticsearch mappings the fields share ----------------------------------------------
KEYWORD: dict[str, Any] = {"type": "keyword"}
URL: dict[str, Any] = {"type": "keyword", "ignore_above": 4096}
NAME: dict[str, Any] = {"type": "keyword", "ignore_above": 256}
"""A person, place, tag or other short name."""
TEXT: dict[str, Any] = {"type": "text", "analyzer": "newsflow_text"}
"""Analysed full text (``newsflow_text``: the standard analyzer, words lowercased, no stemming)."""
DATE: dict[str, Any] = {"type": "date"}
FLOAT: dict[str, Any] = {"type": "float"}
FLATTENED: dict[str, Any] = {"type": "flattened"}
VECTOR: dict[str, Any] = {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"}
"""A sentence embedding (:data:`newsflow.semantic.DIMS` dimensions), searched by kNN."""


def objects(properties: dict[str, Any], *, dynamic: bool | str = False) -> dict[str, Any]:
    """The mapping of a list of objects with ``properties`` (``dynamic: false``: other keys
    are kept in ``_source`` but not indexed)."""
    return {"type": "object", "dynamic": dynamic, "properties": properties}


@dataclass(frozen=True, slots=True)
class Search:
    """How query text searches a full-text field."""

    weight: float
    """BM25 boost relative to the other searched fields."""
    highlight: Literal["whole", "fragment"]
    """``whole``: the whole field comes back marked (a title); ``fragment``: a snippet."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of the document."""

    name: str
    type: str
    """The Python type of its value, spelt as :class:`~newsflow.models.Article` annotates it."""
    es: Mapping[str, Any]
    """Its Elasticsearch mapping."""
    filled_by: tuple[str, ...]
    """Who sets it: stages of :data:`STAGES` or extractor names, first filler first."""
    doc: str = ""
    core: bool = False
    """An attribute of :class:`~newsflow.models.Article` (else an enrichment or stored only)."""
    required: bool = False
    """Every document must carry it, as a string (checked by both backends)."""
    facet: bool = False
    """A keyword field search may filter and count on (a string or a list of strings), or a
    boolean one (filtered and counted as ``true``/``false``)."""
    search: Search | None = None
    """Searched by query text (only analysed fields are)."""
    internal: bool = False
    """Kept by a backend for itself; never part of a document it returns."""

    @property
    def analysed(self) -> bool:
        """Whether Elasticsearch analyses it as full text."""
        return self.es.get("type") == "text"


def _f(name: str, type_: str, es: Mapping[str, Any], *filled_by: str, doc: str = "",
       **flags: Any) -> Field:
    return Field(name, type_, es, filled_by or (CLEANING,), doc, **flags)


FIELDS: tuple[Field, ...] = (
    # -- identity and origin (the cleaning stage, from the feed entry and the page) --------
    _f("id", "str", KEYWORD, core=True, required=True,
       doc="doc_id(url): the document's key everywhere"),
    _f("url", "str", URL, core=True, required=True, doc="the normalised article URL"),
    _f("canonical_url", "str | None", URL, core=True, doc="the page's canonical link"),
    _f("aliases", "list[str]", URL, core=True,
       doc="every normalised URL naming the article (entry, proxy, final, canonical)"),
    _f("feed_url", "str", URL, core=True),
    _f("source", "str", KEYWORD, core=True, facet=True, doc="the feed's name"),
    _f("domain", "str", KEYWORD, core=True, facet=True),
    _f("language", "str | None", KEYWORD, CLEANING, "language", core=True, facet=True,
       doc="language code: the page's declared language unless the extractor disagrees"),
    # -- content ------------------------------------------------------------------------
    _f("title", "str", {**TEXT, "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}},
       core=True, required=True, search=Search(3.0, "whole")),
    _f("text", "str", TEXT, core=True, required=True, search=Search(1.0, "fragment"),
       doc="the cleaned main text"),
    _f("authors", "list[str]", NAME, core=True, facet=True),
    _f("published_at", "str | None", DATE, core=True,
       doc="the publication instant, ISO 8601 UTC (…Z)"),
    _f("published_day", "str | None", {"type": "date", "format": "strict_date"}, core=True,
       doc="the publisher's local day of published_at (YYYY-MM-DD)"),
    _f("published_offset", "str | None", KEYWORD, core=True, doc="the publisher's UTC offset"),
    _f("published_raw", "str | None", NAME, core=True, doc="the date text it was read from"),
    _f("published_warning", "str | None", {"type": "keyword", "ignore_above": 1024}, core=True,
       doc="why a date was refused or reduced to its day"),
    _f("feed_published_at", "str | None", DATE, core=True),
    _f("fetched_at", "str", DATE, core=True),
    _f("site_name", "str | None", NAME, core=True),
    _f("description", "str | None", TEXT, core=True),
    _f("feed_summary", "str | None", TEXT, core=True),
    _f("image", "str | None", {"type": "keyword", "index": False, "doc_values": False},
       core=True, doc="image URL, stored, not searchable"),
    _f("tags", "list[str]", NAME, core=True, facet=True),
    _f("categories", "list[str]", NAME, core=True, facet=True),
    _f("field_sources", "dict[str, str]", FLATTENED, core=True,
       doc="metadata field → page, feed or extractor:<name>"),
    _f("extractors", "list[ExtractorRun]",
       objects({"name": KEYWORD, "version": KEYWORD, "fields": KEYWORD,
                "error": {"type": "text",
                          "fields": {"keyword": {"type": "keyword", "ignore_above": 512}}}},
               dynamic="strict"),
       core=True, doc="provenance: [{name, version, fields, error?}]"),
    _f("paywalled", "bool", {"type": "boolean"}, core=True, facet=True,
       doc="marked as paywalled by the page or a feed-list rule (newsflow.paywall)"),
    # -- enrichments (extractors of extractors.builtin.CHAIN) ------------------------------
    _f("language_confidence", "float", FLOAT, "language"),
    _f("keywords", "list[str]", NAME, "keywords", facet=True),
    _f("persons", "list[str]", NAME, "entities", facet=True),
    _f("organizations", "list[str]", NAME, "entities", facet=True),
    _f("entity_mentions", "list[dict[str, Any]]",
       objects({"name": NAME, "label": KEYWORD, "count": {"type": "integer"},
                "first_offset": {"type": "integer"}}), "entities"),
    _f("places", "list[str]", NAME, "places", facet=True, doc="place names"),
    _f("countries", "list[str]", KEYWORD, "places", facet=True, doc="ISO 3166 alpha-2 codes"),
    _f("locations", "list[dict[str, Any]]",
       objects({"name": KEYWORD, "country_code": KEYWORD, "admin1": KEYWORD,
                "feature": KEYWORD, "location": {"type": "geo_point"}}), "places"),
    _f("place_points", "list[dict[str, float]]", {"type": "geo_point"}, "places",
       doc="[{lat, lon}] of the places, what the near filter uses"),
    _f("topics", "list[str]", KEYWORD, "topics", facet=True),
    _f("topic_scores", "dict[str, float]", FLATTENED, "topics"),
    _f("quote_speakers", "list[str]", NAME, "quotes", facet=True),
    _f("quotes", "list[dict[str, Any]]",
       objects({"speaker": KEYWORD, "speaker_type": KEYWORD, "text": TEXT}), "quotes"),
    _f("word_count", "int", {"type": "integer"}, "reading"),
    _f("reading_time_min", "float", FLOAT, "reading"),
    _f("quantities", "list[dict[str, Any]]",
       objects({"value": {"type": "double"}, "unit": KEYWORD, "object": KEYWORD,
                "text": {"type": "text"}}), "quantities"),
    _f("dates_mentioned", "list[dict[str, Any]]",
       objects({"text": NAME, "date": {"type": "date", "ignore_malformed": True},
                "resolution": KEYWORD}), "dates"),
    _f("tone", "float | None", FLOAT, "tone", doc="−10…+10; None where not measured"),
    _f("summary", "str | None", TEXT, "summary"),
    _f("simhash", "str | None", KEYWORD, "simhash", doc="64-bit SimHash as 16 hex digits"),
    _f("embedding", "list[float] | None", VECTOR, "embedding",
       doc="unit vector of title + lead (newsflow.semantic): kNN only, not full text or facets"),
    _f("embedding_key", "str | None", {"type": "keyword", "index": False, "doc_values": False},
       "embedding", doc="hash of model, version and embedded text: unchanged, not re-embedded"),
    # -- later stages -------------------------------------------------------------------
    _f("cluster_id", "str", KEYWORD, CLUSTERING, facet=True,
       doc="smallest document id of the article's near-duplicate cluster"),
    _f("story_id", "str", KEYWORD, STORIES, facet=True,
       doc="smallest document id of the article's story thread across outlets (newsflow.stories)"),
    _f("indexed_at", "str", DATE, INDEX),
    _f("content_hash", "str", {"type": "keyword", "index": False}, INDEX, internal=True,
       doc="SHA-256 of the content, the Elasticsearch backend's change detector"),
)
"""Every field. Core fields come first, in the order :meth:`Article.to_document` writes them
(enrichments follow in a document in the order the extractors add them); :data:`FACET_FIELDS`
and the Elasticsearch mapping keep this order."""

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}

CORE_FIELDS: tuple[Field, ...] = tuple(f for f in FIELDS if f.core)
"""The fields that are :class:`~newsflow.models.Article` attributes, in document order."""

STORED_ONLY: frozenset[str] = frozenset(f.name for f in FIELDS if INDEX in f.filled_by)
"""Fields a backend sets on storing; an :class:`Article` rebuilt from a document drops them."""

FACET_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.facet)
"""Keyword fields a search may filter and facet on."""

REQUIRED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)
"""String fields every document must carry, on every backend."""

SEARCHED_FIELDS: tuple[tuple[str, Search], ...] = tuple(
    (f.name, f.search) for f in FIELDS if f.search is not None)
"""The full-text fields query text searches, with their weight and highlighting."""

TIME_FIELD = "published_at"
"""The date that ``since``/``until``, date sorting and the histogram use."""

GEO_FIELD: str = next(f.name for f in FIELDS if f.es.get("type") == "geo_point")
"""The field the ``near`` filter uses: a list of ``{"lat", "lon"}``."""


VECTOR_FIELD: str = next(f.name for f in FIELDS if f.es.get("type") == "dense_vector")
"""The field semantic search compares query vectors with; search hits leave it out."""


def es_properties() -> dict[str, Any]:
    """The Elasticsearch mapping's ``properties``: field name → mapping, in document order
    (fresh dicts: the caller may change them)."""
    return {f.name: _copy(f.es) for f in FIELDS}


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    return value
