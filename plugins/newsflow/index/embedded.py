"""The default index backend: SQLite + FTS5 in one file, no server needed.

Layout (see the ``_DDL`` constant, versioned with ``PRAGMA user_version``):

* ``documents`` holds each document once, as JSON, keyed by ``id``. ``title`` and ``text``
  are *generated* columns over that JSON, so the article text is stored once and the FTS
  index reads it from there (an external-content FTS5 table, kept in step by triggers).
* ``documents_fts`` is the FTS5 index over title and text; ``bm25()`` ranks, ``snippet()``
  and ``highlight()`` mark matches.
* ``facets`` has one ``(doc_id, field, value)`` row per keyword value of every field in
  :data:`~newsflow.index.base.FACET_FIELDS`, so filters are ``EXISTS`` look-ups and facet
  counts are one ``GROUP BY``.
* ``points`` has one ``(doc_id, lat, lon)`` row per point of ``place_points``; the ``near``
  filter is an ``EXISTS`` over it: a latitude band from the index, then the haversine
  distance (a Python function registered on the connection, as SQLite's math functions
  are optional).

The query text never reaches FTS5 as typed: :mod:`newsflow.index.query` parses it and
:func:`compile_query` quotes every term of the tree, so no input can raise an FTS5 syntax error.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from newsflow.errors import ConfigError, IndexUnavailable, NewsflowError, QueryError
from newsflow.geo import haversine_km
from newsflow.index.base import (
    FACET_FIELDS,
    GEO_FIELD,
    Hit,
    IndexReport,
    SearchQuery,
    SearchResult,
    check_near,
    reject_reason,
)
from newsflow.index.query import ParsedQuery, Term, parse
from newsflow.models import Document, iso, utcnow

SCHEMA_VERSION = 2
"""Bump together with a migration in :meth:`EmbeddedBackend._migrate` when ``_DDL`` changes."""

TITLE_WEIGHT = 3.0
TEXT_WEIGHT = 1.0
"""BM25 column weights: a term in the title counts three times one in the text."""

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"
SNIPPET_TOKENS = 32
"""Length of the text fragment around the matches (FTS5 allows at most 64)."""

KM_PER_DEGREE_LAT = 111.0
"""A little under the true 111.2 km, so the latitude band never cuts a match off."""
_BATCH = 500
"""Rows per statement when deleting or streaming (stays under SQLite's variable limit)."""

_DDL = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS documents (
    rid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    body         TEXT NOT NULL,
    published_at TEXT,
    content_hash TEXT NOT NULL,
    indexed_at   TEXT NOT NULL,
    title        TEXT GENERATED ALWAYS AS (json_extract(body, '$.title')) VIRTUAL,
    text         TEXT GENERATED ALWAYS AS (json_extract(body, '$.text')) VIRTUAL
);
CREATE INDEX IF NOT EXISTS documents_published_at ON documents (published_at);

CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5 (
    title, text,
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

CREATE TRIGGER IF NOT EXISTS documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.rid, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text)
        VALUES ('delete', old.rid, old.title, old.text);
    DELETE FROM facets WHERE doc_id = old.id;
    DELETE FROM points WHERE doc_id = old.id;
END;
CREATE TRIGGER IF NOT EXISTS documents_au AFTER UPDATE OF body ON documents BEGIN
    INSERT INTO documents_fts (documents_fts, rowid, title, text)
        VALUES ('delete', old.rid, old.title, old.text);
    INSERT INTO documents_fts (rowid, title, text) VALUES (new.rid, new.title, new.text);
END;
"""

_HISTOGRAM_BUCKETS = {
    "day": "substr(m.pub, 1, 10)",
    "week": "date(substr(m.pub, 1, 10), '-' || ((CAST(strftime('%w', substr(m.pub, 1, 10))"
    " AS INTEGER) + 6) % 7) || ' days')",
    "month": "substr(m.pub, 1, 7) || '-01'",
    "year": "substr(m.pub, 1, 4) || '-01-01'",
}
"""SQL giving the bucket start (``YYYY-MM-DD``) of ``m.pub``; weeks start on Monday."""

_SORTS = ("relevance", "date")


# ---------------------------------------------------------------------------------------
# Query text → FTS5 expression


@dataclass(frozen=True, slots=True)
class TextQuery:
    """The user's query text compiled to FTS5 expressions made only of quoted strings."""

    match: str | None
    """Expression every hit must match (``None``: no positive term, match everything)."""
    exclude: str | None
    """Expression matching the documents to drop (``None``: nothing excluded)."""


def _quote(term: Term) -> str:
    """An FTS5 string literal: whatever is inside is only ever tokenised, never parsed, and
    its tokens must follow each other (a phrase), as :mod:`newsflow.index.query` promises."""
    return '"' + term.text.replace('"', '""') + '"'


def compile_query(query: ParsedQuery) -> TextQuery:
    """Compile the query tree of :mod:`newsflow.index.query` to FTS5 expressions."""
    match = " AND ".join(
        _quote(g[0]) if len(g) == 1 else "(" + " OR ".join(map(_quote, g)) + ")"
        for g in query.groups)
    exclude = " OR ".join(map(_quote, query.excluded))
    return TextQuery(match=match or None, exclude=exclude or None)


def compile_text(text: str) -> TextQuery:
    """:func:`compile_query` of the parsed ``text``."""
    return compile_query(parse(text))


# ---------------------------------------------------------------------------------------
# Documents


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A validated document ready to write."""

    id: str
    content: dict[str, Any]
    content_hash: str
    published_at: str | None
    facets: list[tuple[str, str]]
    points: list[tuple[float, float]]


def normalise_date(value: Any) -> str | None:
    """``published_at`` as ISO 8601 UTC ``Z`` so string order is time order.

    Raises ``ValueError`` for a value that is present but not an ISO 8601 date.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"published_at must be an ISO 8601 string, not {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"published_at {value!r} is not an ISO 8601 date") from exc
    return iso(parsed)


def _facet_values(value: Any) -> list[str]:
    """The keyword values of one facet field: a string, or a list of strings (or ints)."""
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int):
            continue
        text = str(item)
        if text and text not in out:
            out.append(text)
    return out


