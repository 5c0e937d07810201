"""The state file's schema: its version, each table's declaration, creating and migrating.

Each table module declares its :class:`Table` (DDL, indexes, time columns) beside its SQL;
:func:`open_schema` creates a new file or brings one made by an older newsflow to
:data:`SCHEMA_VERSION`:

- version 1 → 2 added columns (feed validators' trust, adaptive polling, leases, failure host);
- version 2 → 3 added the ``aliases`` table, filled from the done articles (each URL becomes
  the alias of the document id it was indexed under: ids never change);
- version 3 → 4 stores every time as UTC epoch seconds (``REAL``) instead of ISO 8601 text
  beside epoch reals (:mod:`newsflow.state.clock`): each table is rebuilt and its rows copied
  with their times converted;
- version 4 → 5 added the ``host_slots`` and ``host_pace`` tables (politeness shared by every
  process): created, the other tables are left as they are;
- version 5 → 6 added the ``websub`` table (feeds' hubs and our WebSub subscriptions): created;
- version 6 → 7 added the ``sitemap_urls`` table (each URL a sitemap listed and its newest
  ``<lastmod>``): created, the others are left as they are;
- version 7 → 8 added the ``alerts`` and ``alert_deliveries`` tables (saved searches and the
  log of what each delivered): created, the others are left as they are;
- version 8 → 9 added the story-thread tables ``story_articles``, ``stories`` and
  ``story_decisions`` (:mod:`newsflow.stories`): created;
- version 9 → 10 added the column ``story_articles.mentions`` (the capitalised word runs a story
  link looks names up in; ``[]`` for the rows stored before).

A migration is one ``BEGIN IMMEDIATE`` transaction that re-reads the version first, so two
processes opening an old file at once migrate it once; a file newer than this code is refused.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from newsflow.errors import ConfigError
from newsflow.sqlite_db import transaction
from newsflow.state import clock, tables

SCHEMA_VERSION = 10


@dataclass(frozen=True, slots=True)
class Table:
    """One table of the state file: ``create`` (``CREATE TABLE IF NOT EXISTS``), its
    ``indexes`` (``CREATE INDEX IF NOT EXISTS``) and the columns that hold times."""

    name: str
    create: str
    indexes: tuple[str, ...] = ()
    times: tuple[str, ...] = ()


class TableStore(tables.TableStore):
    """A table's statements on a SQLite connection (``?`` placeholders)."""


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def open_schema(conn: sqlite3.Connection, tables: Sequence[Table], path: str) -> None:
    """Create ``tables`` in a new file or migrate an old one (see the module docstring).

    Raises :class:`ConfigError` for a file of a newer schema; ``sqlite3.Error`` from SQLite.
    """
    if _checked(user_version(conn), path) == SCHEMA_VERSION:
        return
    conn.create_function("newsflow_stored_time", 1, clock.stored, deterministic=True)
    with transaction(conn):
        version = _checked(user_version(conn), path)  # another process may have migrated meanwhile
        if version == SCHEMA_VERSION:
            return
        existing = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in tables:
            if table.name in existing:
                if version < 4:  # times became epoch reals in version 4; later versions only add tables
                    _rebuild(conn, table)
            else:
                _create(conn, table)
        if "story_articles" in existing and "mentions" not in _columns(conn, "story_articles"):
            from newsflow.state.sqlite.stories import ADD_MENTIONS

            conn.execute(ADD_MENTIONS)
        if version < 3:
            conn.execute(
                "INSERT OR IGNORE INTO aliases (url, doc_id, first_seen_at)"
                " SELECT url, doc_id, updated_at FROM articles WHERE status = 'done'"
            )
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _checked(version: int, path: str) -> int:
    if version > SCHEMA_VERSION:
        raise ConfigError(
            f"the state store {path} has schema version {version}, newer than this newsflow "
            f"understands ({SCHEMA_VERSION}); upgrade newsflow"
        )
    return version


def _create(conn: sqlite3.Connection, table: Table) -> None:
    conn.execute(table.create)
    for index in table.indexes:
        conn.execute(index)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _rebuild(conn: sqlite3.Connection, table: Table) -> None:
    """Re-create ``table`` from its declaration and copy its rows over: columns it lacked
    take their defaults, times are converted to stored form, row order is kept."""
    old = f"{table.name}_before_v{SCHEMA_VERSION}"
    had = set(_columns(conn, table.name))
    conn.execute(f"ALTER TABLE {table.name} RENAME TO {old}")
    for (index,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (old,)
    ).fetchall():
        conn.execute(f"DROP INDEX {index}")
    _create(conn, table)
    copied = [c for c in _columns(conn, table.name) if c in had]
    values = [f"newsflow_stored_time({c})" if c in table.times else c for c in copied]
    conn.execute(
        f"INSERT INTO {table.name} ({', '.join(copied)}) SELECT {', '.join(values)} FROM {old} ORDER BY rowid"
    )
    conn.execute(f"DROP TABLE {old}")
