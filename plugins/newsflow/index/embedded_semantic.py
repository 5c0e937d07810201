"""Semantic and hybrid search on the embedded index (:mod:`newsflow.index.fusion` says what
they mean): a brute-force cosine scan of the stored vectors with numpy.

The candidates are the documents the query's filters, dates, distance and excluded terms let
through (all of them when nothing narrows them down: a mask over the in-memory columns of
:mod:`newsflow.index.embedded_columns`); their rows of the vector matrix
(:mod:`newsflow.index.embedded_vectors`, kept in memory between searches) are multiplied by
the query vector. At 384 dimensions that is 1.5 KB per document: at 100k documents a
matrix-vector product of a few milliseconds, so no approximate index is needed at our scale
(sqlite-vec would add a native extension for a scan of the same cost)."""

from __future__ import annotations

import sqlite3

import numpy as np

from newsflow.index.base import Hit, SearchQuery, SearchResult
from newsflow.index.embedded_columns import Columns
from newsflow.index.embedded_query import admitted, compile_text
from newsflow.index.embedded_search import (
    best,
    bodies,
    facet_counts,
    highlights,
    histogram,
    matches,
)
from newsflow.index.embedded_vectors import Matrix, SnapshotCache
from newsflow.index.fusion import CANDIDATES, rrf

_GATHER_RATIO = 8
"""Copying a candidate's row out of the matrix costs about as much as multiplying 8 rows in
place: above one candidate in 8 documents, the product over the whole matrix is cheaper (a
language filter at 100k documents: 30k rows, ≈ 2.5x less time)."""


def nearest(matrix: Matrix, columns: Columns, keep: np.ndarray | None, vector: np.ndarray
            ) -> list[tuple[str, float]]:
    """The :data:`CANDIDATES` documents most similar to ``vector`` among those ``keep`` lets
    through (:func:`~newsflow.index.embedded_query.admitted`; ``None``: all of them):
    ``(id, cosine)``, best first, ties by id."""
    rows = np.arange(len(matrix.ids)) if keep is None else matrix.rows(columns.rids[keep])
    if not len(rows):
        return []
    query = vector.astype(np.float32)
    if len(rows) * _GATHER_RATIO > len(matrix.ids):  # a broad filter: product over all rows
        scores = (matrix.vectors @ query)[rows]
    else:  # a narrow one: copy its rows, then the product
        scores = matrix.vectors[rows] @ query
    if len(rows) > CANDIDATES:  # every row scoring at least the CANDIDATES-th best, ties included
        kth = np.partition(scores, len(scores) - CANDIDATES)[len(scores) - CANDIDATES]
        keep_best = np.flatnonzero(scores >= kth)
        rows, scores = rows[keep_best], scores[keep_best]
    ranked = sorted(((matrix.ids[r], float(s)) for r, s in zip(rows, scores, strict=True)),
                    key=lambda item: (-item[1], item[0]))
    return ranked[:CANDIDATES]


def run(conn: sqlite3.Connection, query: SearchQuery, vector: np.ndarray,
        vectors: SnapshotCache[Matrix], cache: SnapshotCache[Columns]) -> SearchResult:
    """The answer to a ``semantic`` or ``hybrid`` query; run it inside one transaction."""
    text = compile_text(query.text)
    columns = cache.get(conn)
    keep = admitted(conn, columns, query, text)
    similar = nearest(vectors.get(conn), columns, keep, vector)
    if query.mode == "hybrid":  # the CANDIDATES best keyword matches, best first
        rows, ranks = matches(conn, columns, text, keep)
        top = best(columns, rows, ranks, "relevance")[:CANDIDATES]
        keyword = [str(columns.ids[rows[i]]) for i in top]
        ranked = rrf([keyword, [doc_id for doc_id, _ in similar]])
    else:
        ranked = similar
    found = np.fromiter((columns.row_of[doc_id] for doc_id, _ in ranked), dtype=np.int64,
                        count=len(ranked))
    window = ranked[query.offset:query.offset + query.size]
    rids = [int(columns.rids[columns.row_of[doc_id]]) for doc_id, _ in window]
    docs = bodies(conn, rids)
    marks_of = highlights(conn, text, rids) if query.highlight else {}
    hits = [Hit(id=doc_id, score=score, document=docs[rid],
                highlights=marks_of.get(rid, {}))
            for (doc_id, score), rid in zip(window, rids, strict=True)]
    facets = (facet_counts(conn, columns, found, query.facets, query.facet_size)
              if query.facets else {})
    buckets = histogram(conn, columns, found, query.histogram) if query.histogram else []
    return SearchResult(total=len(ranked), hits=hits, facets=facets, histogram=buckets)
