"""Which new documents match a saved search, and what is sent for each.

New documents are those whose ``indexed_at`` (set by the index backend each time it writes a
document: new, or changed by a later run or ``reprocess``; an unchanged one is not written)
is at or after the bound given; the runner takes it from the alert's last run
(:mod:`newsflow.alerts.runner`). Matching by mode:

- ``keyword``: every document the search finds (all pages);
- ``semantic``: the documents the semantic search ranks (at most
  :data:`~newsflow.index.fusion.CANDIDATES` per run) whose cosine similarity is at least the
  alert's ``min_score``;
- ``hybrid``: either of the two.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from newsflow.alerts.saved import SavedSearch
from newsflow.index.base import Hit, IndexBackend
from newsflow.index.fusion import CANDIDATES

PAGE = 200
"""Hits per keyword page."""
SENT_FIELDS = (
    "id", "url", "title", "source", "domain", "language", "published_at", "authors", "description", "summary",
    "persons", "organizations", "places", "countries", "topics", "indexed_at",
)
"""The document fields a delivery carries (those the document has)."""


def new_matches(backend: IndexBackend, search: SavedSearch, indexed_since: datetime) -> list[Hit]:
    """The documents indexed from ``indexed_since`` on that ``search`` matches (see the module
    docstring), each once. Raises what :meth:`IndexBackend.search` raises."""
    hits: dict[str, Hit] = {}
    if search.mode in ("keyword", "hybrid"):
        for hit in _keyword_hits(backend, search, indexed_since):
            hits.setdefault(hit.id, hit)
    if search.mode in ("semantic", "hybrid"):
        result = backend.search(search.query(indexed_since, mode="semantic", size=CANDIDATES))
        for hit in result.hits:
            if hit.score >= search.min_score:
                hits.setdefault(hit.id, hit)
    return list(hits.values())


def _keyword_hits(backend: IndexBackend, search: SavedSearch, indexed_since: datetime) -> Iterator[Hit]:
    cursor: str | None = None
    while True:
        result = backend.search(search.query(indexed_since, mode="keyword", size=PAGE, cursor=cursor))
        yield from result.hits
        cursor = result.next_cursor
        if not result.hits or cursor is None:
            return


def delivery_id(alert: str, created_at: str, doc_id: str) -> str:
    """The idempotency key of ``doc_id``'s delivery for the alert ``alert`` created at
    ``created_at``: the same on every send of that match, another for a new alert of the
    same name. 32 hex digits."""
    return hashlib.sha256(f"{alert}\n{created_at}\n{doc_id}".encode()).hexdigest()[:32]


def payload(alert: str, search: SavedSearch, hit: Hit, key: str, found_at: str) -> str:
    """The JSON sent for one match (one webhook POST body, one JSONL line)::

        {"delivery_id": key, "alert": name, "search": {text, filters, mode[, min_score]},
         "found_at": ISO 8601, "score": float, "highlights": {field: [fragments]},
         "document": {id, url, title, source, published_at, …}}
    """
    document: dict[str, Any] = {k: hit.document[k] for k in SENT_FIELDS if hit.document.get(k) not in (None, [], "")}
    data = {
        "delivery_id": key, "alert": alert, "search": json.loads(search.to_json()), "found_at": found_at,
        "score": hit.score, "highlights": hit.highlights, "document": document,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
