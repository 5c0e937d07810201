"""Behaviour of the SQLite/FTS5 backend that the shared contract cannot see:
the file on disk, WAL, per-document failures, query compilation and error translation."""

from __future__ import annotations

import copy
import math
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from test_index_contract import DOCS  # tests/ is on sys.path (rootdir-relative, no __init__)

from newsflow.errors import ConfigError, IndexUnavailable, QueryError
from newsflow.index.base import SearchQuery
from newsflow.index.embedded import SCHEMA_VERSION, EmbeddedBackend, compile_text


def _small(doc_id: str, **extra: object) -> dict[str, object]:
    return {"id": doc_id, "url": f"https://example.org/{doc_id}", "title": f"Title {doc_id}",
            "text": "some text", **extra}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[EmbeddedBackend]:
    backend = EmbeddedBackend(tmp_path / "index.db")
    yield backend
    backend.close()


# ---------------------------------------------------------------------------------------
# The file


def test_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with EmbeddedBackend(path) as first:
        first.upsert(copy.deepcopy(DOCS))
        stored = first.get("d03")
    with EmbeddedBackend(str(path)) as again:
        assert again.count() == len(DOCS)
        assert again.get("d03") == stored
        assert [h.id for h in again.search(SearchQuery(text='"central bank"')).hits] == ["d03"]
        assert again.upsert(copy.deepcopy(DOCS)).unchanged == [d["id"] for d in DOCS]


def test_schema_is_versioned_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with EmbeddedBackend(path):
        assert (tmp_path / "index.db-wal").exists()
        raw = sqlite3.connect(path)
        try:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            meta = dict(raw.execute("SELECT key, value FROM meta").fetchall())
            assert meta["schema_version"] == str(SCHEMA_VERSION)
        finally:
            raw.close()


def test_memory_index(tmp_path: Path) -> None:
    with EmbeddedBackend(":memory:") as backend:
        assert backend.upsert([_small("a")]).new == ["a"]
        assert backend.count() == 1
    assert not list(tmp_path.iterdir())


def test_search_works_while_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    with EmbeddedBackend(path) as backend:
        backend.upsert(copy.deepcopy(DOCS))
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("DELETE FROM documents WHERE id = 'd01'")
        with EmbeddedBackend(path, timeout=0.1) as reader:  # opening needs no write lock
            assert reader.search(SearchQuery(text="flood")).total == 5  # the old snapshot
            with pytest.raises(IndexUnavailable) as info:
                reader.upsert([_small("new")])
            assert "locked" in str(info.value)
            assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_fts_index_stays_consistent_through_updates_and_deletes(index: EmbeddedBackend) -> None:
    index.upsert(copy.deepcopy(DOCS))
    changed = copy.deepcopy(DOCS[0])
    changed["text"] = "Completely different words now."
    index.upsert([changed])
    index.delete(["d02", "d03"])
    conn = index._conn
    conn.execute("INSERT INTO documents_fts (documents_fts) VALUES ('integrity-check')")
    facet_ids = {r[0] for r in conn.execute("SELECT DISTINCT doc_id FROM facets")}
    assert facet_ids == {d["id"] for d in DOCS} - {"d02", "d03"}


def test_iter_documents_streams_past_a_batch_and_allows_writes(index: EmbeddedBackend) -> None:
    index.upsert([_small(f"doc{n:05d}") for n in range(1234)])
    seen = []
    for doc in index.iter_documents():
        seen.append(doc["id"])
        if len(seen) % 400 == 0:  # re-indexing while iterating must not disturb the walk
            index.upsert([{**doc, "text": "rewritten"}])
    assert seen == [f"doc{n:05d}" for n in range(1234)]


# ---------------------------------------------------------------------------------------
# Documents


def test_bad_documents_fail_alone_with_reasons(index: EmbeddedBackend) -> None:
    batch = [
        _small("ok1"),
        _small("set", tags={"not", "json"}),
        _small("when", fetched_at=datetime(2024, 1, 1, tzinfo=UTC)),
        _small("nan", word_count=math.nan),
        _small("date", published_at="Tuesday last week"),
        {"url": "https://example.org/x", "title": "t", "text": "x"},
        {"id": "notext", "url": "https://example.org/y", "title": "t"},
        {"id": "num", "url": "https://example.org/z", "title": 42, "text": "x"},
        "not a document",
        _small("ok2"),
    ]
    report = index.upsert(batch)  # type: ignore[arg-type]
    assert report.new == ["ok1", "ok2"]
    reasons = dict(report.failed)
    assert set(reasons) == {"set", "when", "nan", "date", "", "notext", "num"}
    assert "JSON" in reasons["set"] or "serializable" in reasons["set"]
    assert "published_at" in reasons["date"]
    assert "'text'" in reasons["notext"]
    assert "'title'" in reasons["num"]
    assert len(report.failed) == 8
    assert index.count() == 2


