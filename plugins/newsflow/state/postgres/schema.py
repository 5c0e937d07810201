"""The PostgreSQL state database's schema: versioned SQL migrations in a ``schema_version`` table.

Each table module declares its DDL (``DDL``) beside its SQL; :data:`MIGRATIONS` lists, per
version, the statements that bring the database from the version before to it (version 1
creates every table, 2 adds ``host_slots`` and ``host_pace``, 3 adds ``websub``, 4 adds
``sitemap_urls``, 5 adds ``alerts`` and ``alert_deliveries``, 6 the story-thread tables, 7 the
column ``story_articles.mentions``). :func:`open_schema` applies the missing ones in one transaction under
an advisory lock, so two processes opening a new database at once migrate it once; a
database of a newer version than this code is refused.

Why not Alembic: seven tables whose DDL already lives beside their SQL, one linear history
and no autogeneration wanted; numbered statement lists applied in one transaction do the
same job without another dependency, its ``env.py`` and ini file.

Times are ``double precision`` UTC epoch seconds, as in SQLite (:mod:`newsflow.state.clock`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsflow.errors import ConfigError
from newsflow.state import tables

SCHEMA_VERSION = 7
_LOCK_KEY = 0x6E657773  # "news": the advisory lock migrations take

_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"


class TableStore(tables.TableStore):
    """A table's statements on a psycopg connection: :meth:`run` turns ``?`` into ``%s``."""

    PARAM = "%s"


def migrations(
    table_ddl: Sequence[Sequence[str]], later: dict[int, Sequence[str]]
) -> dict[int, list[str]]:
    """Version → statements: 1 creates the tables whose DDL is ``table_ddl`` (in order);
    ``later`` gives each following version's statements (2: the shared per-host politeness
    tables ``host_slots`` and ``host_pace``; 3: the WebSub subscriptions ``websub``; 4:
    ``sitemap_urls``; 5: the saved searches ``alerts`` and ``alert_deliveries``; 6: the story threads' ``story_articles``, ``stories``, ``story_decisions``; 7: the column
    ``story_articles.mentions``)."""
    return {1: [statement for ddl in table_ddl for statement in ddl], **{v: list(s) for v, s in later.items()}}


def version(conn: Any) -> int:
    """The database's schema version (0: none yet)."""
    row = conn.execute("SELECT max(version) AS v FROM schema_version").fetchone()
    return int(row["v"] or 0)


def open_schema(conn: Any, steps: dict[int, list[str]], where: str) -> None:
    """Apply the migrations of ``steps`` the database lacks (see the module docstring).

    ``where``: the database as shown in errors (no password). Raises :class:`ConfigError`
    for a newer schema; ``psycopg.Error`` from the server.
    """
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
        conn.execute(_VERSION_TABLE)
        current = version(conn)
        if current > SCHEMA_VERSION:
            raise ConfigError(
                f"the state store {where} has schema version {current}, newer than this newsflow "
                f"understands ({SCHEMA_VERSION}); upgrade newsflow"
            )
        for number in range(current + 1, SCHEMA_VERSION + 1):
            for statement in steps[number]:
                conn.execute(statement)
        if current < SCHEMA_VERSION:
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (SCHEMA_VERSION,))
