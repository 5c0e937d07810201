"""What the search modes mean, the same on every backend, and reciprocal rank fusion.

``keyword``: the full-text search of :mod:`newsflow.index.query` ranked by BM25 (the default).

``semantic``: the query text, as typed, is embedded (:func:`newsflow.semantic.embed_query`) and
the :data:`CANDIDATES` documents with the most similar :data:`~newsflow.schema.VECTOR_FIELD`
(cosine) among those passing the filters, dates, distance and excluded terms are the hits;
``score`` is the cosine similarity. Documents without a vector are never hits.

``hybrid``: the top :data:`CANDIDATES` of the keyword search and of the semantic search, fused
by reciprocal rank fusion (:func:`rrf`): a document's score is the sum over the two lists of
``1 / (RRF_K + rank)`` (rank from 1), ties by id.

In both vector modes ``total``, facets and the histogram are over the hits found (at most
:data:`CANDIDATES`, twice that in hybrid), sort is by relevance only and paging is by
``offset`` (no ``search_after`` cursor). Both need the ``semantic`` extra
(:class:`~newsflow.semantic.SemanticUnavailable` otherwise); keyword search does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from newsflow.errors import QueryError
from newsflow.index.query import parse

Mode = Literal["keyword", "semantic", "hybrid"]
MODES: tuple[str, ...] = ("keyword", "semantic", "hybrid")
CANDIDATES = 100
"""Hits each ranking contributes in the vector modes (Elasticsearch's kNN ``k``)."""
RRF_K = 60
"""Reciprocal rank fusion's constant (Cormack et al. 2009; Elasticsearch's default)."""


def check_mode(mode: str, text: str, sort: str, search_after: str | None) -> None:
    """Raise :class:`QueryError` saying what is accepted for a mode that cannot run as asked."""
    if mode not in MODES:
        raise QueryError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "keyword":
        return
    if not parse(text).groups:
        raise QueryError(f"{mode} search needs query text with a word to search for")
    if sort != "relevance":
        raise QueryError(f"{mode} search sorts by relevance only")
    if search_after is not None:
        raise QueryError(f"{mode} search pages by offset (--page), not by cursor")


def rrf(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Fuse rankings of ids (best first) into ``(id, score)``, best first, ties by id."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
