"""Search requests compiled for the embedded index: query text to FTS5, the rest to masks.

The query text never reaches FTS5 as typed: :mod:`newsflow.index.query` parses it and
:func:`compile_query` quotes every term of the tree, so no input can raise an FTS5 syntax
error. :func:`admitted` turns the query's filters, dates, distance and excluded terms into
one boolean mask over the in-memory columns (:mod:`newsflow.index.embedded_columns`), which
:mod:`newsflow.index.embedded_search` intersects with the full-text matches, then pages,
highlights, counts and buckets; cursors for deep paging are made and read here too.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsflow.errors import QueryError
from newsflow.index.base import FACET_FIELDS, SearchQuery, check_near
from newsflow.index.embedded_columns import Columns, facet
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
# Search requests


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


def admitted(conn: sqlite3.Connection, columns: Columns, query: SearchQuery, text: TextQuery
             ) -> np.ndarray | None:
    """``(n,)`` bool over the rows of ``columns``: the documents the query's filters, dates,
    distance and excluded terms let through (not its positive terms); ``None`` when nothing
    narrows them down (every document).

    Filters and dates are masks over the in-memory columns; the distance (``points``) and the
    excluded terms (FTS5) are asked of SQLite, on the same snapshot.
    """
    n = len(columns.rids)
    keep: np.ndarray | None = None

    def narrow(mask: np.ndarray) -> None:
        nonlocal keep
        keep = mask if keep is None else keep & mask

    for name, raw in sorted(query.filters.items()):
        values = _filter_values(raw)
        if not values:
            continue
        narrow(facet(conn, columns, name).mask(values, n))
    if query.since is not None:  # undated documents ('') are never in a date range
        narrow((columns.pub != "") & (columns.pub >= iso(query.since)))
    if query.until is not None:
        narrow((columns.pub != "") & (columns.pub < iso(query.until)))
    if query.indexed_since is not None:
        narrow(columns.indexed_at >= iso(query.indexed_since))
    near = check_near(query.near)
    if near is not None:
        lat, lon, km = near
        band = km / KM_PER_DEGREE_LAT
        narrow(_rows_mask(columns, conn.execute(
            "SELECT DISTINCT d.rid FROM points AS g JOIN documents AS d ON d.id = g.doc_id "
            "WHERE g.lat BETWEEN ? AND ? AND newsflow_km(g.lat, g.lon, ?, ?) <= ?",
            (lat - band, lat + band, lat, lon, km))))
    if text.exclude is not None:
        narrow(~_rows_mask(columns, conn.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?", (text.exclude,))))
    return keep


def _rows_mask(columns: Columns, rids: Iterable[tuple[int]]) -> np.ndarray:
    """``(n,)`` bool: the rows of the row ids a statement returned."""
    mask = np.zeros(len(columns.rids), dtype=bool)
    mask[columns.rows(np.fromiter((r[0] for r in rids), dtype=np.int64))] = True
    return mask


def encode_cursor(sort: str, key: Sequence[Any]) -> str:
    """Opaque ``search_after`` token: the sort mode and the last hit's sort key."""
    raw = json.dumps({"sort": sort, "key": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The sort key inside a cursor made by :func:`encode_cursor` for the same sort."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        key = data["key"]
        ok = data["sort"] == sort and isinstance(key, list) and len(key) == 3 \
            and isinstance(key[0], int | float) and not isinstance(key[0], bool) \
            and isinstance(key[1], str) and isinstance(key[2], str)
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise QueryError("search_after is not a cursor returned by a previous search") from exc
    if not ok:
        raise QueryError(f"search_after cursor was not made by a search sorted by {sort}")
    return key


def after(sort: str, key: list[Any], columns: Columns, rows: np.ndarray, ranks: np.ndarray
          ) -> np.ndarray:
    """bool over ``rows`` (with their ``ranks``): the rows strictly after the cursor ``key``
    in the sort order (newest first, then id; by relevance, the rank before those)."""
    rank, pub, doc_id = key
    pubs = columns.pub[rows]
    later = pubs < pub
    same = np.flatnonzero(pubs == pub)
    later[same] = columns.ids[rows[same]] > doc_id
    if sort == "date":
        return later
    return (ranks > rank) | ((ranks == rank) & later)
