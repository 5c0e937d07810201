"""The default index backend: SQLite + FTS5 in one file, no server needed.

One job per module: :mod:`~newsflow.index.embedded_storage` (the file, its SQLite schema and
migrations, errors), :mod:`~newsflow.index.embedded_documents` (validating, hashing and
splitting a document into its facet and point rows), :mod:`~newsflow.index.embedded_query`
(query text to FTS5, a search to one SQL plan, cursors) and
:mod:`~newsflow.index.embedded_search` (running a plan: hits, highlights, facets,
histogram). This module holds :class:`EmbeddedBackend`, which owns the connection and its
transactions, and re-exports what callers import from here.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from newsflow import semantic, sqlite_db
from newsflow.errors import NewsflowError
from newsflow.geo import haversine_km
from newsflow.index import embedded_search, embedded_semantic
from newsflow.index.base import IndexReport, SearchQuery, SearchResult
from newsflow.index.embedded_columns import read_columns
from newsflow.index.embedded_documents import Prepared, id_of, loads, prepare
from newsflow.index.embedded_query import compile_query, compile_text, validate
from newsflow.index.embedded_storage import (
    SCHEMA_VERSION,
    TIME_COLUMN,
    bump_generation,
    check_location,
    migrate,
    schema_version,
    translate,
)
from newsflow.index.embedded_vectors import SnapshotCache, read_matrix
from newsflow.index.fusion import check_mode
from newsflow.models import Document, iso, utcnow

_BATCH = 500
"""Rows per statement when deleting or streaming (stays under SQLite's variable limit)."""


class EmbeddedBackend:
    """:class:`~newsflow.index.base.IndexBackend` on one SQLite file (or ``":memory:"``)."""

    name = "embedded"

    def __init__(self, path: Path | str, *, timeout: float = 5.0) -> None:
        """Open (creating if needed) the index at ``path``.

        ``timeout`` is how long a write waits for another process's write lock before
        :class:`IndexUnavailable` is raised.
        """
        memory = str(path) == ":memory:"
        self.path = str(path) if memory else str(Path(path).expanduser())
        shared = None if memory else str(Path(self.path).resolve())  # one file, one cache
        self._vectors = SnapshotCache(
            read_matrix, share=None if shared is None else (shared, "vectors"))
        self._columns = SnapshotCache(
            read_columns, share=None if shared is None else (shared, "columns"))
        if not memory:
            check_location(Path(self.path))
        try:
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise translate(exc, self.path, "opening the index") from exc
        try:
            self._setup()
        except sqlite3.Error as exc:
            self._conn.close()
            raise translate(exc, self.path, "creating the schema") from exc
        except NewsflowError:
            self._conn.close()
            raise

    # -- lifecycle --------------------------------------------------------------------

    def _setup(self) -> None:
        """WAL (readers never block the writer), then the schema, idempotently.

        An index already at :data:`SCHEMA_VERSION` is opened without taking the write
        lock, so a search can start while another process is indexing.
        """
        self._conn.create_function("newsflow_km", 4, haversine_km, deterministic=True)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = NORMAL")
        if schema_version(self._conn, self.path) == SCHEMA_VERSION:
            return
        with self._transaction("creating the schema", immediate=True):
            # re-read: another process may have won
            migrate(self._conn, schema_version(self._conn, self.path))

    def close(self) -> None:
        """Close the connection; SQLite checkpoints the WAL when the last one closes."""
        self._conn.close()

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _transaction(self, doing: str, *, immediate: bool = False) -> Iterator[None]:
        """One transaction; any error rolls it back, sqlite3 errors become newsflow errors.

        ``immediate`` takes the write lock up front so a busy index fails at once (after
        ``timeout``) instead of half-way through a batch. Reads use a deferred transaction
        to see one consistent snapshot across their several statements.
        """
        try:
            with sqlite_db.transaction(self._conn, immediate=immediate):
                yield
        except sqlite3.ProgrammingError:
            raise
        except sqlite3.Error as exc:
            raise translate(exc, self.path, doing) from exc

    # -- writes -----------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> IndexReport:
        """Write the documents in one transaction; unchanged ones are not rewritten."""
        report = IndexReport()
        indexed_at = iso(utcnow()) or ""
        try:
            with self._transaction("writing documents", immediate=True):
                for doc in documents:
                    self._upsert_one(doc, indexed_at, report)
                if report.new or report.updated:
                    bump_generation(self._conn)
        finally:
            self._vectors.invalidate()
            self._columns.invalidate()
        return report

    def _upsert_one(self, doc: Any, indexed_at: str, report: IndexReport) -> None:
        prepared = prepare(doc)
        if isinstance(prepared, str):
            report.failed.append((id_of(doc), prepared))
            return
        row = self._conn.execute(
            "SELECT content_hash FROM documents WHERE id = ?", (prepared.id,)).fetchone()
        if row is not None and row[0] == prepared.content_hash:
            report.unchanged.append(prepared.id)
            return
        try:
            self._conn.execute("SAVEPOINT doc")
            self._write(prepared, indexed_at, exists=row is not None)
            self._conn.execute("RELEASE doc")
        except (sqlite3.IntegrityError, sqlite3.DataError) as exc:
            # This document alone is refused (e.g. too big); the batch goes on.
            self._conn.execute("ROLLBACK TO doc")
            self._conn.execute("RELEASE doc")
            report.failed.append((prepared.id, f"refused by SQLite: {exc}"))
            return
        (report.updated if row is not None else report.new).append(prepared.id)

    def _write(self, doc: Prepared, indexed_at: str, *, exists: bool) -> None:
        """Insert or replace one document; triggers keep the FTS index in step."""
        body = json.dumps({**doc.content, "indexed_at": indexed_at}, ensure_ascii=False)
        values = (body, doc.published_at, doc.content_hash, indexed_at, doc.id)
        if exists:
            self._conn.execute(
                f"UPDATE documents SET body = ?, {TIME_COLUMN} = ?, content_hash = ?, "
                "indexed_at = ? WHERE id = ?", values)
            self._conn.execute("DELETE FROM facets WHERE doc_id = ?", (doc.id,))
            self._conn.execute("DELETE FROM points WHERE doc_id = ?", (doc.id,))
            self._conn.execute("DELETE FROM vectors WHERE doc_id = ?", (doc.id,))
        else:
            self._conn.execute(
                f"INSERT INTO documents (body, {TIME_COLUMN}, content_hash, indexed_at, id) "
                "VALUES (?, ?, ?, ?, ?)", values)
        self._conn.executemany(
            "INSERT OR IGNORE INTO facets (doc_id, field, value) VALUES (?, ?, ?)",
            [(doc.id, f, v) for f, v in doc.facets])
        self._conn.executemany(
            "INSERT INTO points (doc_id, lat, lon) VALUES (?, ?, ?)",
            [(doc.id, lat, lon) for lat, lon in doc.points])
        if doc.vector is not None:
            self._conn.execute("INSERT INTO vectors (doc_id, vector) VALUES (?, ?)",
                               (doc.id, doc.vector))

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents (facets and FTS rows go with them); returns how many existed."""
        ids = list(dict.fromkeys(doc_ids))
        removed = 0
        try:
            with self._transaction("deleting documents", immediate=True):
                for start in range(0, len(ids), _BATCH):
                    chunk = ids[start:start + _BATCH]
                    marks = ", ".join("?" * len(chunk))
                    cur = self._conn.execute(f"DELETE FROM documents WHERE id IN ({marks})", chunk)
                    removed += cur.rowcount
                if removed:
                    bump_generation(self._conn)
        finally:
            self._vectors.invalidate()
            self._columns.invalidate()
        return removed

    # -- reads ------------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.ProgrammingError:
            raise
        except sqlite3.Error as exc:
            raise translate(exc, self.path, "reading") from exc

    def get(self, doc_id: str) -> Document | None:
        rows = self._read("SELECT body FROM documents WHERE id = ?", (doc_id,))
        return loads(rows[0][0]) if rows else None

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM documents")[0][0])

    def iter_documents(self, since: datetime | None = None) -> Iterator[Document]:
        """Stream documents in id order, a batch at a time (keyset paging).

        No statement stays open between batches, so the caller may upsert while
        iterating (re-running extractors over the index does exactly that).
        """
        last = ""
        bound = "" if since is None else f"AND {TIME_COLUMN} >= ? "
        extra = [] if since is None else [iso(since)]
        while True:
            rows = self._read(
                f"SELECT id, body FROM documents WHERE id > ? {bound}ORDER BY id LIMIT ?",
                [last, *extra, _BATCH])
            for _, body in rows:
                yield loads(body)
            if len(rows) < _BATCH:
                return
            last = rows[-1][0]

    # -- search -----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a search on one consistent snapshot of the index.

        Raises :class:`~newsflow.errors.QueryError` for a query it cannot run and
        :class:`~newsflow.semantic.SemanticUnavailable` for a vector mode without the model.
        """
        validate(query)
        check_mode(query.mode, query.text, query.sort, query.search_after)
        if query.mode != "keyword":
            vector = semantic.embed_query(query.text)
            with self._transaction("searching"):
                return embedded_semantic.run(self._conn, query, vector, self._vectors,
                                             self._columns)
        with self._transaction("searching"):
            return embedded_search.run(self._conn, query, self._columns)


__all__ = ["SCHEMA_VERSION", "EmbeddedBackend", "compile_query", "compile_text"]
