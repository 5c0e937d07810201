"""The archive's index: one SQLite file beside the WARC files (``index.sqlite``), a CDX-like
table with one row per archived HTML response, looked up by URL and by payload digest.

It lives with the WARC files rather than in the state store: the archive is a directory of
files that can be copied, moved or read by other tools, and its index travels with it; a
state store on another database (PostgreSQL) does not have to know about local files.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsflow.sqlite_db import Database, transaction

INDEX_NAME = "index.sqlite"
INDEX_VERSION = 1

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS records (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        target_uri TEXT NOT NULL,
        digest TEXT NOT NULL,
        warc_date TEXT NOT NULL,
        status INTEGER NOT NULL,
        content_type TEXT NOT NULL,
        filename TEXT NOT NULL,
        offset INTEGER NOT NULL,
        length INTEGER NOT NULL,
        origin TEXT NOT NULL,
        UNIQUE (url, digest)
    )""",
    "CREATE INDEX IF NOT EXISTS records_target ON records (target_uri)",
    "CREATE INDEX IF NOT EXISTS records_digest ON records (digest)",
)


@dataclass(frozen=True, slots=True)
class ArchivedRecord:
    """Where one archived response is: ``filename`` (relative to the archive directory for the
    files newsflow wrote, absolute for imported ones), ``offset`` and ``length`` in bytes of
    the record (one gzip member in a ``.warc.gz``)."""

    url: str
    """The article URL the pipeline knows the page by (the normalised entry URL)."""
    target_uri: str
    """``WARC-Target-URI``: the URL that answered (after redirects)."""
    digest: str
    """``WARC-Payload-Digest`` (``sha1:BASE32``)."""
    warc_date: str
    """``WARC-Date``: when the page was fetched (ISO 8601 UTC)."""
    status: int
    content_type: str
    filename: str
    offset: int
    length: int
    origin: str = "fetch"
    """``fetch`` (written by newsflow) or ``import`` (``newsflow import-warc``)."""


class ArchiveIndex:
    """The index of one archive directory (thread-safe; several processes may share the file).

    Raises ``sqlite3.Error`` or ``OSError`` when the file cannot be opened.
    """

    def __init__(self, path: Path | str) -> None:
        self._db = Database(path)
        with self._db.locked() as conn, transaction(conn):
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {INDEX_VERSION}")

    def add(self, record: ArchivedRecord) -> bool:
        """Record ``record``; False when the same payload was already recorded under its URL."""
        with self._db.locked() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO records (url, target_uri, digest, warc_date, status, content_type,"
                " filename, offset, length, origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.url, record.target_uri, record.digest, record.warc_date, record.status,
                 record.content_type, record.filename, record.offset, record.length, record.origin),
            )
            return cursor.rowcount == 1

    def find(self, url: str, digest: str) -> ArchivedRecord | None:
        """The record of ``url`` with payload ``digest``, if archived."""
        with self._db.locked() as conn:
            row = conn.execute("SELECT * FROM records WHERE url = ? AND digest = ?", (url, digest)).fetchone()
        return _record(row) if row else None

    def latest(self, urls: Sequence[str]) -> ArchivedRecord | None:
        """The most recently fetched record whose URL or target URI is one of ``urls``."""
        names = list(dict.fromkeys(urls))
        if not names:
            return None
        marks = ", ".join("?" * len(names))
        with self._db.locked() as conn:
            row = conn.execute(
                f"SELECT * FROM records WHERE url IN ({marks}) OR target_uri IN ({marks})"
                " ORDER BY warc_date DESC, id DESC LIMIT 1", (*names, *names),
            ).fetchone()
        return _record(row) if row else None

    def by_digest(self, digest: str) -> list[ArchivedRecord]:
        """Every record with payload ``digest`` (the same page under several URLs)."""
        with self._db.locked() as conn:
            rows = conn.execute("SELECT * FROM records WHERE digest = ? ORDER BY id", (digest,)).fetchall()
        return [_record(r) for r in rows]

    def count(self) -> int:
        with self._db.locked() as conn:
            return int(conn.execute("SELECT count(*) FROM records").fetchone()[0])

    def close(self) -> None:
        self._db.close()


def _record(row: sqlite3.Row) -> ArchivedRecord:
    data = dict(row)
    data.pop("id")
    return ArchivedRecord(**data)
