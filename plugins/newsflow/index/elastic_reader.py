"""Reading from Elasticsearch: one document, counts, every document in id order, search.

Search turns a :class:`~newsflow.index.base.SearchQuery` into one ``_search`` request: the
query text compiled by :mod:`newsflow.index.elastic_query`, facet filters, a date range and a
geo distance as filters; facets and the histogram as aggregations (they count the documents
matching text *and* filters); pages by offset or by the cursor of
:mod:`newsflow.index.elastic_cursor` (then the offset is ignored). A filter with an empty value
tuple is ignored.

Paging: a user's search pages with a stateless ``search_after`` cursor on the alias (no point
in time: a cursor may be used minutes later or never, and a PIT would have to be kept open
for it); :meth:`ElasticReader.iter_documents` reads every document through a point in time
(:mod:`.elastic_scan`), so a long export or reprocess sees one consistent view.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, NotFoundError

from newsflow.errors import QueryError
from newsflow.index.base import FACET_FIELDS, GEO_FIELD, Hit, SearchQuery, SearchResult, check_near
from newsflow.index.elastic_client import Connection, error_type
from newsflow.index.elastic_cursor import decode_cursor_position, encode_cursor
from newsflow.index.elastic_query import compile_query
from newsflow.index.elastic_scan import scan
from newsflow.index.elastic_writer import INTERNAL_FIELDS
from newsflow.index.fusion import check_mode
from newsflow.index.query import parse
from newsflow.models import Document, iso
from newsflow.schema import VECTOR_FIELD

_INTERVALS = {"day": "day", "week": "week", "month": "month", "year": "year"}
_MAX_WINDOW = 10_000
HIGHLIGHT = {
    "pre_tags": ["<mark>"],
    "post_tags": ["</mark>"],
    "encoder": "default",
    "fields": {
        "title": {"number_of_fragments": 0},
        "text": {"fragment_size": 160, "number_of_fragments": 3},
    },
}


def public(source: dict[str, Any]) -> Document:
    """A stored source without the backend's :data:`INTERNAL_FIELDS`."""
    return {k: v for k, v in source.items() if k not in INTERNAL_FIELDS}


HIT_EXCLUDES = [*INTERNAL_FIELDS, VECTOR_FIELD]
"""What a search hit's document leaves out: the internal fields and the embedding."""