def test_published_at_with_offset_is_compared_in_utc(index: EmbeddedBackend) -> None:
    index.upsert([_small("kyiv", published_at="2024-03-04T01:30:00+02:00")])  # 23:30Z on 03-03
    day = index.search(SearchQuery(histogram="day")).histogram
    assert day == [("2024-03-03", 1)]
    since = datetime(2024, 3, 3, 23, 30, tzinfo=UTC)
    assert index.search(SearchQuery(since=since)).total == 1
    assert index.search(SearchQuery(until=since)).total == 0
    assert index.get("kyiv")["published_at"] == "2024-03-04T01:30:00+02:00"  # type: ignore[index]


def test_duplicate_id_in_one_batch(index: EmbeddedBackend) -> None:
    report = index.upsert([_small("a"), _small("a", text="second version")])
    assert (report.new, report.updated) == (["a"], ["a"])
    assert index.get("a")["text"] == "second version"  # type: ignore[index]


def test_facet_values_are_deduplicated_per_document(index: EmbeddedBackend) -> None:
    index.upsert([_small("a", tags=["x", "x", "y"], cluster_id=7), _small("b", tags="x")])
    facets = index.search(SearchQuery(facets=("tags", "cluster_id"))).facets
    assert facets == {"tags": [("x", 2), ("y", 1)], "cluster_id": [("7", 1)]}


def test_diacritics_are_folded(index: EmbeddedBackend) -> None:
    index.upsert(copy.deepcopy(DOCS))
    assert [h.id for h in index.search(SearchQuery(text="europeenne")).hits] == ["d09"]


# ---------------------------------------------------------------------------------------
# Query text and cursors


@pytest.mark.parametrize(("text", "match", "exclude"), [
    ("flood kyiv", '"flood" AND "kyiv"', None),
    ('"central bank" rates', '"central bank" AND "rates"', None),
    ("a OR b c", '("a" OR "b") AND "c"', None),
    ("flood -kyiv -\"city council\"", '"flood"', '"kyiv" OR "city council"'),
    ('"unbalanced phrase', '"unbalanced phrase"', None),
    ('say"hi', '"say""hi"', None),
    ("AND OR NOT", '("AND" OR "NOT")', None),
    ("OR flood OR", '"flood"', None),
    ("* )( 😀 -", None, None),
    ("", None, None),
])
def test_compile_text_quotes_everything(text: str, match: str | None,
                                        exclude: str | None) -> None:
    compiled = compile_text(text)
    assert (compiled.match, compiled.exclude) == (match, exclude)


def test_bad_cursor_and_offset_with_cursor(index: EmbeddedBackend) -> None:
    index.upsert([_small(f"d{n}") for n in range(5)])
    date_cursor = index.search(SearchQuery(sort="date", size=2)).next_cursor
    assert date_cursor is not None
    for bad in ("garbage!", "eyJ4IjoxfQ==", date_cursor):
        with pytest.raises(QueryError):
            index.search(SearchQuery(size=2, search_after=bad))  # relevance, not date
    with pytest.raises(QueryError):
        index.search(SearchQuery(sort="date", size=2, offset=2, search_after=date_cursor))


def test_invalid_query_parameters(index: EmbeddedBackend) -> None:
    for query in (SearchQuery(size=-1), SearchQuery(histogram="hour"),  # type: ignore[arg-type]
                  SearchQuery(sort="title")):  # type: ignore[arg-type]
        with pytest.raises(QueryError):
            index.search(query)


def test_filter_given_a_bare_string(index: EmbeddedBackend) -> None:
    index.upsert(copy.deepcopy(DOCS))
    result = index.search(SearchQuery(filters={"source": "BBC"}))  # type: ignore[dict-item]
    assert result.total == 3


# ---------------------------------------------------------------------------------------
# Error translation


def test_missing_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        EmbeddedBackend(tmp_path / "nope" / "index.db")


def test_parent_that_is_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="not a directory"):
        EmbeddedBackend(tmp_path / "file" / "index.db")


def test_directory_as_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        EmbeddedBackend(tmp_path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="permission bits do not stop root")
def test_unwritable_directory_is_a_config_error(tmp_path: Path) -> None:
    locked = tmp_path / "ro"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="not writable"):
            EmbeddedBackend(locked / "index.db")
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_uncreatable_file_is_a_config_error_from_sqlite() -> None:
    # /proc looks writable to os.access (even for root) but no file can be created there,
    # so this reaches SQLite and checks the translation of its CANTOPEN error.
    with pytest.raises(ConfigError, match="cannot open index") as info:
        EmbeddedBackend("/proc/newsflow-test-index.db")
    assert isinstance(info.value.__cause__, sqlite3.Error)


def test_file_that_is_not_a_database_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    path.write_bytes(b"this is not SQLite " * 200)
    with pytest.raises(ConfigError, match="not a usable newsflow index") as info:
        EmbeddedBackend(path)
    assert isinstance(info.value.__cause__, sqlite3.DatabaseError)


def test_newer_schema_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    EmbeddedBackend(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(ConfigError, match="upgrade newsflow"):
        EmbeddedBackend(path)
