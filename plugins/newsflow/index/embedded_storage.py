"""The embedded index's file: where it may live, its SQLite schema and migrations, its errors.

Layout (:data:`DDL`, versioned with ``PRAGMA user_version``):

* ``documents`` holds each document once, as JSON, keyed by ``id``, with its
  :data:`~newsflow.schema.TIME_FIELD` as a column. The full-text fields of
  :data:`~newsflow.schema.SEARCHED_FIELDS` (``title``, ``text``) are *generated* columns over
  that JSON, so the article text is stored once and the FTS index reads it from there (an
  external-content FTS5 table, kept in step by triggers). ``documents_keys`` repeats the
  short columns by row id, so a search reads a match's id and time without stepping through
  the overflow pages of its JSON body (the columns after ``body`` are stored behind it).
* ``documents_fts`` is the FTS5 index over those fields; ``bm25()`` ranks, ``snippet()``
  and ``highlight()`` mark matches.
* ``facets`` has one ``(doc_id, field, value)`` row per keyword value of every field in
  :data:`~newsflow.schema.FACET_FIELDS`, so filters are ``EXISTS`` look-ups and facet
  counts are one ``GROUP BY``.
* ``points`` has one ``(doc_id, lat, lon)`` row per point of
  :data:`~newsflow.schema.GEO_FIELD`.
* ``vectors`` has one ``(doc_id, vector)`` row per document with a
  :data:`~newsflow.schema.VECTOR_FIELD`: 384 unit-length float32 as a BLOB, which semantic
  search scans with numpy (:mod:`~newsflow.index.embedded_semantic`).

The DDL is derived from the schema's field roles; a change to it that alters the physical
schema needs a new :data:`SCHEMA_VERSION` and a step in :func:`migrate`
(``tests/test_schema.py`` pins the DDL of each version).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from newsflow.errors import ConfigError, IndexUnavailable, NewsflowError
from newsflow.models import iso, utcnow
from newsflow.schema import SEARCHED_FIELDS, TIME_FIELD

SCHEMA_VERSION = 4
"""Bump together with a step in :func:`migrate` when :data:`DDL` changes."""

TIME_COLUMN = TIME_FIELD
"""The ``documents`` column holding the document's time field (ISO 8601 UTC ``…Z``)."""
FTS_COLUMNS: tuple[str, ...] = tuple(name for name, _ in SEARCHED_FIELDS)
"""The full-text columns of ``documents`` and ``documents_fts``, in FTS5 column order."""


def _ddl() -> str:
    generated = "".join(
        f",\n    {name:<12} TEXT GENERATED ALWAYS AS (json_extract(body, '$.{name}')) VIRTUAL"
        for name in FTS_COLUMNS)
    cols = ", ".join(FTS_COLUMNS)
    new = ", ".join(f"new.{c}" for c in FTS_COLUMNS)
    old = ", ".join(f"old.{c}" for c in FTS_COLUMNS)
    return f"""
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS documents (
    rid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    {TIME_COLUMN:<12} TEXT,
    content_hash TEXT NOT NULL,
    indexed_at   TEXT NOT NULL{generated}
);
CREATE INDEX IF NOT EXISTS documents_{TIME_COLUMN} ON documents ({TIME_COLUMN});
CREATE INDEX IF NOT EXISTS documents_keys ON documents (rid, id, {TIME_COLUMN}, indexed_at);

CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5 (
    {cols},
    content = 'documents', content_rowid = 'rid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE IF NOT EXISTS facets (
    doc_id TEXT NOT NULL,
    field  TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (doc_id, field, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS facets_field_value ON facets (field, value, doc_id);

CREATE TABLE IF NOT EXISTS points (
    doc_id TEXT NOT NULL,
    lat    REAL NOT NULL,
    lon    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS points_doc ON points (doc_id);
CREATE INDEX IF NOT EXISTS points_lat ON points (lat, lon, doc_id);

CREATE TABLE IF NOT EXISTS vectors (
    doc_id TEXT PRIMARY KEY,
    vector BLOB NOT NULL
) WITHOUT ROWID;

CREATE TRIGGER IF NOT EXISTS documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, {cols}) VALUES (new.rid, {new});
END;
CREATE TRIGGER IF NOT EXISTS documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, {cols})
        VALUES ('delete', old.rid, {old});
    DELETE FROM facets WHERE doc_id = old.id;
    DELETE FROM points WHERE doc_id = old.id;
    DELETE FROM vectors WHERE doc_id = old.id;
END;
CREATE TRIGGER IF NOT EXISTS documents_au AFTER UPDATE OF body ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, {cols})
        VALUES ('delete', old.rid, {old});
    INSERT INTO documents_fts (rowid, {cols}) VALUES (new.rid, {new});
END;
"""


DDL = _ddl()
"""The schema of :data:`SCHEMA_VERSION`; every statement is ``IF NOT EXISTS``."""


