"""Copy an embedded (SQLite) state store into a PostgreSQL one: ``newsflow state migrate``.

:func:`copy_state` opens the source file (migrating it to the current SQLite schema first, as
any open does) and the target database (creating its schema), then copies every table's rows
in one target transaction: all or nothing. Times are already epoch seconds on both sides, so
rows go over as they are (SQLite's 0/1 flags become booleans).

- An **empty** target gets an exact copy: the same rows, failure ids and alias order.
- A target holding any row is refused (:class:`ConfigError` with its counts) unless
  ``merge=True``: then each source row replaces the target's row with the same key (an
  article's or alias's URL, a failure's stage and URL, a host, a robots origin, a feed URL,
  a SimHash's doc id, a WebSub subscription's feed URL, a sitemap URL, an alert's name, a delivery's alert and
  doc id, a story article's doc id, a thread's id, a story decision's document, thread, action
  and time; merged failures and decisions take new ids) and rows only the
  target has are kept.
  Merging the same source again changes nothing (idempotent).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from newsflow.errors import ConfigError
from newsflow.postgres_db import is_postgres_url, redact_url


@dataclass(frozen=True, slots=True)
class Copied:
    """One table's copy: its name, its key columns and its flag (boolean) columns."""

    table: str
    key: tuple[str, ...]
    flags: tuple[str, ...] = ()
    drop_on_merge: tuple[str, ...] = ()
    """Columns the target assigns itself when merging (a surrogate id)."""
    order: str = "rowid"


TABLES = (
    Copied("feeds", ("url",), flags=("validators_trusted",)),
    Copied("articles", ("url",)),
    Copied("failures", ("stage", "url"), flags=("retryable",), drop_on_merge=("id",), order="id"),
    Copied("hosts", ("host",)),
    Copied("robots", ("origin",)),
    Copied("aliases", ("url",)),
    Copied("simhash_clusters", ("doc_id",), order="seq"),
    Copied("websub", ("feed_url",), order="feed_url"),
    Copied("sitemap_urls", ("url",)),
    Copied("alerts", ("name",), order="name"),
    Copied("alert_deliveries", ("alert", "doc_id"), order="found_at, alert, doc_id"),
    Copied("story_articles", ("doc_id",), order="seen_at, doc_id"),
    Copied("stories", ("story_id",), order="story_id"),
    Copied("story_decisions", ("doc_id", "story_id", "action", "decided_at"), drop_on_merge=("id",), order="id"),
)
"""Every state table, in copy order (the SimHash clusters are copied when the file has them)."""


def copy_state(source: Path | str, target: str, *, merge: bool = False) -> dict[str, int]:
    """Copy the SQLite state file ``source`` into the PostgreSQL database at ``target`` (a
    ``postgresql://`` URL); rows copied per table. See the module docstring for ``merge``.

    Raises :class:`ConfigError` when the source is missing or unreadable, the target is not a
    PostgreSQL URL or cannot be opened (never showing its password), or is not empty and
    ``merge`` is false.
    """
    from newsflow.clustering import ClusterStore
    from newsflow.state.store import StateStore

    if not is_postgres_url(target):
        raise ConfigError(f"the target {target!r} is not a postgresql:// URL")
    if not Path(source).is_file():
        raise ConfigError(f"there is no state file at {source} to copy (setting state_path)")
    StateStore(source).close()  # brings the file to the current schema
    destination = StateStore(target)
    ClusterStore(target).close()  # the clusters' table too
    destination.close()
    from newsflow.postgres_db import Database

    src = sqlite3.connect(f"file:{Path(source).resolve()}?mode=ro", uri=True)
    src.row_factory = sqlite3.Row
    try:
        present = {row[0] for row in src.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        with Database(target) as dst, dst.transaction() as conn:
            held = {t.table: _count(conn, t.table) for t in TABLES}
            if any(held.values()) and not merge:
                counts = ", ".join(f"{n} {t}" for t, n in held.items() if n)
                raise ConfigError(
                    f"the target {redact_url(target)} already holds state ({counts}); "
                    "give --force to merge into it (the source's rows win, the target's others stay)"
                )
            copied = {}
            for table in TABLES:
                if table.table in present:
                    copied[table.table] = _copy(src, conn, table, merge=merge and held[table.table] > 0)
            _reset_sequences(conn)
        return copied
    finally:
        src.close()


def _count(conn: Any, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"])


def _target_columns(conn: Any, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s",
        (table,),
    )
    return {row["column_name"] for row in rows}


def _copy(src: sqlite3.Connection, conn: Any, table: Copied, *, merge: bool) -> int:
    wanted = _target_columns(conn, table.table)
    columns = [row[1] for row in src.execute(f"PRAGMA table_info({table.table})") if row[1] in wanted]
    if merge:
        columns = [c for c in columns if c not in table.drop_on_merge]
    names = ", ".join(columns)
    placeholders = ", ".join(["%s"] * len(columns))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in table.key)
    conflict = f"ON CONFLICT ({', '.join(table.key)}) DO " + (f"UPDATE SET {updates}" if updates else "NOTHING")
    sql = f"INSERT INTO {table.table} ({names}) VALUES ({placeholders}) {conflict}"
    rows = [_row(row, columns, table.flags) for row in src.execute(
        f"SELECT {names} FROM {table.table} ORDER BY {table.order}")]
    with conn.cursor() as cur:
        cur.executemany(sql, rows)
    return len(rows)


def _row(row: sqlite3.Row, columns: Sequence[str], flags: Sequence[str]) -> tuple[Any, ...]:
    return tuple(bool(row[c]) if c in flags and row[c] is not None else row[c] for c in columns)


def _reset_sequences(conn: Any) -> None:
    """After copying ids, new rows must not reuse them: each identity column continues past its maximum."""
    for table, column in (("failures", "id"), ("aliases", "seq"), ("story_decisions", "id")):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )
