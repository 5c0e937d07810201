"""Semantic and hybrid search on the embedded index (:mod:`newsflow.index.fusion` says what
they mean): a brute-force cosine scan over the ``vectors`` table with numpy.

The candidates are the documents the query's filters, dates, distance and excluded terms let
through; their float32 vectors are read in one statement and multiplied by the query vector.
At 384 dimensions that is 1.5 KB per document: 100k documents are a 150 MB read and a
matrix-vector product of a few milliseconds, so no approximate index is needed at our scale
(sqlite-vec would add a native extension for a scan of the same cost).
"""

from __future__ import annotations

import sqlite3

import numpy as np

from newsflow.index.base import Hit, SearchQuery, SearchResult
from newsflow.index.embedded_documents import DIMS, without_vector
from newsflow.index.embedded_query import Plan, plan
from newsflow.index.embedded_search import bodies, facet_counts, highlights, histogram
from newsflow.index.embedded_storage import TIME_COLUMN
from newsflow.index.fusion import CANDIDATES, rrf


def nearest(conn: sqlite3.Connection, query: SearchQuery, vector: np.ndarray
            ) -> list[tuple[str, float]]:
    """The :data:`CANDIDATES` documents most similar to ``vector`` among those the query's
    conditions (not its positive terms) let through: ``(id, cosine)``, best first, ties by id."""
    p = plan(query, positive=False)
    rows = conn.execute(
        f"{p.cte}SELECT m.id, v.vector FROM m JOIN vectors AS v ON v.doc_id = m.id",
        p.params).fetchall()
    if not rows:
        return []
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), DIMS)
    scores = matrix @ vector.astype("<f4")
    top = np.argsort(-scores, kind="stable")[:CANDIDATES]
    ranked = [(rows[i][0], float(scores[i])) for i in top]
    return sorted(ranked, key=lambda item: (-item[1], item[0]))


def best_keyword(conn: sqlite3.Connection, p: Plan) -> list[str]:
    """Ids of the :data:`CANDIDATES` best keyword matches of plan ``p``, best first."""
    rows = conn.execute(
        f"{p.cte}SELECT m.id FROM m ORDER BY m.rank ASC, m.pub DESC, m.id ASC LIMIT ?",
        [*p.params, CANDIDATES]).fetchall()
    return [r[0] for r in rows]


def run(conn: sqlite3.Connection, query: SearchQuery, vector: np.ndarray) -> SearchResult:
    """The answer to a ``semantic`` or ``hybrid`` query; run it inside one transaction."""
    p = plan(query)
    similar = nearest(conn, query, vector)
    if query.mode == "hybrid":
        ranked = rrf([best_keyword(conn, p), [doc_id for doc_id, _ in similar]])
    else:
        ranked = similar
    ids = [doc_id for doc_id, _ in ranked]
    marks = ", ".join("?" * len(ids)) or "NULL"
    found = Plan(f"WITH m AS MATERIALIZED (SELECT d.rid, d.id, coalesce(d.{TIME_COLUMN}, '') "
                 f"AS pub, 0.0 AS rank FROM documents AS d WHERE d.id IN ({marks})) ",
                 tuple(ids), p.text)
    rid_of = dict(conn.execute(f"{found.cte}SELECT m.id, m.rid FROM m", found.params).fetchall())
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
