"""Answering a keyword search on the embedded index: FTS5 finds the matches of the query text,
the in-memory columns (:mod:`newsflow.index.embedded_columns`) filter, sort, count and bucket
them, SQLite returns the page's bodies and highlights.

Every function here reads only; :meth:`EmbeddedBackend.search
<newsflow.index.embedded.EmbeddedBackend.search>` calls them inside one read transaction so
they see one snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import numpy as np

from newsflow.index.base import Hit, SearchQuery, SearchResult
from newsflow.index.embedded_columns import Columns, buckets, facet
from newsflow.index.embedded_documents import loads
from newsflow.index.embedded_query import (
    BM25_WEIGHTS,
    HISTOGRAM_BUCKETS,
    TextQuery,
    admitted,
    after,
    compile_text,
    decode_cursor,
    encode_cursor,
)
from newsflow.index.embedded_vectors import SnapshotCache
from newsflow.models import Document
from newsflow.schema import SEARCHED_FIELDS, VECTOR_FIELD

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
SNIPPET_TOKENS = 32
"""Length of the text fragment around the matches (FTS5 allows at most 64)."""


def matches(conn: sqlite3.Connection, columns: Columns, text: TextQuery, keep: np.ndarray | None,
            *, ranked: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every document the query matches: ``(rows, ranks)``, rows ascending.

    ``keep`` is :func:`~newsflow.index.embedded_query.admitted` of the query; ``ranks`` is
    FTS5's bm25 of each match (lower is better), or 0.0 without query text or when not
    ``ranked`` (a date sort ranks its page alone). Only the full-text match is SQL: FTS5 has
    no top-k pruning, so its cost is one pass over the word's matches, which the count, the
    facets and the histogram then share through the in-memory columns.
    """
    if text.match is None:
        rows = np.flatnonzero(keep) if keep is not None else np.arange(len(columns.rids))
        return rows, np.zeros(len(rows))
    score = f"bm25(documents_fts, {BM25_WEIGHTS})" if ranked else "0.0"
    found = conn.execute(f"SELECT rowid, {score} FROM documents_fts WHERE documents_fts MATCH ?",
                         (text.match,)).fetchall()
    rids = np.fromiter((r[0] for r in found), dtype=np.int64, count=len(found))
    ranks = np.fromiter((r[1] for r in found), dtype=np.float64, count=len(found))
    order = np.argsort(rids, kind="stable")  # FTS5 returns them ascending already
    rows, known = columns.locate(rids[order])
    rows, ranks = rows[known], ranks[order][known]
    if keep is not None:
        passed = keep[rows]
        rows, ranks = rows[passed], ranks[passed]
    return rows, ranks


def best(columns: Columns, rows: np.ndarray, ranks: np.ndarray, sort: str) -> np.ndarray:
    """Positions in ``rows`` in the sort order: by rank, then newest first, then id; or by
    date alone."""
    if sort == "date":
        return np.argsort(columns.order[rows], kind="stable")
    return np.lexsort((columns.order[rows], ranks))


def run(conn: sqlite3.Connection, query: SearchQuery, cache: SnapshotCache[Columns]
        ) -> SearchResult:
    """The whole answer to a keyword ``query``; run it inside one transaction."""
    text = compile_text(query.text)
    columns = cache.get(conn)
    keep = admitted(conn, columns, query, text)
    rows, ranks = matches(conn, columns, text, keep,
                          ranked=query.sort == "relevance" and query.size > 0)
    hits, cursor = page(conn, columns, rows, ranks, query, text)
    return SearchResult(
        total=len(rows), hits=hits, next_cursor=cursor,
        facets=(facet_counts(conn, columns, rows, query.facets, query.facet_size)
                if query.facets else {}),
        histogram=histogram(conn, columns, rows, query.histogram) if query.histogram else [])