def conditions(q: SearchQuery) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The compiled query text (``None``: no condition on it) and the filters of ``q`` (facet
    values, dates, distance). Raises :class:`QueryError` for a field that is not a facet or a
    bad ``near``."""
    filters: list[dict[str, Any]] = []
    text_query = compile_query(parse(q.text))
    for field_name, values in q.filters.items():
        if field_name not in FACET_FIELDS:
            raise QueryError(
                f"cannot filter on {field_name!r}; filterable fields: {', '.join(FACET_FIELDS)}"
            )
        if values:
            filters.append({"terms": {field_name: [str(v) for v in values]}})
    if q.since is not None or q.until is not None:
        rng: dict[str, Any] = {}
        if q.since is not None:
            rng["gte"] = iso(q.since)
        if q.until is not None:
            rng["lt"] = iso(q.until)
        filters.append({"range": {"published_at": rng}})
    if q.indexed_since is not None:
        filters.append({"range": {"indexed_at": {"gte": iso(q.indexed_since)}}})
    try:
        near = check_near(q.near)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc
    if near is not None:
        lat, lon, km = near
        filters.append({"geo_distance": {"distance": f"{km}km", "distance_type": "arc",
                                         GEO_FIELD: {"lat": lat, "lon": lon}}})
    return text_query, filters


def build_query(q: SearchQuery) -> tuple[dict[str, Any], bool]:
    """The Elasticsearch query of ``q`` (text, filters, dates, distance), and whether its text
    has a positive term to highlight. Raises :class:`QueryError` as :func:`conditions`."""
    text_query, filters = conditions(q)
    must = [] if text_query is None else [text_query]
    has_terms = bool(parse(q.text).groups)
    if not must and not filters:
        return {"match_all": {}}, has_terms
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}, has_terms


def aggregations(q: SearchQuery) -> dict[str, Any]:
    """The facet and histogram aggregations ``q`` asks for; :class:`QueryError` for an
    unknown facet or interval."""
    aggs: dict[str, Any] = {}
    for facet in q.facets:
        if facet not in FACET_FIELDS:
            raise QueryError(f"cannot facet on {facet!r}; facet fields: {', '.join(FACET_FIELDS)}")
        aggs[f"facet:{facet}"] = {
            "terms": {"field": facet, "size": q.facet_size,
                      "order": [{"_count": "desc"}, {"_key": "asc"}]}
        }
    if q.histogram is not None:
        if q.histogram not in _INTERVALS:
            raise QueryError(f"unknown histogram interval {q.histogram!r}")
        aggs["histogram"] = {"date_histogram": {
            "field": "published_at", "calendar_interval": _INTERVALS[q.histogram],
            "format": "yyyy-MM-dd", "min_doc_count": 1,
        }}
    return aggs


def search_body(q: SearchQuery) -> tuple[dict[str, Any], int]:
    """The ``_search`` request of ``q``, and how many hits come before its first.

    Raises :class:`QueryError` for a page or sort the query cannot have (see
    :class:`~newsflow.index.base.SearchQuery`)."""
    if q.size < 0 or q.offset < 0 or q.facet_size < 1:
        raise QueryError("size and offset must be >= 0 and facet_size >= 1")
    if q.sort not in ("relevance", "date"):
        raise QueryError(f"unknown sort {q.sort!r}; use 'relevance' or 'date'")
    if q.search_after is None and q.offset + q.size > _MAX_WINDOW:
        raise QueryError(f"offset + size may not exceed {_MAX_WINDOW}; page deeper with search_after")
    es_query, has_terms = build_query(q)
    date_sort = {"published_at": {"order": "desc", "missing": "_last"}}
    sort: list[Any] = (
        [date_sort, {"_score": "desc"}, {"id": "asc"}]
        if q.sort == "date"
        else [{"_score": "desc"}, date_sort, {"id": "asc"}]
    )
    body: dict[str, Any] = {"query": es_query, "sort": sort, "size": q.size,
                            "track_total_hits": True, "track_scores": True,
                            "source_excludes": HIT_EXCLUDES}
    before = q.offset
    if q.search_after is not None:
        body["search_after"], before = decode_cursor_position(q.search_after, q.sort)
    elif q.offset:
        body["from_"] = q.offset
    aggs = aggregations(q)
    if aggs:
        body["aggs"] = aggs
    if q.highlight and has_terms:
        body["highlight"] = HIGHLIGHT
    return body, before


def search_result(q: SearchQuery, resp: Any, before: int) -> SearchResult:
    """The :class:`SearchResult` of the answer ``resp`` to :func:`search_body`'s request."""
    raw_hits = resp["hits"]["hits"]
    hits = [
        Hit(id=h["_id"], score=float(h.get("_score") or 0.0), document=public(h["_source"]),
            highlights={k: list(v) for k, v in (h.get("highlight") or {}).items()})
        for h in raw_hits
    ]
    total = int(resp["hits"]["total"]["value"])
    raw_aggs = resp.get("aggregations") or {}
    facets = {
        facet: [(str(b.get("key_as_string", b["key"])), int(b["doc_count"])) for b in raw_aggs[f"facet:{facet}"]["buckets"]]
        for facet in q.facets
    }
    histogram = [
        (str(b["key_as_string"]), int(b["doc_count"]))
        for b in (raw_aggs.get("histogram") or {}).get("buckets", [])
        if b["doc_count"] > 0
    ]
    next_cursor = None
    seen = before + len(hits)
    if hits and q.size and len(hits) == q.size and seen < total:
        last_sort = raw_hits[-1].get("sort")
        if last_sort is not None:
            next_cursor = encode_cursor(q.sort, last_sort, seen)
    return SearchResult(total=total, hits=hits, facets=facets, histogram=histogram,
                        next_cursor=next_cursor)


class ElasticReader:
    """Reads through ``conn.alias``."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, doc_id: str) -> Document | None:
        """The stored document ``doc_id`` (with ``indexed_at``), or ``None``."""
        try:
            resp = self.conn.client.get(index=self.conn.alias, id=doc_id)
        except NotFoundError as exc:
            if error_type(exc) == "index_not_found_exception":
                raise self.conn.translate(exc, "getting a document") from exc
            return None
        except (ApiError, TransportError) as exc:
            raise self.conn.translate(exc, "getting a document") from exc
        return public(resp["_source"])

    def count(self) -> int:
        """How many documents the index holds."""
        resp = self.conn.call("counting documents", self.conn.client.count, index=self.conn.alias)
        return int(resp["count"])

    def iter_documents(self, since: datetime | None = None) -> Iterator[Document]:
        """Every stored document (``published_at >= since`` when given), in id order, as the
        index was when the iteration began (a point in time)."""
        query: dict[str, Any] | None = None
        if since is not None:
            query = {"range": {"published_at": {"gte": iso(since)}}}
        for hit in scan(self.conn, self.conn.alias, query, source_excludes=INTERNAL_FIELDS):
            yield public(hit["_source"])

    def search(self, query: SearchQuery) -> SearchResult:
        """Run ``query``; :class:`QueryError` for a query the backend cannot run,
        :class:`~newsflow.semantic.SemanticUnavailable` for a vector mode without the model."""
        check_mode(query.mode, query.text, query.sort, query.search_after)
        if query.mode != "keyword":
            from newsflow.index.elastic_semantic import search_vectors

            return search_vectors(self.conn, query)
        body, before = search_body(query)
        resp = self.conn.call("searching", self.conn.client.search, index=self.conn.alias, **body)
        return search_result(query, resp, before)
