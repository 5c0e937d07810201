"""Answering a search on the embedded index: run a :class:`~newsflow.index.embedded_query.Plan`
on one connection and build the page of hits, highlights, facet counts and the histogram.

Every function here reads only; :meth:`EmbeddedBackend.search
<newsflow.index.embedded.EmbeddedBackend.search>` calls them inside one read transaction so
they see one snapshot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from newsflow.index.base import Hit, SearchQuery, SearchResult
from newsflow.index.embedded_documents import loads, without_vector
from newsflow.index.embedded_query import (
    HISTOGRAM_BUCKETS,
    Plan,
    TextQuery,
    after,
    decode_cursor,
    encode_cursor,
    order_by,
)
from newsflow.models import Document
from newsflow.schema import SEARCHED_FIELDS

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
SNIPPET_TOKENS = 32
"""Length of the text fragment around the matches (FTS5 allows at most 64)."""


MATCHES = "temp.newsflow_matches"
"""The connection's temporary table holding the matches of the search it is answering."""


def materialise(conn: sqlite3.Connection, p: Plan) -> Plan:
    """Find the matches of ``p`` once, into :data:`MATCHES`; a plan reading them from there.

    The count, the page, the facets and the histogram each read the matches: evaluating the
    full-text match (and BM25) once instead of four times is most of a search's cost when a
    query matches thousands of documents. The table is the connection's own (``temp``), so
    writing it needs no write lock on the index.
    """
    conn.execute(f"CREATE TABLE IF NOT EXISTS {MATCHES} (rid INTEGER PRIMARY KEY, "
                 "id TEXT NOT NULL, pub TEXT NOT NULL, rank REAL NOT NULL)")
    conn.execute(f"DELETE FROM {MATCHES}")
    conn.execute(f"{p.cte}INSERT INTO {MATCHES} (rid, id, pub, rank) "
                 "SELECT m.rid, m.id, m.pub, m.rank FROM m", p.params)
    return Plan(f"WITH m AS (SELECT rid, id, pub, rank FROM {MATCHES}) ", (), p.text)


def run(conn: sqlite3.Connection, p: Plan, query: SearchQuery) -> SearchResult:
    """The whole answer to ``query`` (planned as ``p``); run it inside one transaction."""
    p = materialise(conn, p)
    total = int(conn.execute(f"{p.cte}SELECT count(*) FROM m", p.params).fetchone()[0])
    hits, cursor = page(conn, p, query)
    facets = facet_counts(conn, p, query.facets, query.facet_size) if query.facets else {}
    buckets = histogram(conn, p, query.histogram) if query.histogram else []
    return SearchResult(total=total, hits=hits, facets=facets, histogram=buckets,
                        next_cursor=cursor)


def page(conn: sqlite3.Connection, p: Plan, query: SearchQuery) -> tuple[list[Hit], str | None]:
    """The requested hits, plus a cursor when more follow them.

    Sorting touches only ``(rid, id, pub, rank)``; bodies and highlights are fetched
    for the page alone. Raises :class:`~newsflow.errors.QueryError` for a foreign cursor.
    """
    if query.size == 0:
        return [], None
    where, params = "", list(p.params)
    if query.search_after is not None:
        cond, extra = after(query.sort, decode_cursor(query.search_after, query.sort))
        where, params = f"WHERE {cond} ", params + extra
    rows = conn.execute(
        f"{p.cte}SELECT m.rid, m.id, m.rank, m.pub FROM m {where}"
        f"ORDER BY {order_by(query.sort)} LIMIT ? OFFSET ?",
        [*params, query.size + 1, query.offset]).fetchall()
    more, rows = len(rows) > query.size, rows[:query.size]
    docs = bodies(conn, [r[0] for r in rows])
    marks = highlights(conn, p.text, [r[0] for r in rows]) if query.highlight else {}
    hits = [Hit(id=doc_id, score=-rank if p.text.match else 0.0, document=without_vector(docs[rid]),
                highlights=marks.get(rid, {}))
            for rid, doc_id, rank, _ in rows]
    if not more:
        return hits, None
    _, last_id, last_rank, last_pub = rows[-1]
    return hits, encode_cursor(query.sort, (last_rank, last_pub, last_id))


def bodies(conn: sqlite3.Connection, rids: list[int]) -> dict[int, Document]:
    """Row id → stored document, for the rows ``rids``."""
    if not rids:
        return {}
    marks = ", ".join("?" * len(rids))
    rows = conn.execute(
        f"SELECT rid, body FROM documents WHERE rid IN ({marks})", rids).fetchall()
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


def facet_counts(conn: sqlite3.Connection, p: Plan, fields: Sequence[str], size: int
                 ) -> dict[str, list[tuple[str, int]]]:
    """Top ``size`` values per field over all matches: most frequent first, ties by value.

    Each match looks up its own facet rows (``CROSS JOIN`` keeps the matches the outer loop,
    whatever the planner guesses of their number).
    """
    wanted = list(dict.fromkeys(fields))
    marks = ", ".join("?" * len(wanted))
    rows = conn.execute(
        f"{p.cte}, counts AS (SELECT f.field, f.value, count(*) AS n FROM m "
        f"CROSS JOIN facets AS f ON f.doc_id = m.id WHERE f.field IN ({marks}) "
        "GROUP BY f.field, f.value), "
        "ranked AS (SELECT field, value, n, row_number() OVER "
        "(PARTITION BY field ORDER BY n DESC, value ASC) AS pos FROM counts) "
        "SELECT field, value, n FROM ranked WHERE pos <= ? ORDER BY field, pos",
        [*p.params, *wanted, size]).fetchall()
    out: dict[str, list[tuple[str, int]]] = {f: [] for f in wanted}
    for field, value, n in rows:
        out[field].append((value, int(n)))
    return out


def histogram(conn: sqlite3.Connection, p: Plan, interval: str) -> list[tuple[str, int]]:
    """Counts per bucket of the time field, oldest first; undated documents are left out."""
    bucket = HISTOGRAM_BUCKETS[interval]
    rows = conn.execute(
        f"{p.cte}SELECT {bucket} AS b, count(*) FROM m WHERE m.pub != '' "
        "GROUP BY b ORDER BY b", p.params).fetchall()
    return [(b, int(n)) for b, n in rows]
