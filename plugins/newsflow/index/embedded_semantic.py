"""Semantic and hybrid search on the embedded index (:mod:`newsflow.index.fusion` says what
they mean): a brute-force cosine scan of the stored vectors with numpy.

The candidates are the documents the query's filters, dates, distance and excluded terms let
through (all of them when nothing narrows them down); their rows of the vector matrix
(:mod:`newsflow.index.embedded_vectors`, kept in memory between searches) are multiplied by
the query vector. At 384 dimensions that is 1.5 KB per document: at 100k documents a
matrix-vector product of a few milliseconds, so no approximate index is needed at our scale
(sqlite-vec would add a native extension for a scan of the same cost)."""

from __future__ import annotations

import sqlite3

import numpy as np

from newsflow.index.base import Hit, SearchQuery, SearchResult
from newsflow.index.embedded_documents import without_vector
from newsflow.index.embedded_query import Plan, candidates, plan
from newsflow.index.embedded_search import bodies, facet_counts, highlights, histogram
from newsflow.index.embedded_storage import TIME_COLUMN
from newsflow.index.embedded_vectors import VectorCache
from newsflow.index.fusion import CANDIDATES, rrf


def nearest(conn: sqlite3.Connection, query: SearchQuery, vector: np.ndarray, cache: VectorCache
            ) -> list[tuple[str, float]]:
    """The :data:`CANDIDATES` documents most similar to ``vector`` among those the query's
    conditions (not its positive terms) let through: ``(id, cosine)``, best first, ties by id."""
    matrix = cache.matrix(conn)
    narrowed = candidates(query)
    if narrowed is None:
        rows = np.arange(len(matrix.ids))
    else:
        rids = np.fromiter((r[0] for r in conn.execute(*narrowed)), dtype=np.int64)
        rows = matrix.rows(rids)
    if not len(rows):
        return []
    scores = matrix.vectors[rows] @ vector.astype(np.float32)
    if len(rows) > CANDIDATES:  # every row scoring at least the CANDIDATES-th best, ties included
        kth = np.partition(scores, len(scores) - CANDIDATES)[len(scores) - CANDIDATES]
        keep = np.flatnonzero(scores >= kth)
        rows, scores = rows[keep], scores[keep]
    ranked = sorted(((matrix.ids[r], float(s)) for r, s in zip(rows, scores, strict=True)),
                    key=lambda item: (-item[1], item[0]))
    return ranked[:CANDIDATES]


def best_keyword(conn: sqlite3.Connection, p: Plan) -> list[str]:
    """Ids of the :data:`CANDIDATES` best keyword matches of plan ``p``, best first."""
    rows = conn.execute(
        f"{p.cte}SELECT m.id FROM m ORDER BY m.rank ASC, m.pub DESC, m.id ASC LIMIT ?",
        [*p.params, CANDIDATES]).fetchall()
    return [r[0] for r in rows]


def run(conn: sqlite3.Connection, query: SearchQuery, vector: np.ndarray, cache: VectorCache
        ) -> SearchResult:
    """The answer to a ``semantic`` or ``hybrid`` query; run it inside one transaction."""
    p = plan(query)
    similar = nearest(conn, query, vector, cache)
    if query.mode == "hybrid":
        ranked = rrf([best_keyword(conn, p), [doc_id for doc_id, _ in similar]])
    else:
        ranked = similar
    ids = [doc_id for doc_id, _ in ranked]
    marks = ", ".join("?" * len(ids)) or "NULL"
    rid_of = dict(conn.execute(f"SELECT id, rid FROM documents WHERE id IN ({marks})", ids).fetchall())
    rid_marks = ", ".join("?" * len(rid_of)) or "NULL"
    found = Plan(f"WITH m AS MATERIALIZED (SELECT d.rid, d.id, coalesce(d.{TIME_COLUMN}, '') "
                 f"AS pub, 0.0 AS rank FROM documents AS d INDEXED BY documents_keys "
                 f"WHERE d.rid IN ({rid_marks})) ", tuple(rid_of.values()), p.text)
    window = ranked[query.offset:query.offset + query.size]
    rids = [rid_of[doc_id] for doc_id, _ in window]
    docs = bodies(conn, rids)
    marks_of = highlights(conn, p.text, rids) if query.highlight else {}
    hits = [Hit(id=doc_id, score=score, document=without_vector(docs[rid]),
                highlights=marks_of.get(rid, {}))
            for (doc_id, score), rid in zip(window, rids, strict=True)]
    facets = facet_counts(conn, found, query.facets, query.facet_size) if query.facets else {}
    buckets = histogram(conn, found, query.histogram) if query.histogram else []
    return SearchResult(total=len(ranked), hits=hits, facets=facets, histogram=buckets)