def page(conn: sqlite3.Connection, columns: Columns, rows: np.ndarray, ranks: np.ndarray,
         query: SearchQuery, text: TextQuery) -> tuple[list[Hit], str | None]:
    """The requested hits, plus a cursor when more follow them.

    Sorting touches only the in-memory columns; bodies and highlights are fetched for the
    page alone. Raises :class:`~newsflow.errors.QueryError` for a foreign cursor.
    """
    if query.size == 0:
        return [], None
    if query.search_after is not None:
        passed = after(query.sort, decode_cursor(query.search_after, query.sort), columns,
                       rows, ranks)
        rows, ranks = rows[passed], ranks[passed]
    ordered = best(columns, rows, ranks, query.sort)[query.offset:query.offset + query.size + 1]
    more, ordered = len(ordered) > query.size, ordered[:query.size]
    rids = [int(r) for r in columns.rids[rows[ordered]]]
    if query.sort == "date" and text.match is not None:  # ranked for the page alone
        ranks = ranks.copy()
        ranks[ordered] = [rank for _, rank in _scored(conn, text.match, rids)]
    window = [(rid, str(columns.ids[rows[i]]), float(ranks[i]), str(columns.pub[rows[i]]))
              for rid, i in zip(rids, ordered, strict=True)]
    docs = bodies(conn, rids)
    marks = highlights(conn, text, rids) if query.highlight else {}
    hits = [Hit(id=doc_id, score=-rank if text.match else 0.0, document=docs[rid],
                highlights=marks.get(rid, {}))
            for rid, doc_id, rank, _ in window]
    if not more:
        return hits, None
    _, last_id, last_rank, last_pub = window[-1]
    return hits, encode_cursor(query.sort, (last_rank, last_pub, last_id))


def _scored(conn: sqlite3.Connection, match: str, rids: list[int]) -> list[tuple[int, float]]:
    """``(rid, bm25)`` of the rows ``rids`` for the FTS5 expression ``match``, in that order."""
    marks = ", ".join("?" * len(rids)) or "NULL"
    score = dict(conn.execute(
        f"SELECT rowid, bm25(documents_fts, {BM25_WEIGHTS}) FROM documents_fts "
        f"WHERE documents_fts MATCH ? AND rowid IN ({marks})", [match, *rids]).fetchall())
    return [(rid, float(score[rid])) for rid in rids]


def bodies(conn: sqlite3.Connection, rids: list[int]) -> dict[int, Document]:
    """Row id → a search hit's document for the rows ``rids``: the stored one without its
    embedding (``get`` keeps it). SQLite drops it from the JSON text: 384 numbers fewer
    to parse per hit, a third of the time of parsing the whole body."""
    if not rids:
        return {}
    marks = ", ".join("?" * len(rids))
    rows = conn.execute(
        f"SELECT rid, json_remove(body, '$.{VECTOR_FIELD}') FROM documents "
        f"WHERE rid IN ({marks})", rids).fetchall()
    return {rid: loads(body) for rid, body in rows}


def _marked(column: int, highlight: str) -> str:
    """The FTS5 auxiliary call marking matches of one column: the whole value, or a snippet."""
    if highlight == "whole":
        return f"highlight(documents_fts, {column}, ?, ?)"
    return f"snippet(documents_fts, {column}, ?, ?, '…', {SNIPPET_TOKENS})"


_MARKED = ", ".join(_marked(i, search.highlight) for i, (_, search) in enumerate(SEARCHED_FIELDS))
"""The marked searched fields, in FTS5 column order (``title`` whole, ``text`` a fragment)."""


def highlights(conn: sqlite3.Connection, text: TextQuery, rids: list[int]
               ) -> dict[int, dict[str, list[str]]]:
    """Searched field → marked fragments, per document row id.

    A field appears only when it holds a match, as in Elasticsearch.
    """
    if text.match is None or not rids:
        return {}
    marks = ", ".join("?" * len(rids))
    rows = conn.execute(
        f"SELECT rowid, {_MARKED} FROM documents_fts "
        f"WHERE documents_fts MATCH ? AND rowid IN ({marks})",
        [*(MARK_OPEN, MARK_CLOSE) * len(SEARCHED_FIELDS), text.match, *rids]).fetchall()
    out: dict[int, dict[str, list[str]]] = {}
    for rid, *values in rows:
        fields = zip((name for name, _ in SEARCHED_FIELDS), values, strict=True)
        out[rid] = {k: [v] for k, v in fields if v and MARK_OPEN in v}
    return out


def facet_counts(conn: sqlite3.Connection, columns: Columns, rows: np.ndarray,
                 fields: Sequence[str], size: int) -> dict[str, list[tuple[str, int]]]:
    """Top ``size`` values per field over the documents ``rows``: most frequent first, ties
    by value."""
    return {name: facet(conn, columns, name).top(rows, size) for name in dict.fromkeys(fields)}


def histogram(conn: sqlite3.Connection, columns: Columns, rows: np.ndarray, interval: str
              ) -> list[tuple[str, int]]:
    """Counts per bucket of the time field over the documents ``rows``, oldest first;
    undated documents are left out."""
    days = columns.day[rows]
    days = days[days >= 0]
    if not len(days):
        return []
    starts, bucket_of_day = buckets(conn, columns, interval, HISTOGRAM_BUCKETS[interval])
    counts = np.bincount(bucket_of_day[days], minlength=len(starts))
    return [(starts[i], int(counts[i])) for i in np.flatnonzero(counts)]