def _facet_rows(doc: Document) -> list[tuple[str, str]]:
    return [(f, v) for f in FACET_FIELDS for v in _facet_values(doc.get(f))]


def _points(value: Any) -> list[tuple[float, float]]:
    """Valid (lat, lon) pairs of a ``place_points`` value; anything malformed is skipped."""
    items = value if isinstance(value, list | tuple) else [value]
    out: list[tuple[float, float]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        lat, lon = item.get("lat"), item.get("lon")
        if isinstance(lat, bool) or isinstance(lon, bool) or not isinstance(lat, int | float) \
                or not isinstance(lon, int | float):
            continue
        if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) not in out:
            out.append((float(lat), float(lon)))
    return out


def _canonical_json(doc: Document) -> str:
    """Key-sorted compact JSON: equal documents give equal strings, hence equal hashes."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":"))


def prepare(doc: Any) -> _Prepared | str:
    """Validate and hash one document; a string return value is the rejection reason."""
    reason = reject_reason(doc)
    if reason is not None:
        return reason
    content = {k: v for k, v in doc.items() if k != "indexed_at"}
    try:
        canonical = _canonical_json(content)
        published_at = normalise_date(content.get("published_at"))
    except (TypeError, ValueError) as exc:
        return f"not indexable: {exc}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return _Prepared(doc["id"], content, digest, published_at, _facet_rows(content),
                     _points(content.get(GEO_FIELD)))


def _loads(body: str) -> Document:
    doc: Document = json.loads(body)
    return doc


# ---------------------------------------------------------------------------------------
# Search plans


@dataclass(frozen=True, slots=True)
class _Plan:
    """``WITH m AS (…)``: the matching documents as ``(rid, id, pub, rank)`` rows.

    ``pub`` is ``published_at`` or ``''`` (so undated documents sort last when newest
    comes first) and ``rank`` is FTS5's bm25 (lower is better) or 0 without query text.
    """

    cte: str
    params: tuple[Any, ...]
    text: TextQuery


def _validate(query: SearchQuery) -> None:
    """Refuse a query we cannot run, with a message saying what would be accepted."""
    valid = ", ".join(FACET_FIELDS)
    for what, names in (("filter", query.filters), ("facet", query.facets)):
        unknown = sorted(set(names) - set(FACET_FIELDS))
        if unknown:
            raise QueryError(f"unknown {what} field(s) {', '.join(unknown)}; valid fields: {valid}")
    if query.histogram is not None and query.histogram not in _HISTOGRAM_BUCKETS:
        raise QueryError(f"histogram interval must be one of {', '.join(_HISTOGRAM_BUCKETS)}")
    if query.sort not in _SORTS:
        raise QueryError(f"sort must be one of {', '.join(_SORTS)}")
    if query.size < 0 or query.offset < 0 or query.facet_size < 0:
        raise QueryError("size, offset and facet_size must not be negative")
    if query.search_after is not None and query.offset:
        raise QueryError("use either offset or search_after, not both")
    try:
        check_near(query.near)
    except ValueError as exc:
        raise QueryError(str(exc)) from exc


def _filter_values(values: Iterable[str] | str) -> tuple[str, ...]:
    """Accept a bare string where a tuple was meant, rather than filtering on its letters."""
    return (values,) if isinstance(values, str) else tuple(str(v) for v in values)


def _conditions(query: SearchQuery, text: TextQuery) -> tuple[list[str], list[Any]]:
    """SQL conditions on ``d`` (a ``documents`` row) for filters, dates and exclusions."""
    where: list[str] = []
    params: list[Any] = []
    for field, raw in sorted(query.filters.items()):
        values = _filter_values(raw)
        if not values:
            continue
        marks = ", ".join("?" * len(values))
        where.append("EXISTS (SELECT 1 FROM facets AS f WHERE f.doc_id = d.id "
                     f"AND f.field = ? AND f.value IN ({marks}))")
        params += [field, *values]
    if query.since is not None:
        where.append("d.published_at >= ?")
        params.append(iso(query.since))
    if query.until is not None:
        where.append("d.published_at < ?")
        params.append(iso(query.until))
    near = check_near(query.near)
    if near is not None:
        lat, lon, km = near
        band = km / KM_PER_DEGREE_LAT
        where.append("EXISTS (SELECT 1 FROM points AS g WHERE g.doc_id = d.id "
                      "AND g.lat BETWEEN ? AND ? AND newsflow_km(g.lat, g.lon, ?, ?) <= ?)")
        params += [lat - band, lat + band, lat, lon, km]
    if text.exclude is not None:
        where.append("d.rid NOT IN (SELECT rowid FROM documents_fts WHERE documents_fts MATCH ?)")
        params.append(text.exclude)
    return where, params


def plan(query: SearchQuery) -> _Plan:
    """Build the CTE selecting every document the query matches."""
    text = compile_text(query.text)
    where, params = _conditions(query, text)
    if text.match is not None:
        source = (f"SELECT d.rid, d.id, coalesce(d.published_at, '') AS pub, "
                  f"bm25(documents_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}) AS rank "
                  "FROM documents_fts JOIN documents AS d ON d.rid = documents_fts.rowid "
                  "WHERE documents_fts MATCH ?")
        params.insert(0, text.match)
    else:
        source = ("SELECT d.rid, d.id, coalesce(d.published_at, '') AS pub, 0.0 AS rank "
                  "FROM documents AS d WHERE 1")
    sql = " AND ".join([source, *where])
    return _Plan(f"WITH m AS MATERIALIZED ({sql}) ", tuple(params), text)


def _order_by(sort: str) -> str:
    if sort == "date":
        return "m.pub DESC, m.id ASC"
    return "m.rank ASC, m.pub DESC, m.id ASC"


def encode_cursor(sort: str, key: Sequence[Any]) -> str:
    """Opaque ``search_after`` token: the sort mode and the last hit's sort key."""
    raw = json.dumps({"sort": sort, "key": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode("utf-8")).decode("ascii")


def decode_cursor(cursor: str, sort: str) -> list[Any]:
    """The sort key inside a cursor made by :func:`encode_cursor` for the same sort."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        key = data["key"]
        ok = data["sort"] == sort and isinstance(key, list) and len(key) == 3
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise QueryError("search_after is not a cursor returned by a previous search") from exc
    if not ok:
        raise QueryError(f"search_after cursor was not made by a search sorted by {sort}")
    return key


def _after(sort: str, key: list[Any]) -> tuple[str, list[Any]]:
    """Condition keeping rows strictly after ``key`` in the sort order."""
    rank, pub, doc_id = key
    later = "(m.pub < ? OR (m.pub = ? AND m.id > ?))"
    if sort == "date":
        return later, [pub, pub, doc_id]
    return f"(m.rank > ? OR (m.rank = ? AND {later}))", [rank, rank, pub, pub, doc_id]


# ---------------------------------------------------------------------------------------
# Errors


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


def _check_location(path: Path) -> None:
    """Fail early, with a fix, when the index file cannot be created or written."""
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


# ---------------------------------------------------------------------------------------
# The backend


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
        if not memory:
            _check_location(Path(self.path))
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
        if self._schema_version() == SCHEMA_VERSION:
            return
        with self._transaction("creating the schema", immediate=True):
            self._migrate(self._schema_version())  # re-read: another process may have won

    def _schema_version(self) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise ConfigError(
                f"index {self.path} has schema version {version}, newer than this "
                f"newsflow understands ({SCHEMA_VERSION}); upgrade newsflow")
        return version

    def _migrate(self, version: int) -> None:
        """Create the schema (every statement is ``IF NOT EXISTS``) and record its version."""
        if 0 < version < 2:  # version 1's delete trigger did not clear points
            self._conn.execute("DROP TRIGGER IF EXISTS documents_ad")
        for statement in _split_ddl(_DDL):
            self._conn.execute(statement)
        if 0 < version < 2:  # fill what version 1 lacked: points, the countries facet
            self._conn.execute(
                "INSERT INTO points (doc_id, lat, lon) SELECT d.id, "
                "json_extract(p.value, '$.lat'), json_extract(p.value, '$.lon') "
                "FROM documents AS d, json_each(d.body, '$.place_points') AS p "
                "WHERE json_type(d.body, '$.place_points') = 'array' "
                "AND json_type(p.value, '$.lat') IN ('integer', 'real') "
                "AND json_type(p.value, '$.lon') IN ('integer', 'real')")
            self._conn.execute(
                "INSERT OR IGNORE INTO facets (doc_id, field, value) "
                "SELECT d.id, 'countries', c.value FROM documents AS d, "
                "json_each(d.body, '$.countries') AS c "
                "WHERE json_type(d.body, '$.countries') = 'array' AND c.type = 'text'")
        if version < SCHEMA_VERSION:
            self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                               ("schema_version", str(SCHEMA_VERSION)))
            self._conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)",
                               ("created_at", iso(utcnow())))

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
            self._conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            yield
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error) and not isinstance(exc, sqlite3.ProgrammingError):
                raise translate(exc, self.path, doing) from exc
            raise

    # -- writes -----------------------------------------------------------------------

    def upsert(self, documents: Iterable[Document]) -> IndexReport:
        """Write the documents in one transaction; unchanged ones are not rewritten."""
        report = IndexReport()
        indexed_at = iso(utcnow()) or ""
        with self._transaction("writing documents", immediate=True):
            for doc in documents:
                self._upsert_one(doc, indexed_at, report)
        return report

    def _upsert_one(self, doc: Any, indexed_at: str, report: IndexReport) -> None:
        prepared = prepare(doc)
        if isinstance(prepared, str):
            report.failed.append((_id_of(doc), prepared))
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

    def _write(self, doc: _Prepared, indexed_at: str, *, exists: bool) -> None:
        """Insert or replace one document; triggers keep the FTS index in step."""
        body = json.dumps({**doc.content, "indexed_at": indexed_at}, ensure_ascii=False)
        values = (body, doc.published_at, doc.content_hash, indexed_at, doc.id)
        if exists:
            self._conn.execute(
                "UPDATE documents SET body = ?, published_at = ?, content_hash = ?, "
                "indexed_at = ? WHERE id = ?", values)
            self._conn.execute("DELETE FROM facets WHERE doc_id = ?", (doc.id,))
            self._conn.execute("DELETE FROM points WHERE doc_id = ?", (doc.id,))
        else:
            self._conn.execute(
                "INSERT INTO documents (body, published_at, content_hash, indexed_at, id) "
                "VALUES (?, ?, ?, ?, ?)", values)
        self._conn.executemany(
            "INSERT OR IGNORE INTO facets (doc_id, field, value) VALUES (?, ?, ?)",
            [(doc.id, f, v) for f, v in doc.facets])
        self._conn.executemany(
            "INSERT INTO points (doc_id, lat, lon) VALUES (?, ?, ?)",
            [(doc.id, lat, lon) for lat, lon in doc.points])

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents (facets and FTS rows go with them); returns how many existed."""
        ids = list(dict.fromkeys(doc_ids))
        removed = 0
        with self._transaction("deleting documents", immediate=True):
            for start in range(0, len(ids), _BATCH):
                chunk = ids[start:start + _BATCH]
                marks = ", ".join("?" * len(chunk))
                cur = self._conn.execute(f"DELETE FROM documents WHERE id IN ({marks})", chunk)
                removed += cur.rowcount
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
        return _loads(rows[0][0]) if rows else None

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM documents")[0][0])

    def iter_documents(self, since: datetime | None = None) -> Iterator[Document]:
        """Stream documents in id order, a batch at a time (keyset paging).

        No statement stays open between batches, so the caller may upsert while
        iterating (re-running extractors over the index does exactly that).
        """
        last = ""
        bound = "" if since is None else "AND published_at >= ? "
        extra = [] if since is None else [iso(since)]
        while True:
            rows = self._read(
                f"SELECT id, body FROM documents WHERE id > ? {bound}ORDER BY id LIMIT ?",
                [last, *extra, _BATCH])
            for _, body in rows:
                yield _loads(body)
            if len(rows) < _BATCH:
                return
            last = rows[-1][0]

    # -- search -----------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        """Run a search on one consistent snapshot of the index."""
        _validate(query)
        p = plan(query)
        with self._transaction("searching"):
            total = int(self._conn.execute(f"{p.cte}SELECT count(*) FROM m", p.params)
                        .fetchone()[0])
            hits, cursor = self._page(p, query)
            facets = self._facets(p, query.facets, query.facet_size) if query.facets else {}
            histogram = self._histogram(p, query.histogram) if query.histogram else []
        return SearchResult(total=total, hits=hits, facets=facets, histogram=histogram,
                            next_cursor=cursor)

    def _page(self, p: _Plan, query: SearchQuery) -> tuple[list[Hit], str | None]:
        """The requested hits, plus a cursor when more follow them.

        Sorting touches only ``(rid, id, pub, rank)``; bodies and highlights are fetched
        for the page alone.
        """
        if query.size == 0:
            return [], None
        where, params = "", list(p.params)
        if query.search_after is not None:
            cond, extra = _after(query.sort, decode_cursor(query.search_after, query.sort))
            where, params = f"WHERE {cond} ", params + extra
        rows = self._conn.execute(
            f"{p.cte}SELECT m.rid, m.id, m.rank, m.pub FROM m {where}"
            f"ORDER BY {_order_by(query.sort)} LIMIT ? OFFSET ?",
            [*params, query.size + 1, query.offset]).fetchall()
        more, rows = len(rows) > query.size, rows[:query.size]
        bodies = self._bodies([r[0] for r in rows])
        marks = self._highlights(p.text, [r[0] for r in rows]) if query.highlight else {}
        hits = [Hit(id=doc_id, score=-rank if p.text.match else 0.0, document=bodies[rid],
                    highlights=marks.get(rid, {}))
                for rid, doc_id, rank, _ in rows]
        if not more:
            return hits, None
        _, last_id, last_rank, last_pub = rows[-1]
        return hits, encode_cursor(query.sort, (last_rank, last_pub, last_id))

    def _bodies(self, rids: list[int]) -> dict[int, Document]:
        if not rids:
            return {}
        marks = ", ".join("?" * len(rids))
        rows = self._conn.execute(
            f"SELECT rid, body FROM documents WHERE rid IN ({marks})", rids).fetchall()
        return {rid: _loads(body) for rid, body in rows}

    def _highlights(self, text: TextQuery, rids: list[int]) -> dict[int, dict[str, list[str]]]:
        """Marked title (``highlight()``) and text fragment (``snippet()``) per document.

        A field appears only when it holds a match, as in Elasticsearch.
        """
        if text.match is None or not rids:
            return {}
        marks = ", ".join("?" * len(rids))
        rows = self._conn.execute(
            f"SELECT rowid, highlight(documents_fts, 0, ?, ?), "
            f"snippet(documents_fts, 1, ?, ?, '…', {SNIPPET_TOKENS}) "
            f"FROM documents_fts WHERE documents_fts MATCH ? AND rowid IN ({marks})",
            [MARK_OPEN, MARK_CLOSE, MARK_OPEN, MARK_CLOSE, text.match, *rids]).fetchall()
        out: dict[int, dict[str, list[str]]] = {}
        for rid, title, fragment in rows:
            fields = {"title": title, "text": fragment}
            out[rid] = {k: [v] for k, v in fields.items() if v and MARK_OPEN in v}
        return out

    def _facets(self, p: _Plan, fields: Sequence[str], size: int
                ) -> dict[str, list[tuple[str, int]]]:
        """Top ``size`` values per field over all matches: most frequent first, ties by value."""
        wanted = list(dict.fromkeys(fields))
        marks = ", ".join("?" * len(wanted))
        rows = self._conn.execute(
            f"{p.cte}, counts AS (SELECT f.field, f.value, count(*) AS n FROM facets AS f "
            f"JOIN m ON f.doc_id = m.id WHERE f.field IN ({marks}) GROUP BY f.field, f.value), "
            "ranked AS (SELECT field, value, n, row_number() OVER "
            "(PARTITION BY field ORDER BY n DESC, value ASC) AS pos FROM counts) "
            "SELECT field, value, n FROM ranked WHERE pos <= ? ORDER BY field, pos",
            [*p.params, *wanted, size]).fetchall()
        out: dict[str, list[tuple[str, int]]] = {f: [] for f in wanted}
        for field, value, n in rows:
            out[field].append((value, int(n)))
        return out

    def _histogram(self, p: _Plan, interval: str) -> list[tuple[str, int]]:
        """Counts per bucket of ``published_at``, oldest first; undated documents are left out."""
        bucket = _HISTOGRAM_BUCKETS[interval]
        rows = self._conn.execute(
            f"{p.cte}SELECT {bucket} AS b, count(*) FROM m WHERE m.pub != '' "
            "GROUP BY b ORDER BY b", p.params).fetchall()
        return [(b, int(n)) for b, n in rows]


def _id_of(doc: Any) -> str:
    """The id to report for a refused document, whatever shape it has."""
    value = doc.get("id") if isinstance(doc, dict) else None
    return value if isinstance(value, str) else ""


def _split_ddl(ddl: str) -> list[str]:
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


__all__ = ["SCHEMA_VERSION", "EmbeddedBackend", "compile_query", "compile_text"]
