"""Search requests compiled for the embedded index: query text to FTS5, the rest to SQL.

The query text never reaches FTS5 as typed: :mod:`newsflow.index.query` parses it and
:func:`compile_query` quotes every term of the tree, so no input can raise an FTS5 syntax
error. :func:`plan` turns a whole :class:`~newsflow.index.base.SearchQuery` into one
``WITH m AS (…)`` CTE of the matching documents, which :mod:`newsflow.index.embedded_search`
pages, highlights, counts and buckets; cursors for deep paging are made and read here too.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from newsflow.errors import QueryError
from newsflow.index.base import FACET_FIELDS, SearchQuery, check_near
from newsflow.index.embedded_storage import TIME_COLUMN
from newsflow.index.query import ParsedQuery, Term, parse
from newsflow.models import iso
from newsflow.schema import SEARCHED_FIELDS

BM25_WEIGHTS = ", ".join(str(search.weight) for _, search in SEARCHED_FIELDS)
"""BM25 column weights, in FTS5 column order: a term in the title counts three times one in
the text (:data:`newsflow.schema.SEARCHED_FIELDS`)."""

KM_PER_DEGREE_LAT = 111.0
"""A little under the true 111.2 km, so the latitude band never cuts a match off."""

HISTOGRAM_BUCKETS = {
    "day": "substr(m.pub, 1, 10)",
    "week": "date(substr(m.pub, 1, 10), '-' || ((CAST(strftime('%w', substr(m.pub, 1, 10))"
    " AS INTEGER) + 6) % 7) || ' days')",
    "month": "substr(m.pub, 1, 7) || '-01'",
    "year": "substr(m.pub, 1, 4) || '-01-01'",
}
"""SQL giving the bucket start (``YYYY-MM-DD``) of ``m.pub``; weeks start on Monday."""

_SORTS = ("relevance", "date")


# ---------------------------------------------------------------------------------------
# Query text → FTS5 expression


@dataclass(frozen=True, slots=True)
class TextQuery:
    """The user's query text compiled to FTS5 expressions made only of quoted strings."""

    match: str | None
    """Expression every hit must match (``None``: no positive term, match everything)."""
    exclude: str | None
    """Expression matching the documents to drop (``None``: nothing excluded)."""


def _quote(term: Term) -> str:
    """An FTS5 string literal: whatever is inside is only ever tokenised, never parsed, and
    its tokens must follow each other (a phrase), as :mod:`newsflow.index.query` promises."""
    return '"' + term.text.replace('"', '""') + '"'


def compile_query(query: ParsedQuery) -> TextQuery:
    """Compile the query tree of :mod:`newsflow.index.query` to FTS5 expressions."""
    match = " AND ".join(
        _quote(g[0]) if len(g) == 1 else "(" + " OR ".join(map(_quote, g)) + ")"
        for g in query.groups)
    exclude = " OR ".join(map(_quote, query.excluded))
    return TextQuery(match=match or None, exclude=exclude or None)


def compile_text(text: str) -> TextQuery:
    """:func:`compile_query` of the parsed ``text``."""
    return compile_query(parse(text))


# ---------------------------------------------------------------------------------------
# Search plans


@dataclass(frozen=True, slots=True)
class Plan:
    """``WITH m AS (…)``: the matching documents as ``(rid, id, pub, rank)`` rows.

    ``pub`` is the time column (``published_at``) or ``''`` (so undated documents sort last when newest
    comes first) and ``rank`` is FTS5's bm25 (lower is better) or 0 without query text.
    """

    cte: str
    params: tuple[Any, ...]
    text: TextQuery


def validate(query: SearchQuery) -> None:
    """Raise :class:`QueryError`, saying what would be accepted, for a query we cannot run."""
    valid = ", ".join(FACET_FIELDS)
    for what, names in (("filter", query.filters), ("facet", query.facets)):
        unknown = sorted(set(names) - set(FACET_FIELDS))
        if unknown:
            raise QueryError(f"unknown {what} field(s) {', '.join(unknown)}; valid fields: {valid}")
    if query.histogram is not None and query.histogram not in HISTOGRAM_BUCKETS:
        raise QueryError(f"histogram interval must be one of {', '.join(HISTOGRAM_BUCKETS)}")
    if query.sort not in _SORTS:
        raise QueryError(f"sort must be one of {', '.join(_SORTS)}")
    if query.size < 0 or query.offset < 0 or query.facet_size < 0:
        raise QueryError("size, offset and facet_size must not be negative")
    if query.search_after is not None and query.offset:
        raise QueryError("use either offset or search_after, not both")
    try:
        check_near(query.near)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc


def _filter_values(values: Iterable[str] | str) -> tuple[str, ...]:
    """Accept a bare string where a tuple was meant, rather than filtering on its letters."""
    return (values,) if isinstance(values, str) else tuple(str(v) for v in values)


def _conditions(query: SearchQuery, text: TextQuery, *, per_row: bool = True
                ) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``d`` (a ``documents`` row) for filters, dates and exclusions.

    ``per_row``: each row the full-text match yields looks its filter values up (``EXISTS``);
    otherwise the filters' own index rows pick the documents (``IN``), which is what a search
    without full-text match wants (a scan of every document would look each one up).
    """
    where: list[str] = []
    params: list[Any] = []
    for field, raw in sorted(query.filters.items()):
        values = _filter_values(raw)
        if not values:
            continue
        marks = ", ".join("?" * len(values))
        where.append("EXISTS (SELECT 1 FROM facets AS f WHERE f.doc_id = d.id "
                     f"AND f.field = ? AND f.value IN ({marks}))" if per_row else
                     "d.id IN (SELECT f.doc_id FROM facets AS f "
                     f"WHERE f.field = ? AND f.value IN ({marks}))")
        params += [field, *values]
    if query.since is not None:
        where.append(f"d.{TIME_COLUMN} >= ?")
        params.append(iso(query.since))
    if query.until is not None:
        where.append(f"d.{TIME_COLUMN} < ?")
        params.append(iso(query.until))
    if query.indexed_since is not None:
        where.append("d.indexed_at >= ?")
        params.append(iso(query.indexed_since))
    near = check_near(query.near)
    if near is not None:
        lat, lon, km = near
        band = km / KM_PER_DEGREE_LAT
        where.append("EXISTS (SELECT 1 FROM points AS g WHERE g.doc_id = d.id "
                      "AND g.lat BETWEEN ? AND ? AND newsflow_km(g.lat, g.lon, ?, ?) <= ?)")
        params += [lat - band, lat + band, lat, lon, km]
    if text.exclude is not None:
        where.append("d.rid NOT IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
        params.append(text.exclude)
    return where, params


def plan(query: SearchQuery) -> Plan:
    """Build the CTE selecting every document the query matches."""
    text = compile_text(query.text)
    where, params = _conditions(query, text)
    if text.match is not None:
        # documents_keys: the id and time of each full-text match without reading its body
        source = (f"SELECT d.rid, d.id, coalesce(d.{TIME_COLUMN}, '') AS pub, "
                  f"bm25(documents_fts, {BM25_WEIGHTS}) AS rank FROM documents_fts "
                  "JOIN documents AS d INDEXED BY documents_keys ON d.rid = documents_fts.rowid "
                  "WHERE documents_fts MATCH ?")
        params.insert(0, text.match)
    else:
        source = (f"SELECT d.rid, d.id, coalesce(d.{TIME_COLUMN}, '') AS pub, 0.0 AS rank "
                  "FROM documents AS d WHERE 1")
    sql = " AND ".join([source, *where])
    return Plan(f"WITH m AS MATERIALIZED ({sql}) ", tuple(params), text)


def candidates(query: SearchQuery) -> tuple[str, tuple[Any, ...]] | None:
    """SQL selecting, in row id order, the ``rid`` of every document the query's filters,
    dates, distance and excluded terms let through (not its positive terms: the candidates
    of a vector search); ``None`` when nothing narrows them down (every document)."""
    where, params = _conditions(query, compile_text(query.text), per_row=False)
    if not where:
        return None
    return f"SELECT d.rid FROM documents AS d WHERE {' AND '.join(where)} ORDER BY d.rid", tuple(params)


def order_by(sort: str) -> str:
    if sort == "date":
        return "m.pub DESC, m.id ASC"
    return "m.rank ASC, m.pub DESC, m.id ASC"


def encode_cursor(sort: str, key: Sequence[Any]) -> str:
    """Opaque ``search_after`` token: the sort mode and the last hit's sort key."""
    raw = json.dumps({"sort": sort, "key": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The sort key inside a cursor made by :func:`encode_cursor` for the same sort."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        key = data["key"]
        ok = data["sort"] == sort and isinstance(key, list) and len(key) == 3
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise QueryError("search_after is not a cursor returned by a previous search") from exc
    if not ok:
        raise QueryError(f"search_after cursor was not made by a search sorted by {sort}")
    return key


def after(sort: str, key: list[Any]) -> tuple[str, list[Any]]:
    """Condition keeping rows strictly after ``key`` in the sort order."""
    rank, pub, doc_id = key
    later = "(m.pub < ? OR (m.pub = ? AND m.id > ?))"
    if sort == "date":
        return later, [pub, pub, doc_id]
    return f"(m.rank > ? OR (m.rank = ? AND {later}))", [rank, rank, pub, pub, doc_id]


