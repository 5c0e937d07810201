"""An index written by schema version 1 opens, migrates to the current schema, and works.

Version 1 (before commit 3def39d) had no ``points`` table, no ``countries`` facet rows and a
delete trigger that only cleared FTS and facets (version 2's did not clear the ``vectors`` of
version 3 either). Its DDL is frozen below, so this test keeps
checking the upgrade path however the current schema moves on.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from newsflow.index.base import SearchQuery
from newsflow.index.embedded import SCHEMA_VERSION, EmbeddedBackend

V1_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    rid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    published_at TEXT,
    content_hash TEXT NOT NULL,
    indexed_at   TEXT NOT NULL,
    title        TEXT GENERATED ALWAYS AS (json_extract(body, '$.title')) VIRTUAL,
    text         TEXT GENERATED ALWAYS AS (json_extract(body, '$.text')) VIRTUAL
);
CREATE INDEX documents_published_at ON documents (published_at);
CREATE VIRTUAL TABLE documents_fts USING fts5 (
    title, text, content = 'documents', content_rowid = 'rid',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TABLE facets (
    doc_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (doc_id, field, value)
) WITHOUT ROWID;
CREATE INDEX facets_field_value ON facets (field, value, doc_id);
CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.rid, new.title, new.text);
END;
CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text)
        VALUES ('delete', old.rid, old.title, old.text);
    DELETE FROM facets WHERE doc_id = old.id;
END;
CREATE TRIGGER documents_au AFTER UPDATE OF body ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text)
        VALUES ('delete', old.rid, old.title, old.text);
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.rid, new.title, new.text);
END;
PRAGMA user_version = 1;
"""

FASTIV = (50.08, 29.92)
DOCS = [
    {"id": "fastiv", "url": "https://news.example/fastiv", "title": "Drones strike Fastiv",
     "text": "Air defences worked through the night over the Kyiv region.", "source": "Example",
     "published_at": "2025-12-06T08:00:00Z", "countries": ["UA"],
     "place_points": [{"lat": FASTIV[0], "lon": FASTIV[1]}, {"lat": "junk", "lon": 1}]},
    {"id": "munich", "url": "https://news.example/munich", "title": "Christmas market opens",
     "text": "Crowds returned to the square despite tighter security.", "source": "Example",
     "published_at": "2025-12-01T08:00:00Z", "countries": ["DE"],
     "place_points": [{"lat": 48.14, "lon": 11.58}]},
    {"id": "nowhere", "url": "https://news.example/nowhere", "title": "Markets close flat",
     "text": "Brent crude hovered near its lowest level in weeks.", "source": "Example",
     "published_at": "2025-11-28T08:00:00Z"},
]


def _version_1_index(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(V1_DDL)
        db.execute("INSERT INTO meta (key, value) VALUES ('schema_version', '1')")
        for doc in DOCS:
            db.execute(
                "INSERT INTO documents (id, body, published_at, content_hash, indexed_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (doc["id"], json.dumps(doc), doc["published_at"], f"hash-{doc['id']}", "2025-12-06T09:00:00Z"),
            )
            db.execute("INSERT INTO facets VALUES (?, 'source', ?)", (doc["id"], doc["source"]))


def test_a_version_1_index_is_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    _version_1_index(path)

    backend = EmbeddedBackend(path)
    try:
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
            assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
                str(SCHEMA_VERSION),)
            # the malformed point is skipped, the valid ones are filled in from the bodies
            assert sorted(db.execute("SELECT doc_id FROM points")) == [("fastiv",), ("munich",)]
        assert backend.count() == 3
        assert backend.get("fastiv") == DOCS[0]

        def ids(**query: object) -> list[str]:
            return sorted(h.id for h in backend.search(SearchQuery(**query)).hits)  # type: ignore[arg-type]

        assert ids(text="drones") == ["fastiv"]  # version 1's full-text index still answers
        assert ids(near=(*FASTIV, 10.0)) == ["fastiv"]
        assert ids(filters={"countries": ("UA",)}) == ["fastiv"]
        assert ids(filters={"source": ("Example",)}) == ["fastiv", "munich", "nowhere"]

        with_vector = {**DOCS[0], "embedding": [1.0] + [0.0] * 383}
        assert backend.upsert([with_vector]).updated == ["fastiv"]  # version 3's vectors table
        assert backend.delete(["fastiv"]) == 1  # the new delete trigger also clears points, vectors
        with sqlite3.connect(path) as db:
            assert sorted(db.execute("SELECT doc_id FROM points")) == [("munich",)]
            assert db.execute("SELECT count(*) FROM vectors").fetchone() == (0,)
        assert ids(text="drones") == []
    finally:
        backend.close()

    reopened = EmbeddedBackend(path)  # already current: opened without migrating again
    try:
        assert reopened.count() == 2
        assert [h.id for h in reopened.search(SearchQuery(near=(48.14, 11.58, 5.0))).hits] == ["munich"]
    finally:
        reopened.close()