def schema_version(conn: sqlite3.Connection, where: str) -> int:
    """The index's ``user_version`` (0: new file). Raises :class:`ConfigError` when it is
    newer than this newsflow understands."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"index {where} has schema version {version}, newer than this "
            f"newsflow understands ({SCHEMA_VERSION}); upgrade newsflow")
    return version


def migrate(conn: sqlite3.Connection, version: int) -> None:
    """Bring an index at ``version`` to :data:`SCHEMA_VERSION` (create it from 0) and record
    the version; run inside a write transaction."""
    if 0 < version < 3:  # the delete trigger of versions 1 and 2 did not clear points/vectors
        conn.execute("DROP TRIGGER IF EXISTS documents_ad")
    for statement in split_ddl(DDL):
        conn.execute(statement)
    if 0 < version < 2:  # fill what version 1 lacked: points, the countries facet
        conn.execute(
            "INSERT INTO points (doc_id, lat, lon) SELECT d.id, "
            "json_extract(p.value, '$.lat'), json_extract(p.value, '$.lon') "
            "FROM documents AS d, json_each(d.body, '$.place_points') AS p "
            "WHERE json_type(d.body, '$.place_points') = 'array' "
            "AND json_type(p.value, '$.lat') IN ('integer', 'real') "
            "AND json_type(p.value, '$.lon') IN ('integer', 'real')")
        conn.execute(
            "INSERT OR IGNORE INTO facets (doc_id, field, value) "
            "SELECT d.id, 'countries', c.value FROM documents AS d, "
            "json_each(d.body, '$.countries') AS c "
            "WHERE json_type(d.body, '$.countries') = 'array' AND c.type = 'text'")
    if version < SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                     ("schema_version", str(SCHEMA_VERSION)))
        conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                     ("created_at", iso(utcnow())))


GENERATION = "generation"
"""The ``meta`` key counting the committed writes that changed documents (absent: none yet)."""


def bump_generation(conn: sqlite3.Connection) -> None:
    """Count one more write that changed documents; call it in that write's transaction."""
    conn.execute("INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE "
                 "SET value = CAST(value AS INTEGER) + 1", (GENERATION,))


def generation(conn: sqlite3.Connection) -> tuple[int, int]:
    """(writes counted by :func:`bump_generation`, the highest row id) of the snapshot
    ``conn`` reads: a new value after any write of this newsflow; the row id also notices
    most writes of a version that did not count them."""
    row = conn.execute("SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), "
                       "(SELECT max(rid) FROM documents)", (GENERATION,)).fetchone()
    return int(row[0] or 0), int(row[1] or 0)


def split_ddl(ddl: str) -> list[str]:
    """Statements of ``ddl``, split where ``sqlite3.complete_statement`` says one ends.

    A naive split on ``;`` would cut trigger bodies apart.
    """
    statements: list[str] = []
    buffer = ""
    for line in ddl.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    return [s for s in statements if s]


def _errorname(exc: sqlite3.Error) -> str:
    return str(getattr(exc, "sqlite_errorname", "") or "")


def translate(exc: sqlite3.Error, where: str, doing: str) -> NewsflowError:
    """A newsflow error, saying what to do, for an sqlite3 error while ``doing``."""
    name, msg = _errorname(exc), str(exc)
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in msg:
        return IndexUnavailable(
            f"index {where} is locked by another process while {doing}; wait for the other "
            "newsflow run to finish, then retry")
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM", "SQLITE_AUTH")):
        return ConfigError(
            f"cannot open index {where} for writing ({msg}); check the path and its "
            "permissions, or configure another index path")
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return ConfigError(
            f"{where} is not a usable newsflow index ({msg}); move the file away or "
            "configure another index path")
    if "no such module: fts5" in msg:
        return ConfigError("this Python's SQLite has no FTS5; use a Python built with a "
                           "recent SQLite, or the elasticsearch backend")
    return IndexUnavailable(
        f"index {where} failed while {doing}: {msg}; check free disk space and "
        "permissions, then retry")


def check_location(path: Path) -> None:
    """Fail early, with a fix, when the index file cannot be created or written.

    Raises :class:`ConfigError` saying what is wrong with ``path`` or its directory.
    """
    parent = path.parent
    if not parent.exists():
        raise ConfigError(f"index directory {parent} does not exist; create it "
                          "or configure another index path")
    if not parent.is_dir():
        raise ConfigError(f"index path {path}: {parent} is not a directory")
    if path.is_dir():
        raise ConfigError(f"index path {path} is a directory; give a file name")
    # WAL mode creates -wal and -shm files next to the index, so the directory must be
    # writable even when the file itself already exists.
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"index directory {parent} is not writable; fix its permissions "
                          "or configure another index path")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise ConfigError(f"index file {path} is not readable and writable; fix its "
                          "permissions or configure another index path")
