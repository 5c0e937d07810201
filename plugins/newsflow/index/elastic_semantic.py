"""Semantic and hybrid search on Elasticsearch (:mod:`newsflow.index.fusion` says what they
mean): kNN over the ``dense_vector`` field, fused with BM25 here rather than by the cluster
(Elasticsearch's own RRF needs a paid licence), so both backends fuse with the same code.

Three requests: the :data:`~newsflow.index.fusion.CANDIDATES` nearest documents (``knn`` with
the query's filters and excluded terms as its filter), in hybrid mode also the best keyword
matches, then one search over the ids found, which counts facets and the histogram over all
of them while its ``post_filter`` returns the requested page alone, highlighted.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from newsflow import semantic
from newsflow.index.base import Hit, SearchQuery, SearchResult
from newsflow.index.elastic_client import Connection
from newsflow.index.elastic_reader import (
    HIGHLIGHT,
    HIT_EXCLUDES,
    aggregations,
    conditions,
    public,
    search_body,
    search_result,
)
from newsflow.index.fusion import CANDIDATES, rrf
from newsflow.schema import VECTOR_FIELD

NUM_CANDIDATES = 4 * CANDIDATES
"""Vectors each shard compares exactly before picking its ``k`` nearest (HNSW's breadth)."""


def knn_body(q: SearchQuery, vector: list[float]) -> dict[str, Any]:
    """The ``_search`` request for the :data:`CANDIDATES` nearest documents passing ``q``'s
    filters, dates, distance and excluded terms (ids and scores only)."""
    text_query, filters = conditions(q)
    excluded = (text_query or {}).get("bool", {}).get("must_not", [])
    knn: dict[str, Any] = {"field": VECTOR_FIELD, "query_vector": vector, "k": CANDIDATES,
                           "num_candidates": NUM_CANDIDATES}
    if filters or excluded:
        knn["filter"] = {"bool": {"filter": filters, "must_not": excluded}}
    return {"knn": knn, "size": CANDIDATES, "source": False}


def search_vectors(conn: Connection, q: SearchQuery) -> SearchResult:
    """Answer a ``semantic`` or ``hybrid`` query."""
    vector = [float(x) for x in semantic.embed_query(q.text)]
    resp = conn.call("searching", conn.client.search, index=conn.alias, **knn_body(q, vector))
    # Elasticsearch scores cosine kNN as (1 + cosine) / 2: report the cosine, as the embedded index
    similar = [(h["_id"], 2.0 * float(h["_score"]) - 1.0) for h in resp["hits"]["hits"]]
    similar.sort(key=lambda item: (-item[1], item[0]))
    ranked = similar
    if q.mode == "hybrid":
        keyword_q = replace(q, mode="keyword", size=CANDIDATES, offset=0, facets=(),
                            histogram=None, highlight=False)
        body, _ = search_body(keyword_q)
        body["source"] = False
        body.pop("source_excludes", None)
        best = conn.call("searching", conn.client.search, index=conn.alias, **body)
        ranked = rrf([[h["_id"] for h in best["hits"]["hits"]], [i for i, _ in similar]])
    return _page(conn, q, ranked)


def _page(conn: Connection, q: SearchQuery, ranked: list[tuple[str, float]]) -> SearchResult:
    """The result over the ``ranked`` ids: facets and histogram over all, the page's hits in
    rank order with ``score`` from the ranking."""
    ids = [doc_id for doc_id, _ in ranked]
    window = ranked[q.offset:q.offset + q.size]
    body: dict[str, Any] = {
        "query": {"ids": {"values": ids}},
        "post_filter": {"ids": {"values": [doc_id for doc_id, _ in window]}},
        "size": len(window), "track_total_hits": True, "source_excludes": HIT_EXCLUDES,
    }
    aggs = aggregations(q)
    if aggs:
        body["aggs"] = aggs
    text_query, _ = conditions(q)
    if q.highlight and text_query is not None and text_query["bool"]["must"] != [{"match_all": {}}]:
        body["highlight"] = {**HIGHLIGHT, "highlight_query": {"bool": {"must": text_query["bool"]["must"]}}}
    resp = conn.call("searching", conn.client.search, index=conn.alias, **body)
    found = search_result(replace(q, size=0), resp, 0)
    by_id = {h["_id"]: h for h in resp["hits"]["hits"]}
    hits = [Hit(id=doc_id, score=score, document=public(by_id[doc_id]["_source"]),
                highlights={k: list(v) for k, v in (by_id[doc_id].get("highlight") or {}).items()})
            for doc_id, score in window if doc_id in by_id]
    return SearchResult(total=len(ranked), hits=hits, facets=found.facets,
                        histogram=found.histogram)
